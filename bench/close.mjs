// npm run bench:close [-- --sizes 10000,100000,1000000] [--plans unilevel-ranks,binary-fast-start]
//                     [--per-member 3] [--port 8790] [--timeout-min 60] [--keep-state] [--reuse-base] [--report-only]
//                     [--no-warmup]
//
// --keep-state keeps bench/.state/close-<size> (the imported base database and each plan's copy); --reuse-base
// then skips generating and importing the data when that base is there (its migrations are applied again, so a
// newer migration lands on it), for measuring a change to the close without re-importing millions of orders.
//
// A full commission period close (CLOSING → REVIEW) through the real cron and queue handlers in local workerd.
// For each size: generate the network of bench:genealogy and `per-member` orders per member paid within LAST
// month (company time zone), load them through the genealogy and order import APIs into a base database, set
// close_grace_days = 0. Then, for each plan, on a copy of that base database (a period's plan is frozen when its
// close starts, so each plan gets a fresh copy of the same data): start `wrangler dev`, create + schedule the
// plan from 2020-01 (after one warm-up hourly cron with no plan in force: the company's earlier hourly runs), fire
// the hourly cron (GET /cdn-cgi/local/scheduled?cron=0+*+*+*+*) and poll
// commissionPeriod until REVIEW, noting when each step is first seen, the worker's own step timings (the
// `[close]` lines of src/modules/commissions/periods/{jobs,compute}.ts), workerd's RSS and CPU time. Finally
// the engine-only floor on the very same data (bench/lib/closeEngine.mjs reads the closed period's snapshot
// and lines from the D1 file). Results: stdout and bench/results/close.{md,json}.

import { execFileSync, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createClient, pbkdf2Hash } from './lib/client.mjs';
import { importNetwork } from './lib/load.mjs';
import { d1File, load1, machine } from './lib/machine.mjs';
import { writeParts } from './lib/ndjson.mjs';
import { buildNetwork, describe } from './lib/network.mjs';
import { PRODUCTS, writeOrderParts } from './lib/orderFile.mjs';
import { LOGIN } from './lib/queries.mjs';
import { applyMigrations, d1Query, snapshotWorker, startWorker } from './lib/wrangler.mjs';

const PLAN_FILES = { 'unilevel-ranks': 'unilevel-ranks.json', 'binary-fast-start': 'binary-fast-start.json' };

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000,1000000' },
    plans: { type: 'string', default: Object.keys(PLAN_FILES).join(',') },
    'per-member': { type: 'string', default: '3' },
    port: { type: 'string', default: '8790' },
    'timeout-min': { type: 'string', default: '60' },
    'keep-state': { type: 'boolean', default: false },
    'report-only': { type: 'boolean', default: false },
    'reuse-base': { type: 'boolean', default: false },
    'no-warmup': { type: 'boolean', default: false },
  },
});
const sizes = args.sizes.split(',').map((s) => Number(s.trim()));
const plans = args.plans.split(',').map((s) => s.trim());
const perMember = Number(args['per-member']);
const port = Number(args.port);
const timeoutMs = Number(args['timeout-min']) * 60_000;
if (sizes.some((s) => !Number.isInteger(s) || s < 200 || s > 5_000_000))
  throw new Error('--sizes: whole numbers from 200 to 5,000,000');
if (plans.some((p) => !PLAN_FILES[p])) throw new Error(`--plans: ${Object.keys(PLAN_FILES).join(', ')}`);
if (!(perMember >= 1 && perMember <= 20)) throw new Error('--per-member: 1 to 20');

const STATE = 'bench/.state';
const BUILD = resolve(STATE, 'close-build');
const RESULTS_JSON = 'bench/results/close.json';
const RESULTS_MD = 'bench/results/close.md';
const STAFF = { email: 'bench-admin@example.com', password: `bench-${Date.now()}-password` };
const TZ = 'Europe/Copenhagen';
const DAY = 86_400_000;
const log = (line) => console.log(line);
const sec = (ms) => (ms == null ? '–' : (ms / 1000).toFixed(1));

// ---- time: last month in the company time zone (the period the hourly cron closes) ----

const monthOf = (t) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit' })
    .format(new Date(t))
    .slice(0, 7);
/** The UTC instant of local midnight on the 1st of the month of `t`, found by stepping back hour by hour. */
function monthStartBefore(t) {
  const m = monthOf(t);
  let s = t - (t % 3_600_000);
  while (monthOf(s - 3_600_000) === m) s -= 3_600_000;
  return s;
}
const thisMonthStart = monthStartBefore(Date.now());
const lastMonthStart = monthStartBefore(thisMonthStart - 1);
const PERIOD = monthOf(lastMonthStart);

// ---- GraphQL ----

