// npm run bench:orders [-- --sizes 10000,100000,1000000] [--per-member 3] [--port 8789] [--runs 200]
//                      [--warmup 10] [--keep-state]
//
// For each size: generate the network of bench:genealogy, start the real worker (wrangler dev, local D1 in
// bench/.state/orders-<size>), load the network through the genealogy bulk import, seed customers, import
// `per-member` orders per distributor through the order import API, check the imported volumes against the
// orders, then time through HTTP: createOrder + markOrderPaid for a member 40 levels deep (live roll-up), and
// team statistics with volumes for the root and a mid-level leader. Results: stdout and
// bench/results/orders.{md,json}.

import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createClient, globalId, pbkdf2Hash } from './lib/client.mjs';
import { importNetwork } from './lib/load.mjs';
import { codeVersion, machine } from './lib/machine.mjs';
import { writeParts } from './lib/ndjson.mjs';
import { buildNetwork, describe, externalId, pickSubjects } from './lib/network.mjs';
import { PRODUCTS, writeOrderParts } from './lib/orderFile.mjs';
import { LOGIN } from './lib/queries.mjs';
import { summarize } from './lib/stats.mjs';
import { applyMigrations, d1Query as d1QueryOnce, snapshotWorker, startWorker } from './lib/wrangler.mjs';

/** d1Query, retried while the worker holds the database (e.g. the import's cleanup step deleting rows). */
async function d1Query(config, persistTo, sql) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await d1QueryOnce(config, persistTo, sql);
    } catch (e) {
      if (attempt >= 60 || !/SQLITE_BUSY|database is locked|commit token/.test(String(e?.stdout ?? e)))
        throw e;
      await new Promise((r) => setTimeout(r, 5_000));
    }
  }
}

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000,1000000' },
    'per-member': { type: 'string', default: '3' },
    port: { type: 'string', default: '8789' },
    runs: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '10' },
    'keep-state': { type: 'boolean', default: false },
    // Measure again against the database a --keep-state run left; the import's timings (seconds: total,
    // upload, start → DONE, start → APPLYING, network import) are given, as read from that run's output.
    reuse: { type: 'string' },
  },
});
const sizes = args.sizes.split(',').map((s) => Number(s.trim()));
const perMember = Number(args['per-member']);
const port = Number(args.port);
const runs = Number(args.runs);
const warmup = Number(args.warmup);
if (sizes.some((s) => !Number.isInteger(s) || s < 200 || s > 5_000_000))
  throw new Error('--sizes: whole numbers from 200 to 5,000,000');
if (!(perMember >= 1 && perMember <= 20)) throw new Error('--per-member: 1 to 20');
if (!(runs >= 200 && runs <= 10_000)) throw new Error('--runs: at least 200');

const STATE = 'bench/.state';
const RESULTS_JSON = 'bench/results/orders.json';
const RESULTS_MD = 'bench/results/orders.md';
const STAFF = { email: 'bench-admin@example.com', password: `bench-${Date.now()}-password` };
const log = (line) => console.log(line);
const TZ = 'Europe/Copenhagen';
const month = (d) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit' }).format(d).slice(0, 7);

const CREATE_PRODUCT = `mutation($input: CreateProductInput!) { createProduct(input: $input) { __typename
  ... on MutationCreateProductSuccess { product { id } } ... on Error { message } } }`;
const CREATE_ORDER_IMPORT = `mutation($input: CreateOrderImportInput!) { createOrderImport(input: $input) {
  __typename ... on MutationCreateOrderImportSuccess { import { id } } ... on Error { message } } }`;
const START_ORDER_IMPORT = `mutation($input: StartOrderImportInput!) { startOrderImport(input: $input) {
  __typename ... on Error { message } } }`;
const ORDER_IMPORT = `query($id: ID!) { orderImport(id: $id) { status error totalOrders progress { step done total }
  issues(first: 10) { line message } } }`;
const CREATE_ORDER = `mutation($input: CreateOrderInput!) { createOrder(input: $input) { __typename
  ... on MutationCreateOrderSuccess { order { id qv } } ... on Error { message } } }`;
