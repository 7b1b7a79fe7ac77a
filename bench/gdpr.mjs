// npm run bench:gdpr [-- --rows 10000 --runs 3] [--port 8810] [--source HEAD|worktree]
//
// GDPR export and erasure of a member with a long history, through `wrangler dev` (local D1, R2 and queues).
// Each run has its own member with `rows` history rows (40 % activities about them, 30 % orders with a line
// each, 30 % messages to them; the order lines come on top), among 2,000 other members with 20,000 activities
// of their own. Timed on the client: the export from the request (GraphQL) until the job has made it READY
// (polled every 50 ms), the download of the archive (bytes), and the erasure (one GraphQL mutation: one D1
// batch, then the R2 deletes). Seeding is SQL straight into the local D1 file (node:sqlite) before the worker
// starts. Results: stdout and bench/results/gdpr.{md,json}.

import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { parseArgs } from 'node:util';
import { createClient, pbkdf2Hash } from './lib/client.mjs';
import { d1File, load1, machine } from './lib/machine.mjs';
import { LOGIN } from './lib/queries.mjs';
import { saveResults } from './lib/report.mjs';
import { summarize } from './lib/stats.mjs';
import { applyMigrations, snapshotWorker, startWorker } from './lib/wrangler.mjs';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '3' },
    port: { type: 'string', default: '8810' },
    source: { type: 'string', default: 'HEAD' },
  },
});
const rows = Number(args.rows);
const runs = Number(args.runs);
const port = Number(args.port);
const STATE = resolve('bench/.state/gdpr');
const STAFF = { email: 'bench-admin@example.com', password: `bench-${Date.now()}-password` };
const OTHERS = 2_000;
const log = (line) => console.log(line);
const gid = (type, id) => Buffer.from(`${type}:${id}`).toString('base64');

/** The subject members are ids 10..10+runs-1; others follow. */
const subjectId = (run) => 10 + run;
const person = (run) => ({
  first: `Zofia${run}`,
  last: `Wiśniewska-Benchowa${run}`,
  email: `zofia${run}@bench.example`,
  phone: `+4520${String(100000 + run).padStart(6, '0')}`,
});