const CREATE_PRODUCT = `mutation($input: CreateProductInput!) { createProduct(input: $input) { __typename
  ... on Error { message } } }`;
const CREATE_ORDER_IMPORT = `mutation($input: CreateOrderImportInput!) { createOrderImport(input: $input) {
  __typename ... on MutationCreateOrderImportSuccess { import { id } } ... on Error { message } } }`;
const START_ORDER_IMPORT = `mutation($input: StartOrderImportInput!) { startOrderImport(input: $input) {
  __typename ... on Error { message } } }`;
const ORDER_IMPORT = `query($id: ID!) { orderImport(id: $id) { status error progress { step done total }
  issues(first: 10) { line message } } }`;
const UPDATE_SETTINGS = `mutation($input: UpdateCompanySettingsInput!) { updateCompanySettings(input: $input) {
  __typename ... on MutationUpdateCompanySettingsSuccess { company { closeGraceDays } } ... on Error { message } } }`;
const CREATE_PLAN = `mutation($input: CreatePlanVersionInput!) { createPlanVersion(input: $input) { __typename
  ... on MutationCreatePlanVersionSuccess { planVersion { id } } ... on Error { message } } }`;
const SCHEDULE_PLAN = `mutation($input: SchedulePlanVersionInput!) { schedulePlanVersion(input: $input) {
  __typename ... on Error { message } } }`;
const PERIOD_STATUS = `query($period: String!) { commissionPeriod(period: $period) { status run memberCount error
  progress { step done total } totals { total payout lines } } }`;

function ok(result, what) {
  if (!result.__typename.endsWith('Success'))
    throw new Error(`${what}: ${result.__typename}: ${result.message ?? JSON.stringify(result)}`);
  return result;
}

async function login(base) {
  const client = createClient(base);
  const r = (await client.post(LOGIN, { input: STAFF })).login;
  if (!r.session) throw new Error(`login failed: ${JSON.stringify(r)}`);
  client.setToken(r.session.token);
  return client;
}

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
      if (!res.ok)
        throw new Error(`PUT part ${n + 1}: HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`);
    }
  };
  await Promise.all([upload(), upload()]);
  ok((await client.post(START_ORDER_IMPORT, { input: { id } })).startOrderImport, 'startOrderImport');
  for (;;) {
    const imp = (await client.post(ORDER_IMPORT, { id })).orderImport;
    if (imp.status === 'DONE') break;
    if (imp.status === 'REJECTED' || imp.status === 'FAILED')
      throw new Error(`order import ${imp.status}: ${imp.error ?? ''} ${JSON.stringify(imp.issues)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  return performance.now() - t0;
}

// ---- workerd process: RSS and CPU time from /proc ----

const TICK_MS = 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim() || 100);

function workerdPids(pgid) {
  const pids = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && comm.startsWith('workerd')) pids.push(Number(name));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

function procSample(pids) {
  let rssKb = 0;
  let hwmKb = 0;
  let cpuMs = 0;
  for (const pid of pids) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      rssKb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      hwmKb += Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpuMs += (Number(f[11]) + Number(f[12])) * TICK_MS;
    } catch {
      // Gone meanwhile.
    }
  }
  return { rssMb: rssKb / 1024, hwmMb: hwmKb / 1024, cpuMs };
}

// ---- the worker's own step timings ----

/** `[close] <period> run <n> <step> k=v ...` lines of the wrangler log for the period. */
function closeLines(logFile) {
  const text = readFileSync(logFile, 'utf8');
  const steps = {};
  for (const m of text.matchAll(/\[close\] (\S+) run (\d+) (\S+) ([^\n]*)/g)) {
    if (m[1] !== PERIOD) continue;
    // Only name=number pairs (colour codes around them are ignored).
    steps[m[3]] = Object.fromEntries(
      [...m[4].matchAll(/(\w+)=(-?\d+)/g)].map((kv) => [kv[1], Number(kv[2])]),
    );
  }
  return steps;
}

function dirMb(dir) {
  let bytes = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile()) bytes += statSync(join(e.parentPath, e.name)).size;
  return Math.round(bytes / 2 ** 20);
}

/** Runs one of the in-Node measurements on the closed period's D1 file; answers its last JSON line. */
function nodeMeasure(script, dbFile) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--expose-gc',
        '--no-warnings',
        script,
        '--tree',
        join(BUILD, 'tree'),
        '--db',
        dbFile,
        '--period',
        PERIOD,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${script} exited ${code}`));
      resolvePromise(JSON.parse(out.trim().split('\n').at(-1)));
    });
  });
}

const engineOnly = (dbFile) => nodeMeasure('bench/lib/closeEngine.mjs', dbFile);

// ---- one size ----