const MARK_PAID = `mutation($input: MarkOrderPaidInput!) { markOrderPaid(input: $input) { __typename
  ... on MutationMarkOrderPaidSuccess { order { status period } } ... on Error { message } } }`;
const TEAM_VOLUMES = `query($id: ID!) { distributor(id: $id) {
  teamStatistics { teamSize activeCount qualifiedCount newThisMonth levels { level members }
    volume { pv gv gcv qualifiedDownline } }
  legs { size volume { gv } } } }`;

function ok(result, what) {
  if (!result.__typename.endsWith('Success'))
    throw new Error(`${what}: ${result.__typename}: ${result.message ?? JSON.stringify(result)}`);
  return result;
}

async function createProducts(client) {
  const ids = {};
  for (const p of PRODUCTS) {
    const r = ok(
      (
        await client.post(CREATE_PRODUCT, {
          input: {
            sku: p.sku,
            names: { da: p.sku, pl: p.sku, de: p.sku, en: p.sku },
            qv: p.qv,
            cv: p.cv,
            isStarterKit: false,
            prices: [
              { currency: 'DKK', retail: 29900, wholesale: 22400 },
              { currency: 'EUR', retail: 3990, wholesale: 2990 },
              { currency: 'PLN', retail: 17900, wholesale: 13400 },
            ],
          },
        })
      ).createProduct,
      'createProduct',
    );
    ids[p.sku] = r.product.id;
  }
  return ids;
}