function seed(file) {
  const db = new DatabaseSync(file);
  const now = new Date().toISOString();
  db.exec('BEGIN');
  db.prepare(
    `INSERT INTO staff_user (email, name, role, password_hash, created_at) VALUES (?, 'Benchmark', 'ADMIN', ?, ?)`,
  ).run(STAFF.email, pbkdf2Hash(STAFF.password), now);
  const member = db.prepare(
    `INSERT INTO distributor (id, referral_code, first_name, last_name, search_name, email, phone, country, locale, status,
       joined_at, sponsor_id, sponsor_path, sponsor_depth, placement_parent_id, placement_position, placement_path,
       placement_depth, created_at, updated_at)
     VALUES (?, ?, ?, ?, lower(? || ' ' || ?), ?, ?, 'DK', 'da', 'ACTIVE', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  member.run(
    1,
    'ROOT1',
    'Root',
    'Member',
    'Root',
    'Member',
    'root@bench.example',
    null,
    now,
    null,
    '/1/',
    0,
    null,
    null,
    '/1/',
    0,
    now,
    now,
  );
  const child = (id, p) =>
    member.run(
      id,
      `R${id}`,
      p.first,
      p.last,
      p.first,
      p.last,
      p.email,
      p.phone,
      now,
      1,
      `/1/${id}/`,
      1,
      1,
      id,
      `/1/${id}/`,
      1,
      now,
      now,
    );
  for (let r = 0; r < runs; r++) child(subjectId(r), person(r));
  const firstOther = 10 + runs;
  for (let i = 0; i < OTHERS; i++)
    child(firstOther + i, {
      first: `Other${i}`,
      last: `Member${i}`,
      email: `other${i}@bench.example`,
      phone: null,
    });
  db.prepare(
    `INSERT INTO product (id, sku, names, qv, cv, created_at, updated_at) VALUES (1, 'GDPR-1', '{"da":"Te","pl":"Te","de":"Te","en":"Tea"}', 10, 500, ?, ?)`,
  ).run(now, now);
  const activity = db.prepare(
    `INSERT INTO activity (subject_type, subject_id, kind, body, occurred_at, author, created_at)
     VALUES ('DISTRIBUTOR', ?, 'NOTE', ?, ?, 'staff:1', ?)`,
  );
  const order = db.prepare(
    `INSERT INTO sales_order (kind, distributor_id, status, currency, total, qv, cv, created_by, created_at, paid_at, period)
     VALUES ('PERSONAL', ?, 'PAID', 'DKK', 9900, 10, 500, ?, ?, ?, '2026-01') RETURNING id`,
  );
  const line = db.prepare(
    `INSERT INTO order_line (order_id, product_id, sku, quantity, unit_price, unit_retail, unit_wholesale, unit_qv, unit_cv,
       is_starter_kit)
     VALUES (?, 1, 'GDPR-1', 1, 9900, 12900, 9900, 10, 500, 0)`,
  );
  const message = db.prepare(
    `INSERT INTO message_outbox (recipient_type, recipient_id, address, channel, purpose, locale, subject, body, sender_kind,
       sender, status, idempotency_key, created_at, updated_at)
     VALUES ('DISTRIBUTOR', ?, ?, 'EMAIL', 'TRANSACTIONAL', 'da', ?, ?, 'STAFF', 'staff:1', 'DELIVERED', ?, ?, ?)`,
  );
  for (let r = 0; r < runs; r++) {
    const id = subjectId(r);
    const p = person(r);
    const full = `${p.first} ${p.last}`;
    const nActivities = Math.round(rows * 0.4);
    const nOrders = Math.round(rows * 0.3);
    const nMessages = rows - nActivities - nOrders;
    for (let i = 0; i < nActivities; i++)
      activity.run(id, `Call ${i} with ${full} (${p.phone}); follow-up by mail to ${p.email}.`, now, now);
    for (let i = 0; i < nOrders; i++) line.run(order.get(id, `distributor:${id}`, now, now).id);
    for (let i = 0; i < nMessages; i++)
      message.run(
        id,
        p.email,
        `Hej ${p.first}`,
        `Hej ${full}, tak for ordre ${i}.`,
        `bench:${id}:${i}`,
        now,
        now,
      );
  }
  for (let i = 0; i < 20_000; i++)
    activity.run(firstOther + (i % OTHERS), `Note ${i} about someone else.`, now, now);
  db.exec('COMMIT');
  db.close();
}

const REQUEST = `mutation($input: RequestPersonalDataExportInput!) { requestPersonalDataExport(input: $input) {
  __typename ... on MutationRequestPersonalDataExportSuccess { export { id status } } ... on Error { message } } }`;
const STATUS = `query($id: ID!) { personalDataExport(id: $id) { status size rowCount downloadPath error } }`;
const ERASE = `mutation($input: ErasePersonInput!) { erasePerson(input: $input) { __typename
  ... on MutationErasePersonSuccess { erasure { pseudonym filesDeleted } } ... on Error { message } } }`;

async function main() {
  log(`gdpr: ${rows} history rows per member, ${runs} runs; machine ${machine}, load ${load1()}`);
  const config = await snapshotWorker(join(STATE, 'build'), args.source);
  const persistTo = join(STATE, 'db');
  rmSync(persistTo, { recursive: true, force: true });
  await applyMigrations(config, persistTo);
  const t0 = performance.now();
  seed(d1File(persistTo));
  log(`  seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const worker = await startWorker({ config, port, persistTo, logFile: join(STATE, 'wrangler.log') });
  try {
    const client = createClient(worker.base);
    const r = (await client.post(LOGIN, { input: STAFF })).login;
    if (!r.session) throw new Error(`login failed: ${JSON.stringify(r)}`);
    client.setToken(r.session.token);
    const auth = { authorization: `Bearer ${client.token}` };
    const exportMs = [];
    const downloadMs = [];
    const eraseMs = [];
    let bytes = 0;
    let archiveRows = 0;
    const loadStart = load1();
    for (let run = 0; run < runs; run++) {
      const id = subjectId(run);
      const started = performance.now();
      const req = (await client.post(REQUEST, { input: { person: gid('Distributor', id) } }))
        .requestPersonalDataExport;
      if (!req.export) throw new Error(`requestPersonalDataExport: ${JSON.stringify(req)}`);
      let status;
      for (;;) {
        status = (await client.post(STATUS, { id: req.export.id })).personalDataExport;
        if (status.status !== 'QUEUED') break;
        if (performance.now() - started > 300_000) throw new Error('export not ready after 5 minutes');
        await new Promise((res) => setTimeout(res, 50));
      }
      if (status.status !== 'READY') throw new Error(`export ${status.status}: ${status.error}`);
      exportMs.push(performance.now() - started);
      const d0 = performance.now();
      const res = await fetch(`${worker.base}${status.downloadPath}`, { headers: auth });
      const body = new Uint8Array(await res.arrayBuffer());
      if (!res.ok) throw new Error(`download: HTTP ${res.status}`);
      downloadMs.push(performance.now() - d0);
      bytes = body.length;
      archiveRows = status.rowCount;
      const e0 = performance.now();
      const erased = (
        await client.post(ERASE, {
          input: { person: gid('Distributor', id), confirmId: String(id), reason: 'Benchmark erasure' },
        })
      ).erasePerson;
      eraseMs.push(performance.now() - e0);
      if (!erased.erasure) throw new Error(`erasePerson: ${JSON.stringify(erased)}`);
      log(
        `  run ${run + 1}: export ready in ${exportMs.at(-1).toFixed(0)} ms (${archiveRows} rows, ${bytes} B, download ${downloadMs.at(-1).toFixed(0)} ms), erasure ${eraseMs.at(-1).toFixed(0)} ms`,
      );
    }
    let commit = '?';
    try {
      commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    } catch {}
    const result = {
      ranAt: new Date().toISOString(),
      commit,
      source: args.source,
      machine,
      load1m: { start: loadStart, end: load1() },
      rows,
      others: OTHERS,
      export: summarize(exportMs),
      download: { ...summarize(downloadMs), bytes, archiveRows },
      erasure: summarize(eraseMs),
    };
    saveResults('bench/results/gdpr.json', result);
    writeFileSync('bench/results/gdpr.md', renderMarkdown(result));
    log('wrote bench/results/gdpr.md');
  } finally {
    await worker.stop();
  }
}

const f = (v) => v.toFixed(0);

export function renderTable(r) {
  return [
    `| GDPR, one member with ${r.rows.toLocaleString('en-US')} history rows (wrangler dev, local D1/R2/queue) | Median (ms) | Min (ms) | Runs |`,
    '| --- | ---: | ---: | ---: |',
    `| Export: request → archive READY (queued job, ${r.download.archiveRows.toLocaleString('en-US')} rows) | ${f(r.export.median)} | ${f(r.export.min)} | ${r.export.n} |`,
    `| Download of the archive (${(r.download.bytes / 1024 / 1024).toFixed(2)} MB ZIP) | ${f(r.download.median)} | ${f(r.download.min)} | ${r.download.n} |`,
    `| Erasure (one D1 batch + R2 deletes) | ${f(r.erasure.median)} | ${f(r.erasure.min)} | ${r.erasure.n} |`,
  ].join('\n');
}

function renderMarkdown(r) {
  return `# GDPR benchmark

Produced by \`npm run bench:gdpr\` (bench/gdpr.mjs) on ${r.ranAt}, code ${r.commit} (${r.source}): ${r.machine},
shared with other agents; 1-min load average at start / end ${r.load1m.start} / ${r.load1m.end}.

Each run exports, then erases, its own member with ${r.rows.toLocaleString('en-US')} history rows (40 % activities
about them, 30 % paid orders with one line each, 30 % messages to them), among ${r.others.toLocaleString('en-US')}
other members with 20,000 activities of their own. The export is timed from the GraphQL request until polling sees it
READY (the queued job reads every table about the person, writes a stored ZIP of export.json and one CSV per table to
R2); the download is GET /gdpr/exports/<id> as staff; the erasure is the erasePerson mutation.

${renderTable(r)}
`;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