async function prepareBase(size, dir) {
  const base = join(dir, 'base');
  const persistTo = resolve(base, 'd1');
  mkdirSync(base, { recursive: true });
  const t = performance.now();
  const net = buildNetwork(size);
  const shape = describe(net);
  const memberParts = writeParts(net, join(dir, 'members'));
  // Paid within last month: (end - 1 h - span, end - 1 h], span one day shorter than the month.
  const spanDays = (thisMonthStart - lastMonthStart) / DAY - 1;
  const file = writeOrderParts(size, join(dir, 'orders'), { perMember, now: thisMonthStart, spanDays });
  log(
    `  generated in ${sec(performance.now() - t)} s: ${file.orders} orders (${file.lines} lines, ${file.paid} paid) in ${PERIOD}`,
  );
  await applyMigrations(config, persistTo);
  await d1Query(
    config,
    persistTo,
    `INSERT INTO staff_user (email, name, role, password_hash, created_at) VALUES ('${STAFF.email}', 'Benchmark', 'ADMIN', '${pbkdf2Hash(STAFF.password)}', '${new Date().toISOString()}')`,
  );
  const worker = await startWorker({ config, port, persistTo, logFile: join(base, 'wrangler.log') });
  let networkMs;
  let ordersMs;
  try {
    const client = await login(worker.base);
    networkMs = (await importNetwork(client, memberParts, { log: () => {} })).totalMs;
    log(`  network imported in ${sec(networkMs)} s`);
    await d1Query(
      config,
      persistTo,
      `INSERT INTO customer (owner_id, first_name, last_name, country, locale, created_at, updated_at, external_id)
       SELECT id, 'Kunde', last_name, country, locale, joined_at, joined_at, 'C' || (substr(external_id, 2) + 0)
       FROM distributor WHERE (substr(external_id, 2) + 0) % 3 = 0`,
    );
    for (const p of PRODUCTS)
      ok(
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
    ordersMs = await importOrders(client, file.parts);
    log(`  orders imported in ${sec(ordersMs)} s`);
    const grace = ok(
      (await client.post(UPDATE_SETTINGS, { input: { closeGraceDays: 0 } })).updateCompanySettings,
      'updateCompanySettings',
    );
    if (grace.company.closeGraceDays !== 0) throw new Error('closeGraceDays was not set');
  } finally {
    await worker.stop();
  }
  const [check] = await d1Query(
    config,
    persistTo,
    `SELECT (SELECT count(*) FROM distributor) AS members,
       (SELECT count(*) FROM sales_order WHERE period = '${PERIOD}' AND paid_at IS NOT NULL) AS paidOrders,
       (SELECT count(*) FROM order_line l JOIN sales_order o ON o.id = l.order_id
          WHERE o.period = '${PERIOD}' AND o.paid_at IS NOT NULL) AS paidLines`,
  );
  if (check.members !== size || check.paidOrders !== file.paid)
    throw new Error(`base data does not add up: ${JSON.stringify(check)}, expected ${size} / ${file.paid}`);
  log(`  base: ${JSON.stringify(check)}, ${dirMb(persistTo)} MB of D1 files`);
  const prepared = { persistTo, shape, file, networkMs, ordersMs, check };
  writeFileSync(join(dir, 'base.json'), JSON.stringify({ ...prepared, period: PERIOD }));
  return prepared;
}

/** The base database of an earlier --keep-state run of this size and period, if there is one. */
async function reusedBase(dir) {
  const meta = join(dir, 'base.json');
  if (!args['reuse-base'] || !existsSync(meta)) return null;
  const prepared = JSON.parse(readFileSync(meta, 'utf8'));
  if (prepared.period !== PERIOD || !existsSync(prepared.persistTo)) return null;
  await applyMigrations(config, prepared.persistTo);
  // This run's staff password (each run makes its own).
  await d1Query(
    config,
    prepared.persistTo,
    `UPDATE staff_user SET password_hash = '${pbkdf2Hash(STAFF.password)}' WHERE email = '${STAFF.email}'`,
  );
  log(`  reusing the base database of an earlier run (${prepared.persistTo})`);
  return prepared;
}

async function closeOnce(size, dir, plan, basePersist) {
  const planDir = join(dir, plan);
  rmSync(planDir, { recursive: true, force: true });
  mkdirSync(planDir, { recursive: true });
  const persistTo = resolve(planDir, 'd1');
  cpSync(basePersist, persistTo, { recursive: true });
  const logFile = join(planDir, 'wrangler.log');
  const worker = await startWorker({ config, port, persistTo, logFile, testScheduled: true });
  const pids = workerdPids(worker.pgid);
  let outcome;
  try {
    if (pids.length === 0) throw new Error('no workerd process found in the wrangler process group');
    const client = await login(worker.base);
    // The hourly cron once before a plan is in force (nothing to close yet): what the company's hourly runs
    // during the month would have done. The first run after a month of orders imported at once works off their
    // backlog (at 1M: 84,025 order follow-up tasks, ~2 s of D1), which the close's end to end would otherwise
    // include; with --no-warmup it does (the runs before 7 Dec did).
    let warmupCronMs = null;
    if (!args['no-warmup']) {
      const t = performance.now();
      const r = await fetch(`${worker.base}/cdn-cgi/local/scheduled?cron=0+*+*+*+*&format=json`);
      if (!r.ok) throw new Error(`warm-up cron: HTTP ${r.status}: ${(await r.text()).slice(0, 300)}`);
      await r.text();
      warmupCronMs = performance.now() - t;
      log(`    warm-up hourly cron (no plan in force yet) ${sec(warmupCronMs)} s`);
    }
    const planJson = JSON.parse(
      readFileSync(join(BUILD, 'tree/src/modules/commissions/plans/examples', PLAN_FILES[plan]), 'utf8'),
    );
    const version = ok(
      (await client.post(CREATE_PLAN, { input: { name: `bench ${plan}`, plan: planJson } }))
        .createPlanVersion,
      'createPlanVersion',
    ).planVersion;
    ok(
      (await client.post(SCHEDULE_PLAN, { input: { id: version.id, effectiveFrom: '2020-01' } }))
        .schedulePlanVersion,
      'schedulePlanVersion',
    );
    if ((await client.post(PERIOD_STATUS, { period: PERIOD })).commissionPeriod)
      throw new Error(`period ${PERIOD} exists before the cron`);

    const before = procSample(pids);
    const loadBefore = load1();
    const t0 = performance.now();
    let peakRss = before.rssMb;
    // RSS every 100 ms; every 500 ms the log, to note workerd's CPU time when each step's [close] line appears.
    const logged = {};
    let ticks = 0;
    const sampler = setInterval(() => {
      const now = procSample(pids);
      peakRss = Math.max(peakRss, now.rssMb);
      if (++ticks % 5 === 0)
        for (const step of Object.keys(closeLines(logFile)))
          logged[step] ??= {
            atMs: Math.round(performance.now() - t0),
            cpuMs: Math.round(now.cpuMs - before.cpuMs),
          };
    }, 100);
    // The real hourly cron: it finds last month due (grace 0) and a plan in force, and starts the close.
    const cron = fetch(`${worker.base}/cdn-cgi/local/scheduled?cron=0+*+*+*+*&format=json`).then(
      async (r) => {
        const text = await r.text();
        if (!r.ok) throw new Error(`cron: HTTP ${r.status}: ${text.slice(0, 300)}`);
        return performance.now() - t0;
      },
    );
    const seen = [];
    let slowestPollMs = 0;
    let status;
    try {
      for (;;) {
        const asked = performance.now();
        const p = (await client.post(PERIOD_STATUS, { period: PERIOD })).commissionPeriod;
        const at = performance.now() - t0;
        slowestPollMs = Math.max(slowestPollMs, performance.now() - asked);
        const step = p ? `${p.status} ${p.progress.step}` : 'none';
        if (seen.at(-1)?.step !== step) {
          seen.push({ step, atMs: Math.round(at), cpuMs: Math.round(procSample(pids).cpuMs - before.cpuMs) });
          log(`    ${sec(at)} s: ${step} ${p ? `${p.progress.done}/${p.progress.total}` : ''}`);
        }
        if (p?.error) throw new Error(`close failed: ${p.error}`);
        if (p?.status === 'REVIEW') {
          status = p;
          break;
        }
        if (at > timeoutMs) throw new Error(`no REVIEW after ${sec(at)} s (last: ${step})`);
        await new Promise((r) => setTimeout(r, 250));
      }
    } finally {
      clearInterval(sampler);
    }
    const endToEndMs = performance.now() - t0;
    const cronMs = await cron;
    const after = procSample(pids);
    peakRss = Math.max(peakRss, after.rssMb);
    // The compute step logs after its last write; give the log a moment to flush.
    let steps = {};
    for (let i = 0; i < 40 && !steps['period.compute']; i++) {
      await new Promise((r) => setTimeout(r, 250));
      steps = closeLines(logFile);
    }
    outcome = {
      endToEndMs: Math.round(endToEndMs),
      cronRequestMs: Math.round(cronMs),
      warmupCronMs: warmupCronMs == null ? null : Math.round(warmupCronMs),
      seen,
      logged,
      slowestPollMs: Math.round(slowestPollMs),
      steps,
      status,
      workerd: {
        rssBeforeMb: Math.round(before.rssMb),
        peakRssMb: Math.round(peakRss),
        hwmMb: Math.round(after.hwmMb),
        cpuMs: Math.round(after.cpuMs - before.cpuMs),
      },
      load1m: [loadBefore, load1()],
    };
  } finally {
    await worker.stop();
  }
  const [counts] = await d1Query(
    config,
    persistTo,
    `SELECT (SELECT count(*) FROM period_result WHERE period_id = '${PERIOD}') AS results,
       (SELECT count(*) FROM commission_line WHERE period_id = '${PERIOD}') AS lines,
       (SELECT count(*) FROM period_snapshot_chunk WHERE period_id = '${PERIOD}') AS chunks,
       (SELECT max(length(data)) FROM period_snapshot_chunk WHERE period_id = '${PERIOD}') AS maxChunkBytes,
       (SELECT closing_started_at || ' ' || computed_at FROM commission_period WHERE id = '${PERIOD}') AS stamps`,
  );
  const [started, computed] = counts.stamps.split(' ');
  outcome.serverMs = Date.parse(computed) - Date.parse(started);
  outcome.counts = counts;
  if (counts.results !== size) throw new Error(`${counts.results} period results for ${size} members`);
  if (counts.lines !== outcome.status.totals.lines)
    throw new Error(`${counts.lines} commission lines stored, totals say ${outcome.status.totals.lines}`);
  log(`    engine-only on the same data ...`);
  outcome.engine = await engineOnly(d1File(persistTo));
  if (outcome.engine.total !== outcome.status.totals.total)
    throw new Error(`engine-only total ${outcome.engine.total} != worker ${outcome.status.totals.total}`);
  outcome.ratio = +(outcome.endToEndMs / outcome.engine.engineMs).toFixed(1);
  // Last: it writes a what-if run into this plan's copy of the database.
  log(`    what-if and explain memory ...`);
  outcome.reads = await nodeMeasure('bench/lib/whatifExplain.mjs', d1File(persistTo));
  if (!args['keep-state']) rmSync(planDir, { recursive: true, force: true });
  return outcome;
}

async function benchSize(size) {
  const dir = join(STATE, `close-${size}`);
  log(`\n== ${size.toLocaleString('en-US')} members, ${perMember} orders each, period ${PERIOD} ==`);
  const loadAtStart = load1();
  let base = await reusedBase(dir);
  if (!base) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    base = await prepareBase(size, dir);
  }
  const out = {};
  try {
    for (const plan of plans) {
      log(`  ${plan}: cron → REVIEW`);
      const r = await closeOnce(size, dir, plan, base.persistTo);
      out[plan] = r;
      log(
        `    end to end ${sec(r.endToEndMs)} s, engine-only ${sec(r.engine.engineMs)} s (×${r.ratio}); ` +
          `snapshot ${sec(r.steps['period.snapshot']?.ms)} s, compute step ${sec(r.steps['period.compute']?.ms)} s ` +
          `(load ${sec(r.steps['compute.parts']?.loadMs)}, engine ${sec(r.steps['compute.parts']?.engineMs)}, ` +
          `write ${withSql(r.steps['compute.parts']?.writeMs, r.steps['compute.parts']?.writeSqlMs)}); ` +
          `${r.counts.lines} lines; workerd RSS ${r.workerd.rssBeforeMb} → peak ${r.workerd.peakRssMb} MB; load ${r.load1m.join(' / ')}`,
      );
    }
  } finally {
    if (!args['keep-state']) rmSync(dir, { recursive: true, force: true });
  }
  return {
    size,
    period: PERIOD,
    network: base.shape,
    orders: { count: base.file.orders, lines: base.file.lines, paid: base.file.paid, ...base.check },
    setupMs: { network: Math.round(base.networkMs), orders: Math.round(base.ordersMs) },
    plans: out,
    ranAt: new Date().toISOString(),
    loadAtStart,
    commit,
    machine,
  };
}