/** Uploads the parts two at a time, starts the import and polls until it ends; returns timings. */
async function importOrders(client, parts) {
  const t0 = performance.now();
  const id = ok(
    (await client.post(CREATE_ORDER_IMPORT, { input: { format: 'NDJSON' } })).createOrderImport,
    'createOrderImport',
  ).import.id;
  let next = 0;
  const upload = async () => {
    while (next < parts.length) {
      const n = next++;
      const res = await fetch(`${client.base}/imports/orders/${encodeURIComponent(id)}/parts/${n + 1}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${client.token}`, 'content-type': 'application/x-ndjson' },
        body: readFileSync(parts[n].file),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`PUT part ${n + 1}: HTTP ${res.status}: ${text.slice(0, 300)}`);
    }
  };
  await Promise.all([upload(), upload()]);
  const uploadMs = performance.now() - t0;
  log(`  uploaded ${parts.length} order part(s) in ${(uploadMs / 1000).toFixed(1)} s`);
  ok((await client.post(START_ORDER_IMPORT, { input: { id } })).startOrderImport, 'startOrderImport');
  const tStart = performance.now();
  const steps = [];
  let last = '';
  for (;;) {
    const imp = (await client.post(ORDER_IMPORT, { id })).orderImport;
    const step = `${imp.status} ${imp.progress.step}`;
    if (steps.at(-1)?.step !== step)
      steps.push({ step, atS: +((performance.now() - tStart) / 1000).toFixed(2) });
    const line = `${step} ${imp.progress.done}/${imp.progress.total}`;
    if (line !== last) {
      log(`  ${((performance.now() - t0) / 1000).toFixed(1)} s: ${line}`);
      last = line;
    }
    if (imp.status === 'DONE') break;
    if (imp.status === 'REJECTED' || imp.status === 'FAILED')
      throw new Error(`order import ${imp.status}: ${imp.error ?? ''} ${JSON.stringify(imp.issues)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const end = performance.now();
  return { totalMs: end - t0, uploadMs, processMs: end - tStart, steps };
}

async function repeat(fn) {
  for (let i = 0; i < warmup; i++) await fn(i);
  const times = [];
  for (let i = 0; i < runs; i++) times.push(await fn(warmup + i));
  return times;
}

async function benchSize(size) {
  const dir = join(STATE, `orders-${size}`);
  if (args.reuse) return reuseSize(size, dir);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const persistTo = resolve(dir, 'd1');
  log(
    `\n== ${size.toLocaleString('en-US')} members, ${(size * perMember).toLocaleString('en-US')} orders ==`,
  );
  const t = performance.now();
  const net = buildNetwork(size);
  const shape = describe(net);
  const memberParts = writeParts(net, join(dir, 'members'));
  const now = Date.now();
  const file = writeOrderParts(size, join(dir, 'orders'), { perMember, now });
  const picked = pickSubjects(net);
  let deep = -1;
  for (let i = 0; i < size && deep < 0; i++) if (net.depth[i] === 40) deep = i;
  log(
    `  generated in ${((performance.now() - t) / 1000).toFixed(1)} s: ${file.orders} orders (${file.lines} lines, ${(file.bytes / 1e6).toFixed(0)} MB in ${file.parts.length} parts)`,
  );

  await applyMigrations(config, persistTo);
  await d1Query(
    config,
    persistTo,
    `INSERT INTO staff_user (email, name, role, password_hash, created_at) VALUES ('${STAFF.email}', 'Benchmark', 'ADMIN', '${pbkdf2Hash(STAFF.password)}', '${new Date().toISOString()}')`,
  );
  const worker = await startWorker({ config, port, persistTo, logFile: join(dir, 'wrangler.log') });
  try {
    const client = createClient(worker.base);
    const login = (await client.post(LOGIN, { input: STAFF })).login;
    if (!login.session) throw new Error(`login failed: ${JSON.stringify(login)}`);
    client.setToken(login.session.token);

    const network = await importNetwork(client, memberParts, { log: () => {} });
    log(`  network imported in ${(network.totalMs / 1000).toFixed(1)} s`);
    // One customer for every third member (the order import names customers, it does not create them).
    await d1Query(
      config,
      persistTo,
      `INSERT INTO customer (owner_id, first_name, last_name, country, locale, created_at, updated_at, external_id)
       SELECT id, 'Kunde', last_name, country, locale, joined_at, joined_at, 'C' || (substr(external_id, 2) + 0)
       FROM distributor WHERE (substr(external_id, 2) + 0) % 3 = 0`,
    );
    const products = await createProducts(client);

    const imported = await importOrders(client, file.parts);
    log(
      `  orders imported in ${(imported.totalMs / 1000).toFixed(1)} s (upload ${(imported.uploadMs / 1000).toFixed(1)} s, start → DONE ${(imported.processMs / 1000).toFixed(1)} s)`,
    );

    // The imported volumes against the orders: the root's GV per period is every paid order's QV, and its
    // qualified downline every member (but the root) whose PV reached the threshold.
    const check = await d1Query(
      config,
      persistTo,
      `SELECT o.period, o.qv, v.gv, v.qualified_downline AS q,
         (SELECT count(*) FROM volume x WHERE x.period = o.period AND x.pv >= (SELECT active_pv FROM company_settings)
            AND x.distributor_id != 1) AS qualified,
         (SELECT count(*) FROM sales_order) AS orders
       FROM (SELECT period, sum(qv) AS qv FROM sales_order WHERE status = 'PAID' GROUP BY period) o
       LEFT JOIN volume v ON v.distributor_id = 1 AND v.period = o.period`,
    );
    for (const r of check)
      if (r.qv !== r.gv || r.q !== r.qualified || r.orders !== file.orders)
        throw new Error(`imported volumes do not add up: ${JSON.stringify(r)}`);
    log(`  volumes check: ${JSON.stringify(check.map((r) => [r.period, r.gv, r.q]))}`);

    const ids = await d1Query(
      config,
      persistTo,
      `SELECT external_id, id, sponsor_depth, team_size FROM distributor WHERE external_id IN ('${[picked.root, picked.mid, deep].map(externalId).join("','")}')`,
    );
    const byExt = new Map(ids.map((r) => [r.external_id, r]));
    const subject = (i) => byExt.get(externalId(i));
    const subjects = { root: subject(picked.root), mid: subject(picked.mid), deep: subject(deep) };
    if (subjects.deep.sponsor_depth !== 40)
      throw new Error(`deep member at depth ${subjects.deep.sponsor_depth}`);
    log(`  subjects: ${JSON.stringify(subjects)}`);

    const m = await measure(client, subjects, products);
    return {
      size,
      network: shape,
      networkImportMs: network.totalMs,
      orders: {
        count: file.orders,
        lines: file.lines,
        paid: file.paid,
        parts: file.parts.length,
        bytes: file.bytes,
      },
      import: imported,
      volumesCheck: check.map((r) => ({ period: r.period, rootGv: r.gv, qualified: r.q })),
      subjects: { ...subjects, rootLegs: m.legs },
      measure: m.measure,
      runs,
      warmup,
      ranAt: new Date().toISOString(),
      load1m: m.load1m,
      commit,
      machine,
    };
  } finally {
    await worker.stop();
    if (!args['keep-state']) rmSync(dir, { recursive: true, force: true });
  }
}

/** The timed requests against a loaded database. */
async function measure(client, subjects, products) {
  const loadBefore = loadavg()[0];
  const timed = async (query, variables) => {
    const t0 = performance.now();
    const data = await client.post(query, variables);
    return [performance.now() - t0, data];
  };
  const period = month(new Date());
  const product = PRODUCTS[0];
  const rootVolume = async () =>
    (await client.post(TEAM_VOLUMES, { id: globalId(subjects.root.id) })).distributor.teamStatistics.volume;
  const gvBefore = (await rootVolume()).gv;
  const createMs = [];
  const payMs = [];
  const bothMs = await repeat(async () => {
    const [c, created] = await timed(CREATE_ORDER, {
      input: {
        distributorId: globalId(subjects.deep.id),
        lines: [{ productId: products[product.sku], quantity: 1 }],
      },
    });
    const order = ok(created.createOrder, 'createOrder').order;
    const [p, paid] = await timed(MARK_PAID, { input: { id: order.id } });
    if (ok(paid.markOrderPaid, 'markOrderPaid').order.period !== period)
      throw new Error(`paid into ${paid.markOrderPaid.order.period}, expected ${period}`);
    createMs.push(c);
    payMs.push(p);
    return c + p;
  });
  // Every payment rolled up the 40 levels to the root.
  const gvAfter = (await rootVolume()).gv;
  if (gvAfter - gvBefore !== (runs + warmup) * product.qv)
    throw new Error(`root GV grew by ${gvAfter - gvBefore}, expected ${(runs + warmup) * product.qv}`);
  log(`  createOrder + markOrderPaid (depth 40): ${fmt(summarize(bothMs))}`);

  const team = (s, label) =>
    repeat(async () => {
      const [ms, d] = await timed(TEAM_VOLUMES, { id: globalId(s.id) });
      if (d.distributor.teamStatistics.teamSize !== s.team_size)
        throw new Error(
          `${label}: team size ${d.distributor.teamStatistics.teamSize}, expected ${s.team_size}`,
        );
      return ms;
    });
  const teamRoot = await team(subjects.root, 'root');
  log(`  team statistics + volumes, root: ${fmt(summarize(teamRoot))}`);
  const teamMid = await team(subjects.mid, 'mid');
  log(`  team statistics + volumes, mid: ${fmt(summarize(teamMid))}`);
  const legs = (await client.post(TEAM_VOLUMES, { id: globalId(subjects.root.id) })).distributor.legs.length;
  const load1m = [+loadBefore.toFixed(2), +loadavg()[0].toFixed(2)];
  log(`  1-minute load average before/after measuring: ${load1m.join(' / ')} (${cpus().length} CPUs)`);
  return {
    measure: {
      createAndPay: summarize(bothMs),
      create: summarize(createMs),
      pay: summarize(payMs),
      teamRoot: summarize(teamRoot),
      teamMid: summarize(teamMid),
    },
    legs,
    load1m,
  };
}

/** --reuse: start the worker on a kept database, read what the run imported, and measure again. */
async function reuseSize(size, dir) {
  const [totalS, uploadS, processS, applyingS, networkS] = args.reuse.split(',').map(Number);
  const persistTo = resolve(dir, 'd1');
  log(`\n== ${size.toLocaleString('en-US')} members: measuring again on ${dir} ==`);
  await d1Query(
    config,
    persistTo,
    `INSERT INTO staff_user (email, name, role, password_hash, created_at) VALUES ('${STAFF.email}', 'Benchmark', 'ADMIN', '${pbkdf2Hash(STAFF.password)}', '${new Date().toISOString()}')
     ON CONFLICT (email) DO UPDATE SET password_hash = excluded.password_hash`,
  );
  const [counts] = await d1Query(
    config,
    persistTo,
    `SELECT (SELECT count(*) FROM sales_order) AS orders, (SELECT count(*) FROM order_line) AS lines,
       (SELECT count(*) FROM payment) AS paid, (SELECT count(*) FROM distributor) AS members`,
  );
  const net = buildNetwork(size);
  const picked = pickSubjects(net);
  let deep = -1;
  for (let i = 0; i < size && deep < 0; i++) if (net.depth[i] === 40) deep = i;
  const ids = await d1Query(
    config,
    persistTo,
    `SELECT external_id, id, sponsor_depth, team_size FROM distributor WHERE external_id IN ('${[picked.root, picked.mid, deep].map(externalId).join("','")}')`,
  );
  const byExt = new Map(ids.map((r) => [r.external_id, r]));
  const subjects = {
    root: byExt.get(externalId(picked.root)),
    mid: byExt.get(externalId(picked.mid)),
    deep: byExt.get(externalId(deep)),
  };
  const productRows = await d1Query(config, persistTo, 'SELECT id, sku FROM product');
  const products = Object.fromEntries(
    productRows.map((p) => [p.sku, Buffer.from(`Product:${p.id}`).toString('base64')]),
  );
  const partFiles = readdirSync(join(dir, 'orders'));
  const bytes = partFiles.reduce((s, f) => s + statSync(join(dir, 'orders', f)).size, 0);
  const worker = await startWorker({ config, port, persistTo, logFile: join(dir, 'wrangler-reuse.log') });
  try {
    const client = createClient(worker.base);
    const login = (await client.post(LOGIN, { input: STAFF })).login;
    if (!login.session) throw new Error(`login failed: ${JSON.stringify(login)}`);
    client.setToken(login.session.token);
    log(`  subjects: ${JSON.stringify(subjects)}`);
    const m = await measure(client, subjects, products);
    return {
      size,
      network: describe(net),
      networkImportMs: networkS ? networkS * 1000 : null,
      orders: {
        count: counts.orders,
        lines: counts.lines,
        paid: counts.paid,
        parts: partFiles.length,
        bytes,
      },
      import: {
        totalMs: totalS * 1000,
        uploadMs: uploadS * 1000,
        processMs: processS * 1000,
        steps: [
          { step: 'VALIDATING validate', atS: 0 },
          { step: 'APPLYING orders', atS: applyingS },
          { step: 'DONE volumes', atS: processS },
        ],
        fromEarlierRun: true,
      },
      volumesCheck: [],
      subjects: { ...subjects, rootLegs: m.legs },
      measure: m.measure,
      runs,
      warmup,
      ranAt: new Date().toISOString(),
      load1m: m.load1m,
      commit,
      machine,
    };
  } finally {
    await worker.stop();
  }
}

function fmt(s) {
  return `median ${s.median.toFixed(1)} ms, p95 ${s.p95.toFixed(1)} ms (n=${s.n})`;
}

const ms = (s) => `${s.median.toFixed(1)} / ${s.p95.toFixed(1)}`;
const sec = (v) => (v == null ? '–' : (v / 1000).toFixed(1));
const ROWS = [
  [
    'Members (network imported first, s)',
    (r) => `${r.size.toLocaleString('en-US')} (${sec(r.networkImportMs)})`,
    '',
  ],
  [
    'Orders imported (lines, paid)',
    (r) =>
      `${r.orders.count.toLocaleString('en-US')} (${r.orders.lines.toLocaleString('en-US')}, ${r.orders.paid.toLocaleString('en-US')})`,
    '',
  ],
  ['NDJSON parts (MB)', (r) => `${r.orders.parts} (${(r.orders.bytes / 1e6).toFixed(0)})`, ''],
  ['Order import: create → DONE (s)', (r) => sec(r.import.totalMs), '≤ 120'],
  ['  of which uploading parts (s)', (r) => sec(r.import.uploadMs), ''],
  ['  of which start → DONE (s)', (r) => sec(r.import.processMs), ''],
  ['createOrder + markOrderPaid, depth 40', (r) => ms(r.measure.createAndPay), '≤ 30'],
  ['  createOrder', (r) => ms(r.measure.create), ''],
  ['  markOrderPaid (live roll-up)', (r) => ms(r.measure.pay), ''],
  ['Team statistics + volumes + legs, root', (r) => ms(r.measure.teamRoot), '≤ 50'],
  ['Team statistics + volumes + legs, mid-level', (r) => ms(r.measure.teamMid), '≤ 50'],
  [
    'Root legs (sponsor) / mid team size',
    (r) => `${r.subjects.rootLegs} / ${r.subjects.mid.team_size.toLocaleString('en-US')}`,
    '',
  ],
  ['1-min load average before / after measuring', (r) => r.load1m.join(' / '), ''],
];

function renderTable(results) {
  const list = Object.values(results.sizes).sort((a, b) => a.size - b.size);
  const head = ['', ...list.map((r) => r.size.toLocaleString('en-US')), 'Target at 1M'];
  const lines = [
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
  ];
  for (const [label, cell, target] of ROWS)
    lines.push(`| ${[label, ...list.map(cell), target].join(' | ')} |`);
  return lines.join('\n');
}

function renderMarkdown(results) {
  const list = Object.values(results.sizes).sort((a, b) => a.size - b.size);
  return `# Orders benchmark

Produced by \`npm run bench:orders\` (bench/orders.mjs). For each size the network of \`bench:genealogy\`
(bench/lib/network.mjs) is loaded through the genealogy bulk import, every third member gets one customer
(seeded by SQL), and ${list[0]?.orders ? `${Math.round(list[0].orders.count / list[0].size)} orders per member` : 'orders'} are imported through the order import API
(bench/lib/orderFile.mjs: 1-2 lines, 92 % PAID over the last ~80 days, 5 % PENDING, 3 % CANCELLED). The
imported volumes are checked (the root's GV per period = the QV of every paid order; its qualified downline =
the members whose PV reached the threshold). Then, through HTTP on loopback against \`wrangler dev\` (local D1):
createOrder + markOrderPaid as staff for a member 40 sponsor levels deep (the live roll-up writes 40 ancestors),
and \`distributor { teamStatistics { ... volume { pv gv gcv qualifiedDownline } } legs { size volume { gv } } }\`
for the root and for the mid-level member with the largest team. Latencies are **median / p95 in ms**, timed on
the client, sequential requests after warm-up.

${renderTable(results)}

Import steps (seconds after startOrderImport when each was first seen, polling every 250 ms):
${list.map((r) => `- ${r.size.toLocaleString('en-US')}: ${r.import.steps.map((s) => `${s.step} @ ${s.atS}`).join(' → ')}`).join('\n')}

Volumes check (period: root GV, root qualified downline):
${list.map((r) => `- ${r.size.toLocaleString('en-US')}: ${r.volumesCheck.map((v) => `${v.period}: ${v.rootGv}, ${v.qualified}`).join('; ')}`).join('\n')}

Runs (requests per latency: ${list[0]?.runs ?? '?'} after ${list[0]?.warmup ?? '?'} warm-up):
${list.map((r) => `- ${r.size.toLocaleString('en-US')}: ${r.ranAt}, code ${r.commit}, ${r.machine}, 1-min load average ${r.load1m.join(' / ')}${r.load1m[0] > 1.5 || r.load1m[1] > 1.5 ? ' (busy machine: other work was running)' : ''}`).join('\n')}
`;
}

const commit = codeVersion();
log(`bundling the worker (${commit}) ...`);
const config = await snapshotWorker(resolve(STATE, 'orders-build'));
const results = existsSync(RESULTS_JSON) ? JSON.parse(readFileSync(RESULTS_JSON, 'utf8')) : { sizes: {} };
for (const size of sizes) {
  const r = await benchSize(size);
  results.sizes[String(size)] = r;
  mkdirSync(dirname(RESULTS_JSON), { recursive: true });
  writeFileSync(RESULTS_JSON, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(RESULTS_MD, renderMarkdown(results));
}
if (!args['keep-state']) rmSync(resolve(STATE, 'orders-build'), { recursive: true, force: true });
console.log(`\n${renderTable(results)}\n\nwritten to ${RESULTS_MD}`);
