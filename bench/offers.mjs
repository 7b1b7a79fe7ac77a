// npm run bench:offers [-- --page-runs 300] [--pdf-offers 10] [--port 8807] [--source HEAD|worktree]
//
// Offers through `wrangler dev` (local D1 and R2): the public page GET /o/<token> (sequential, after warm-up),
// and the offer PDF (GET /offers/<id>/pdf as staff) for 20-line and 200-line offers. The first download of an
// offer renders it (pdf-lib + fontkit, fonts parsed once per isolate) and stores it in R2; later downloads read
// it back. `pdf-offers` offers of each size are made so that each fresh render is timed once; then every offer
// is downloaded again (cached). Memory: workerd's RSS (and peak RSS, VmHWM) of wrangler's process group from
// /proc before and after the PDF step. Seeding (staff, a distributor, a Danish customer, 200 products with
// DKK prices) is SQL straight into the local D1 file (node:sqlite) before the worker starts.
// Results: stdout and bench/results/offers.{md,json}.

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { parseArgs } from 'node:util';
import { PDFDocument } from 'pdf-lib';
import { createClient, pbkdf2Hash } from './lib/client.mjs';
import { d1File, load1, machine } from './lib/machine.mjs';
import { LOGIN } from './lib/queries.mjs';
import { saveResults } from './lib/report.mjs';
import { summarize } from './lib/stats.mjs';
import { applyMigrations, directWorkerUrl, snapshotWorker, startWorker } from './lib/wrangler.mjs';

const { values: args } = parseArgs({
  options: {
    'page-runs': { type: 'string', default: '300' },
    'pdf-offers': { type: 'string', default: '10' },
    port: { type: 'string', default: '8807' },
    source: { type: 'string', default: 'HEAD' },
  },
});
const pageRuns = Number(args['page-runs']);
const pdfOffers = Number(args['pdf-offers']);
const port = Number(args.port);
const STATE = resolve('bench/.state/offers');
const STAFF = { email: 'bench-admin@example.com', password: `bench-${Date.now()}-password` };
const PRODUCTS = 200;
const log = (line) => console.log(line);
const localOf = (g) => Buffer.from(g, 'base64').toString().split(':')[1];
const gid = (type, id) => Buffer.from(`${type}:${id}`).toString('base64');

function seed(file) {
  const db = new DatabaseSync(file);
  const now = new Date().toISOString();
  db.exec('BEGIN');
  db.prepare(
    `INSERT INTO staff_user (email, name, role, password_hash, created_at) VALUES (?, 'Benchmark', 'ADMIN', ?, ?)`,
  ).run(STAFF.email, pbkdf2Hash(STAFF.password), now);
  db.prepare(
    `INSERT INTO distributor (id, referral_code, first_name, last_name, search_name, country, locale, status, joined_at,
       sponsor_path, sponsor_depth, placement_path, placement_depth, created_at, updated_at)
     VALUES (1, 'BENCH1', 'Bench', 'Owner', 'bench owner', 'DK', 'da', 'ACTIVE', ?, '/1/', 0, '/1/', 0, ?, ?)`,
  ).run(now, now, now);
  db.prepare(
    `INSERT INTO customer (id, owner_id, first_name, last_name, email, phone, country, locale, created_at, updated_at)
     VALUES (1, 1, 'Karen', 'Østergård', 'karen@example.com', '+4541100001', 'DK', 'da', ?, ?)`,
  ).run(now, now);
  const product = db.prepare(
    `INSERT INTO product (id, sku, names, qv, cv, created_at, updated_at) VALUES (?, ?, ?, 10, 500, ?, ?)`,
  );
  const price = db.prepare(
    `INSERT INTO product_price (product_id, currency, retail, wholesale) VALUES (?, 'DKK', ?, ?)`,
  );
  for (let i = 1; i <= PRODUCTS; i++) {
    const name = `Økologisk produkt nr. ${i} – ${['serum', 'shampoo', 'kapsler', 'te'][i % 4]}`;
    product.run(i, `OFR-${i}`, JSON.stringify({ da: name, pl: name, de: name, en: name }), now, now);
    price.run(i, 9900 + i * 137, 7400 + i * 100);
  }
  db.exec('COMMIT');
  db.close();
}

const CREATE = `mutation($input: CreateOfferInput!) { createOffer(input: $input) { __typename
  ... on MutationCreateOfferSuccess { offer { id } } ... on Error { message } } }`;
const ADD = `mutation($input: AddOfferLinesInput!) { addOfferLines(input: $input) { __typename ... on Error { message } } }`;
const SEND = `mutation($input: SendOfferInput!) { sendOffer(input: $input) { __typename
  ... on MutationSendOfferSuccess { offer { id status link { path } } } ... on Error { message } } }`;

function validUntil() {
  return new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
}