// ---- report ----

/** A part's time with the SQL time D1 reported for its calls (meta.duration; logged since issue 14). */
const withSql = (ms, sqlMs) => (sqlMs == null ? sec(ms) : `${sec(ms)} (SQL ${sec(sqlMs)})`);

const LIMITS = { cpuMs: 300_000, wallMs: 15 * 60_000, queryMs: 30_000, queries: 1000 };

function rows(r) {
  const s = r.steps;
  const largest = Math.max(s['period.snapshot']?.ms ?? 0, s['period.compute']?.ms ?? 0);
  const which = (s['period.snapshot']?.ms ?? 0) >= (s['period.compute']?.ms ?? 0) ? 'snapshot' : 'compute';
  const calls = Math.max(s['period.snapshot']?.d1Calls ?? 0, s['period.compute']?.d1Calls ?? 0);
  const slowest = Math.max(s['period.snapshot']?.slowestD1Ms ?? 0, s['period.compute']?.slowestD1Ms ?? 0);
  // workerd CPU so far when the snapshot step's log line appeared (cron handler included).
  const snapCpu = r.logged?.['period.snapshot']?.cpuMs;
  return {
    e2e: sec(r.endToEndMs),
    server: sec(r.serverMs),
    snapshot: sec(s['period.snapshot']?.ms),
    load: sec(s['compute.parts']?.loadMs),
    compute: sec(s['compute.parts']?.engineMs),
    write: withSql(s['compute.parts']?.writeMs, s['compute.parts']?.writeSqlMs),
    computeStep: sec(s['period.compute']?.ms),
    engine: `${sec(r.engine.engineMs)} (CPU ${sec(r.engine.engineCpuMs)})`,
    ratio: `${r.ratio}×`,
    largest: `${which} ${sec(largest)} s = ${((100 * largest) / LIMITS.wallMs).toFixed(1)} % of 15 min`,
    cpu: `≤ ${sec(r.workerd.cpuMs)} (snapshot ≤ ${sec(snapCpu)})`,
    idle: sec(r.workerd.cpuMs + 2000),
    d1: `${calls} / ${(slowest / 1000).toFixed(2)} s`,
    mem: `${r.engine.memory.liveMb ?? '?'} MB (sampled ${r.engine.memory.peakMb} MB)`,
    rss: `${r.workerd.rssBeforeMb} → ${r.workerd.peakRssMb}`,
    lines: `${r.counts.lines.toLocaleString('en-US')} (+ ${r.counts.results.toLocaleString('en-US')} results)`,
    chunk: `${r.counts.chunks} × ≤ ${(r.counts.maxChunkBytes / 1e6).toFixed(2)} MB`,
    loadavg: r.load1m.join(' / '),
    whatIf: r.reads
      ? `${r.reads.whatIf.liveMb} MB (sampled ${r.reads.whatIf.sampledMb} MB), ${sec(r.reads.whatIf.ms)} s`
      : '–',
    explain: r.reads
      ? `${r.reads.explain.liveMb} MB (sampled ${r.reads.explain.sampledMb} MB), ${sec(r.reads.explain.ms)} s`
      : '–',
  };
}

const ROWS = [
  ['End to end: cron → REVIEW seen (s)', 'e2e', '≤ 60 at 1M'],
  ['  closing_started_at → computed_at (server, s)', 'server', ''],
  ['  snapshot step: one queue invocation (s)', 'snapshot', ''],
  ['  compute step: one queue invocation (s)', 'computeStep', ''],
  ['    load: members from the snapshot chunks (s)', 'load', ''],
  ['    volumes read + streamed into the engine + finish (s)', 'compute', ''],
  ['    write (results + lines, incl. line generation, s; SQL: D1 meta.duration)', 'write', ''],
  ['Engine-only, same data, Node (wall s)', 'engine', ''],
  ['Ratio end to end / engine-only', 'ratio', '≤ 3× at 1M'],
  ['Largest step vs 15 min queue wall limit', 'largest', ''],
  ['workerd CPU time, whole close (s, upper bound)', 'cpu', '≤ 300 per step'],
  ['Idle-machine estimate: workerd CPU + 2 × 1 s queue wait (s)', 'idle', '≤ 60 at 1M'],
  ['D1 calls in the larger step / slowest call', 'd1', '≤ 1000 / ≤ 30 s'],
  ['JS heap + buffers after GC, peak over load + engine (Node)', 'mem', '≤ 128 MB'],
  ['What-if of the period: JS heap + buffers after GC, peak (Node), time', 'whatIf', '≤ 128 MB'],
  ['Explain of the largest line (the root’s): same', 'explain', '≤ 128 MB'],
  ['workerd RSS before → peak (MB, incl. local SQLite)', 'rss', ''],
  ['Commission lines written', 'lines', ''],
  ['Snapshot chunks × largest (row limit ~2 MB)', 'chunk', ''],
  ['1-min load average before / after', 'loadavg', ''],
];