async function makeOffer(client, lines, offset) {
  const all = Array.from({ length: lines }, (_, i) => ({
    productId: gid('Product', ((offset + i) % PRODUCTS) + 1),
    quantity: 1 + (i % 5),
    discountBp: (i % 4) * 250,
  }));
  const created = (
    await client.post(CREATE, {
      input: {
        customerId: gid('Customer', 1),
        lines: all.slice(0, 100),
        validUntil: validUntil(),
        note: 'Tilbud fra benchmark.',
        terms: 'Betaling netto 14 dage.',
      },
    })
  ).createOffer;
  if (!created.offer) throw new Error(`createOffer: ${JSON.stringify(created)}`);
  const id = created.offer.id;
  for (let i = 100; i < lines; i += 100) {
    const r = (await client.post(ADD, { input: { id, lines: all.slice(i, i + 100) } })).addOfferLines;
    if (!r.__typename.endsWith('Success')) throw new Error(`addOfferLines: ${JSON.stringify(r)}`);
  }
  return id;
}

async function timedGet(url, headers = {}) {
  const t0 = performance.now();
  const res = await fetch(url, { headers });
  const body = new Uint8Array(await res.arrayBuffer());
  const ms = performance.now() - t0;
  if (!res.ok)
    throw new Error(`GET ${url}: HTTP ${res.status}: ${Buffer.from(body).toString().slice(0, 300)}`);
  return { ms, bytes: body.length, res };
}

// workerd processes of wrangler's process group: RSS and peak RSS (VmHWM) from /proc.
function workerdMemory(pgid) {
  let rssKb = 0;
  let hwmKb = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== pgid || !comm.startsWith('workerd')) continue;
      const status = readFileSync(`/proc/${name}/status`, 'utf8');
      rssKb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      hwmKb += Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
    } catch {
      // Gone meanwhile.
    }
  }
  return { rssMb: +(rssKb / 1024).toFixed(1), hwmMb: +(hwmKb / 1024).toFixed(1) };
}

async function main() {
  log(`offers: machine ${machine}, load ${load1()}`);
  const config = await snapshotWorker(join(STATE, 'build'), args.source);
  const persistTo = join(STATE, 'db');
  rmSync(persistTo, { recursive: true, force: true });
  await applyMigrations(config, persistTo);
  seed(d1File(persistTo));
  const worker = await startWorker({ config, port, persistTo, logFile: join(STATE, 'wrangler.log') });
  try {
    const client = createClient(worker.base);
    const r = (await client.post(LOGIN, { input: STAFF })).login;
    if (!r.session) throw new Error(`login failed: ${JSON.stringify(r)}`);
    client.setToken(r.session.token);
    const auth = { authorization: `Bearer ${client.token}` };

    // The public page of a sent 20-line offer.
    const pageOffer = await makeOffer(client, 20, 0);
    const sent = (await client.post(SEND, { input: { id: pageOffer } })).sendOffer;
    if (!sent.offer?.link) throw new Error(`sendOffer: ${JSON.stringify(sent)}`);
    const pageUrl = `${worker.base}${sent.offer.link.path}`;
    const loadPage = load1();
    const page = [];
    let pageBytes = 0;
    for (let i = 0; i < 20; i++) await timedGet(pageUrl, { 'accept-language': 'da' });
    for (let i = 0; i < pageRuns; i++) {
      const g = await timedGet(pageUrl, { 'accept-language': 'da' });
      page.push(g.ms);
      pageBytes = g.bytes;
    }
    const pageStats = summarize(page);
    // The same page on the worker's own socket, skipping wrangler's dev proxy (as bench:leads does).
    const direct = await directWorkerUrl(worker, port);
    let pageDirect = null;
    if (direct) {
      const url = `${direct}${sent.offer.link.path}`;
      const times = [];
      for (let i = 0; i < 20; i++) await timedGet(url, { 'accept-language': 'da' });
      for (let i = 0; i < pageRuns; i++) times.push((await timedGet(url, { 'accept-language': 'da' })).ms);
      pageDirect = summarize(times);
      log(`  page (direct): median ${pageDirect.median.toFixed(1)} ms, p95 ${pageDirect.p95.toFixed(1)} ms`);
    }
    log(
      `  page: median ${pageStats.median.toFixed(1)} ms, p95 ${pageStats.p95.toFixed(1)} ms (${pageBytes} B)`,
    );

    // Offers whose PDFs were never made.
    const ids = { 20: [], 200: [] };
    for (const lines of [20, 200])
      for (let i = 0; i < pdfOffers + 1; i++) ids[lines].push(await makeOffer(client, lines, i * 7));
    log(`  made ${pdfOffers + 1} offers of 20 and of 200 lines`);

    const loadPdf = load1();
    const memBefore = workerdMemory(worker.pgid);
    const pdf = {};
    for (const lines of [20, 200]) {
      // The first fresh render also warms this path (fonts already parsed by the other size's run or not):
      // kept separately as `first`.
      const [firstId, ...rest] = ids[lines];
      const first = await timedGet(`${worker.base}/offers/${localOf(firstId)}/pdf`, auth);
      const fresh = [];
      let bytes = first.bytes;
      let pages = null;
      for (const id of rest) {
        const g = await timedGet(`${worker.base}/offers/${localOf(id)}/pdf`, auth);
        fresh.push(g.ms);
        bytes = g.bytes;
      }
      const cached = [];
      for (let round = 0; round < 3; round++)
        for (const id of ids[lines])
          cached.push((await timedGet(`${worker.base}/offers/${localOf(id)}/pdf`, auth)).ms);
      const last = await fetch(`${worker.base}/offers/${localOf(rest.at(-1))}/pdf`, {
        headers: auth,
      });
      pages = (await PDFDocument.load(new Uint8Array(await last.arrayBuffer()))).getPageCount();
      pdf[lines] = {
        firstMs: first.ms,
        fresh: summarize(fresh),
        cached: summarize(cached),
        bytes,
        pages,
      };
      log(
        `  PDF ${lines} lines: first ${first.ms.toFixed(0)} ms, fresh median ${pdf[lines].fresh.median.toFixed(1)} ms, cached median ${pdf[lines].cached.median.toFixed(1)} ms, ${bytes} B, ${pages} pages`,
      );
    }
    const memAfter = workerdMemory(worker.pgid);
    log(
      `  workerd memory before/after the PDF step: ${JSON.stringify(memBefore)} / ${JSON.stringify(memAfter)}`,
    );

    let commit = '?';
    try {
      commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    } catch {}
    const result = {
      ranAt: new Date().toISOString(),
      commit,
      source: args.source,
      machine,
      load1m: { page: loadPage, pdf: loadPdf, end: load1() },
      page: { ...pageStats, bytes: pageBytes },
      pageDirect,
      pdf,
      pdfOffers,
      memory: { before: memBefore, after: memAfter },
    };
    saveResults('bench/results/offers.json', result);
    writeFileSync('bench/results/offers.md', renderMarkdown(result));
    log('wrote bench/results/offers.md');
  } finally {
    await worker.stop();
  }
}