function renderTable(results) {
  const cols = [];
  for (const r of Object.values(results.sizes).sort((a, b) => a.size - b.size))
    for (const [plan, o] of Object.entries(r.plans))
      cols.push({ head: `${r.size.toLocaleString('en-US')} ${plan}`, cells: rows(o) });
  const head = ['', ...cols.map((c) => c.head), 'Target / limit'];
  const out = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i ? ' ---: ' : ' --- ')).join('|')}|`];
  for (const [label, key, target] of ROWS)
    out.push(`| ${[label, ...cols.map((c) => c.cells[key]), target].join(' | ')} |`);
  return out.join('\n');
}

/** Earlier runs replaced by a later one of the same size, one table per code version (newest first). */
function renderEarlier(results) {
  const byCode = new Map();
  for (const r of results.earlier ?? []) {
    const key = `code ${r.commit}`;
    if (!byCode.has(key)) byCode.set(key, { sizes: {} });
    byCode.get(key).sizes[`${r.size}@${r.ranAt}`] = r;
  }
  if (byCode.size === 0) return '';
  return [...byCode]
    .reverse()
    .map(
      ([code, group]) =>
        `\nEarlier runs, kept for comparison (${code}; ${Object.values(group.sizes)
          .map(
            (r) =>
              `${r.size.toLocaleString('en-US')} on ${r.ranAt.slice(0, 10)}, load at start ${r.loadAtStart}`,
          )
          .join('; ')}):\n\n${renderTable(group)}\n`,
    )
    .join('');
}

function renderMarkdown(results) {
  const list = Object.values(results.sizes).sort((a, b) => a.size - b.size);
  const growth = [];
  for (const plan of Object.keys(PLAN_FILES)) {
    const pts = list.filter((r) => r.plans[plan]).map((r) => [r.size, r.plans[plan].endToEndMs]);
    for (let i = 1; i < pts.length; i++)
      growth.push(
        `- ${plan}: ${pts[i - 1][0].toLocaleString('en-US')} → ${pts[i][0].toLocaleString('en-US')} members: ×${(pts[i][1] / pts[i - 1][1]).toFixed(1)} time for ×${pts[i][0] / pts[i - 1][0]} members`,
      );
  }
  return `# Period close benchmark