const f = (v) => v.toFixed(1);

export function renderTable(r) {
  const p = r.pdf;
  return [
    '| Offers (wrangler dev, local D1/R2) | Median / p95 (ms) | Target |',
    '| --- | ---: | ---: |',
    `| Public page \`GET /o/<token>\` (20 lines, ${r.page.n} requests) | ${f(r.page.median)} / ${f(r.page.p95)} | ≤ 20 median |`,
    ...(r.pageDirect
      ? [
          `| Public page, on the worker's own socket (no dev proxy) | ${f(r.pageDirect.median)} / ${f(r.pageDirect.p95)} | ≤ 20 median |`,
        ]
      : []),
    `| PDF, 20 lines, fresh render + R2 store (${p[20].fresh.n} offers) | ${f(p[20].fresh.median)} / ${f(p[20].fresh.p95)} | ≤ 100 median |`,
    `| PDF, 200 lines, fresh render + R2 store (${p[200].fresh.n} offers) | ${f(p[200].fresh.median)} / ${f(p[200].fresh.p95)} | ≤ 400 median |`,
    `| PDF, 20 lines, cached (R2 read, ${p[20].cached.n} downloads) | ${f(p[20].cached.median)} / ${f(p[20].cached.p95)} | |`,
    `| PDF, 200 lines, cached (R2 read, ${p[200].cached.n} downloads) | ${f(p[200].cached.median)} / ${f(p[200].cached.p95)} | |`,
    `| First PDF of the isolate, 20 lines (font parsing included) | ${f(p[20].firstMs)} | |`,
    `| workerd RSS before → after the PDF step (MB; peak RSS after) | ${r.memory.before.rssMb} → ${r.memory.after.rssMb} (${r.memory.after.hwmMb}) | |`,
  ].join('\n');
}

function renderMarkdown(r) {
  return `# Offers benchmark

Produced by \`npm run bench:offers\` (bench/offers.mjs) on ${r.ranAt}, code ${r.commit} (${r.source}): ${r.machine},
shared with other agents; 1-min load average at the page / PDF / end ${r.load1m.page} / ${r.load1m.pdf} / ${r.load1m.end}.

Through \`wrangler dev\` on loopback (its dev proxy included), sequential requests timed on the client from sending to
the last byte. The page is a sent 20-line offer (Danish, after 20 warm-up requests). PDFs: ${r.pdfOffers + 1} offers of
each size, never downloaded before; the first download of each renders the PDF (pdf-lib, DejaVu subset) and stores
it in R2 (\`stored_file\`) — "fresh" is the median over ${r.pdfOffers} such first downloads (the very first one of the
worker, which may parse the fonts, is shown on its own); "cached" is three more downloads of each offer, read back
from R2. PDF sizes: 20 lines ${r.pdf[20].bytes} B (${r.pdf[20].pages} page(s)), 200 lines ${r.pdf[200].bytes} B
(${r.pdf[200].pages} pages); the page ${r.page.bytes} B.

${renderTable(r)}

Memory: the sum of VmRSS of the workerd processes in wrangler's process group (the worker and wrangler's dev proxy)
from /proc, read before the first PDF and after the last; VmHWM is their peak RSS since start. It is the whole
runtime's memory, not the isolate's heap; the growth is what rendering ${2 * (r.pdfOffers + 1)} PDFs left behind.
`;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