Produced by \`npm run bench:close\` (bench/close.mjs). For each size the network of \`bench:genealogy\` and
${list[0] ? Math.round(list[0].orders.count / list[0].size) : 3} orders per member (bench/lib/orderFile.mjs: 92 % PAID, all paid within the month before the run
in Europe/Copenhagen time) are loaded through the genealogy and order import APIs, with close_grace_days = 0.
For each plan (src/modules/commissions/plans/examples) a copy of that database is served by \`wrangler dev\`
(local workerd + D1, worker bundled from the last commit). Since 7 Dec the hourly cron is fired once before any
plan is in force (nothing to close; "warm-up" below): the company's hourly runs during the month would have done its
work already. The first hourly run after a month of orders imported at once works off their follow-up backlog (at
1M: 84,025 ORDER_FOLLOW_UP tasks, ~2 s of D1 that the close's steps wait behind); runs before 7 Dec included it
(\`--no-warmup\` still does). Then the plan is created and scheduled from 2020-01,
the hourly cron handler is fired (\`GET /cdn-cgi/local/scheduled?cron=0+*+*+*+*\`, Miniflare's trigger; the
\`--test-scheduled\` route needs wrangler's own bundling) and \`commissionPeriod\`
is polled every 250 ms until REVIEW. A fresh copy per plan because a period's plan is frozen when its close
starts; both plans close the same data.

- **End to end**: from firing the cron to seeing REVIEW (client clock); it includes the queue's batch delay
  (max_batch_timeout = 1 s) before each of the two steps.
- **Steps** are the worker's own \`[close]\` log lines (src/modules/commissions/periods/{jobs,compute}.ts).
  A Worker's clock advances only across I/O, so each part includes the CPU spent before its last query. The
  compute step's parts: "load" = the member arrays from the snapshot chunks; then the volumes are read page
  by page and fed to the engine as they come, and the engine finishes (one figure). Since issue 14 the volumes
  are per-member sums (one row per member, order kind and starter-kit flag, summed by SQLite per range of
  distributors: src/modules/commissions/periods/volumeSums.ts), with only the lines of members across a
  fast-start window edge and of refunds read one by one; before, every order line was read. Since code f6d4c60
  PERSONAL orders (and CUSTOMER orders under a plan without retail) are summed from their own qv/cv, without
  their lines (orderTotalsFor). "write" = results
  and lines, including producing the lines (the engine yields them lazily); since issue 14 the lines are
  written in primary-key order (one pass over the engine's lines per range of about 250,000 lines, sorted:
  a counting sort on the earner since f6d4c60) and five INSERTs share a batch. Since issue 14's third pass the
  rows travel as jsonb (\`jsonb_each(jsonb(?))\`: a text JSON row was parsed again by each of its 15 or 8 \`->>\`)
  and the results page's index holds only the rows with a total (migration 0035, partial index
  \`period_result_earned\`; about half the members earn nothing and were an index entry each). "SQL" next to the
  write is the sum of D1's meta.duration for its calls (logged since then): SQLite's own time, without the
  Worker's JSON building and line generation; the volume read uses raw(), which reports none. With \`--keep-state --reuse-base\`
  a run reuses the base database of an earlier run (the setup times shown are then that run's).
- **Engine-only**: bench/lib/closeEngine.mjs reads the closed period's snapshot, volume lines and plan version
  from the D1 file with the worker's own loaders (node:sqlite behind a D1 shim, the same source tree as the
  worker) and times only the engine's calls in Node (addLines/computePeriod, finish, and draining every
  commission line): the in-memory floor for the same data. When the close streams lines into the engine
  (loadPeriodMembers), so does this. Its totals are checked against the worker's. Ratio = end to end /
  engine-only wall time (both run on the same machine at the same load; the engine's CPU time is shown too).
- **Memory**: workerd does not enforce 128 MB locally and has no per-invocation counter. "JS heap + buffers"
  is measured in the engine-only process (heapUsed + arrayBuffers above a baseline after a full GC, at points
  from loading the inputs through the last line and the write's sorted line ranges, i.e. what must fit the
  isolate; "sampled" includes garbage
  not yet collected): the part of the compute step that scales with the period. workerd's RSS (sampled
  every 100 ms from /proc) also holds local D1's SQLite and page cache and the other requests, so it only
  bounds it from above.
- **What-if and explain**: bench/lib/whatifExplain.mjs runs the worker's own runWhatIf (the period under its
  own plan version; a period in review, so the base is its stored results) and the explain resolver's loading
  and explainLine for the largest non-retail line (the root's), in Node on the closed period's D1 file, memory
  sampled the same way (at every D1 call, after a full GC every fourth call).
- **CPU**: workerd's user+system time from /proc, which includes local SQLite work that production D1 does
  not bill to the Worker: an upper bound for the limit of 5 min per invocation (limits.cpu_ms = 300000).
  Local D1 runs inside workerd, so on a busy machine wall time is inflated by waiting for a core while the
  CPU time is not: "idle-machine estimate" adds the two queue batch waits to it (an estimate, not a run).

${renderTable(results)}
${renderEarlier(results)}
Growth of end-to-end time:
${growth.join('\n') || '- (one size only)'}

Steps as first seen by the poller and step log lines as they appeared (s after firing the cron; workerd CPU s
so far). A poll waits while the compute step runs (slowest poll shown), so its progress is rarely seen:
${list
  .flatMap((r) =>
    Object.entries(r.plans).map(
      ([plan, o]) =>
        `- ${r.size.toLocaleString('en-US')} ${plan}: ${o.seen.map((x) => `${x.step} @ ${sec(x.atMs)} (${sec(x.cpuMs)})`).join(' → ')}; log: ${Object.entries(
          o.logged ?? {},
        )
          .map(([k, x]) => `${k} @ ${sec(x.atMs)} (${sec(x.cpuMs)})`)
          .join(
            ', ',
          )}; cron request ${sec(o.cronRequestMs)} s${o.warmupCronMs == null ? ' (no warm-up cron before)' : ` (warm-up cron before the plan: ${sec(o.warmupCronMs)} s)`}, slowest poll ${sec(o.slowestPollMs)} s`,
    ),
  )
  .join('\n')}

Data and runs:
${list.map((r) => `- ${r.size.toLocaleString('en-US')}: period ${r.period}, ${r.orders.paidOrders.toLocaleString('en-US')} paid orders / ${r.orders.paidLines.toLocaleString('en-US')} volume lines; engine-only path: ${[...new Set(Object.values(r.plans).map((o) => o.engine.mode))].join(', ')}; setup: network import ${sec(r.setupMs.network)} s, order import ${sec(r.setupMs.orders)} s; ${r.ranAt}, code ${r.commit}, ${r.machine}; 1-min load average at start ${r.loadAtStart}${r.loadAtStart > 1.5 ? ' (busy machine: other work was running, times are inflated)' : ''}`).join('\n')}
`;
}

const commit = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
})();

if (args['report-only']) {
  // Re-render bench/results/close.md from the JSON (no run).
  writeFileSync(RESULTS_MD, renderMarkdown(JSON.parse(readFileSync(RESULTS_JSON, 'utf8'))));
  console.log(`written to ${RESULTS_MD}`);
  process.exit(0);
}
log(`bundling the worker (${commit}) ...`);
const config = await snapshotWorker(BUILD);
const results = existsSync(RESULTS_JSON) ? JSON.parse(readFileSync(RESULTS_JSON, 'utf8')) : { sizes: {} };
for (const size of sizes) {
  const r = await benchSize(size);
  // The run this one replaces stays in the file, labelled by its code, for comparison.
  const replaced = results.sizes[String(size)];
  if (replaced) results.earlier = [...(results.earlier ?? []), replaced];
  results.sizes[String(size)] = r;
  mkdirSync(dirname(RESULTS_JSON), { recursive: true });
  writeFileSync(RESULTS_JSON, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(RESULTS_MD, renderMarkdown(results));
}
if (!args['keep-state']) rmSync(BUILD, { recursive: true, force: true });
console.log(`\n${renderTable(results)}\n\nwritten to ${RESULTS_MD}`);
