// npm run bench:chaos [-- --only close-kill,lead-kill,...] [--members 10000] [--orders 30000] [--leads 3000]
//                      [--outage-leads 100] [--rate 300] [--source-maps] [--lock-s 30] [--graph-fails 3,40,150] [--port 8795] [--graph-port 8796]
//                      [--settle-s 10] [--out chaos] [--worktree] [--keep-state] [--report-only]
//
// Faults as a benchmark (issue 11, item 4). Every experiment runs the real worker under `wrangler dev` (a
// bundled snapshot of the last commit, or of the work tree with --worktree) on its own copy of a prepared
// local D1 state in a temp dir, injects one fault from outside, then tries the recovery mechanisms in order:
//   1. by itself: wait (the queue's own retries, whatever the worker does on its own);
//   2. watchdog: fire the hourly cron with a scheduled time 21 minutes from now (past the job heartbeat
//      limit of 20 min): GET /cdn-cgi/local/scheduled?cron=0+*+*+*+*&time=<ms>;
//   3. staff: whatever the GraphQL schema offers (found by introspection, so the script runs before and after
//      the job mechanism and the dead letters land): retryJob / cancelJob on the jobs not finished,
//      replayDeadLetter on every dead letter, retryLeadIntake on every failed intake, cancelOrderImport, and
//      the old entry points (startPeriodClose, startOrderImport) whose answers are recorded.
// A rung ends at the end state, once the state has not changed for --settle-s, or at its time limit.
// The database is never edited by hand: a row that would need it says "not recovered".
//
// Experiments (--only takes ids or prefixes):
//   close-kill-snapshot | close-kill-compute | close-kill-write: SIGKILL of wrangler's whole process group
//     while the period close is in that step (seen in the D1 file), restart on the same state; check: REVIEW
//     and period_result + commission_line + totals byte-identical to a clean close of the same data;
//   close-lock: an exclusive SQLite lock on the D1 file for --lock-s seconds right after the close started;
//   lead-kill: SIGKILL halfway through a burst of --leads Google Ads + website webhooks at --rate/s;
//   lead-lock: --outage-leads webhooks at --rate/s, and the D1 lock for --lock-s seconds as soon as they are
//     answered (while the consumer works on them), with webhooks at 2/s meanwhile (answered 500: not
//     acknowledged). Few: thousands queued ahead of the retries spread each message's attempts over
//     minutes on the one-batch-at-a-time local queue and hide the loss;
//   import-kill: SIGKILL while an order import of --orders orders applies its order chunks; check: DONE with
//     every order of the file once and volumes matching, or none of it;
//   graph-fail-<n>s: the fake Graph API answers 500 for n seconds; from 0.5 s into the outage --outage-leads Meta
//     webhooks at --rate/s, then 2/s until its last second.
// Lead checks: acknowledged (200 "accepted") leads missing afterwards (lost) and leads stored twice (doubled).
// Results: stdout and bench/results/<out>.{md,json}.

import { execFileSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { parseArgs } from 'node:util';
import { createClient, pbkdf2Hash } from './lib/client.mjs';
import { startFakeGraph } from './lib/fakeGraph.mjs';
import { importNetwork } from './lib/load.mjs';
import { d1File } from './lib/machine.mjs';
import { writeParts } from './lib/ndjson.mjs';
import { buildNetwork } from './lib/network.mjs';
import { runOpenLoop } from './lib/openLoop.mjs';
import { PRODUCTS, writeOrderParts } from './lib/orderFile.mjs';
import { LOGIN } from './lib/queries.mjs';
import { applyMigrations, directWorkerUrl, snapshotWorker, startWorker } from './lib/wrangler.mjs';

const { values: args } = parseArgs({
  options: {
    only: { type: 'string', default: '' },
    members: { type: 'string', default: '10000' },
    orders: { type: 'string', default: '30000' },
    leads: { type: 'string', default: '3000' },
    'outage-leads': { type: 'string', default: '100' },
    rate: { type: 'string', default: '300' },
    'lock-s': { type: 'string', default: '30' },
    'graph-fails': { type: 'string', default: '3,40,150' },
    port: { type: 'string', default: '8795' },
    'graph-port': { type: 'string', default: '8796' },
    out: { type: 'string', default: 'chaos' },
    worktree: { type: 'boolean', default: false },
    'source-maps': { type: 'boolean', default: false },
    'keep-state': { type: 'boolean', default: false },
    'report-only': { type: 'boolean', default: false },
    // A recovery rung ends when the state has not changed for this long (or at its time limit).
    'settle-s': { type: 'string', default: '10' },
  },
});
const members = Number(args.members);
const orderCount = Number(args.orders);
const leadCount = Number(args.leads);
const outageLeads = Number(args['outage-leads']);
const rate = Number(args.rate);
const lockMs = Number(args['lock-s']) * 1000;
const graphFails = args['graph-fails'].split(',').map((s) => Number(s.trim()));
const port = Number(args.port);
const graphPort = Number(args['graph-port']);
const settleMs = Number(args['settle-s']) * 1000;
if (!(settleMs >= 1000 && settleMs <= 600_000)) throw new Error('--settle-s: 1 to 600');
if (!Number.isInteger(members) || members < 200 || members > 2_000_000)
  throw new Error('--members: 200 to 2M');
if (!Number.isInteger(orderCount / members) || orderCount < members || orderCount > 20 * members)
  throw new Error('--orders: 1 to 20 orders per member (a multiple of --members)');
if (!(leadCount >= 10 && outageLeads >= 1 && rate >= 1 && rate <= 5000)) throw new Error('--leads/--rate');
if (graphFails.some((s) => !(s > 0 && s <= 3600))) throw new Error('--graph-fails: seconds');
if (!/^[a-z0-9-]+$/.test(args.out)) throw new Error('--out: lower-case letters, digits and -');

const ALL = [
  'close-kill-snapshot',
  'close-kill-compute',
  'close-kill-write',
  'close-lock',
  'lead-kill',
  'lead-lock',
  'import-kill',
  ...graphFails.map((s) => `graph-fail-${s}s`),
];
const only = args.only
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const selected = ALL.filter((id) => only.length === 0 || only.some((o) => id === o || id.startsWith(o)));
if (selected.length === 0) throw new Error(`--only matches nothing; ids: ${ALL.join(', ')}`);

const BUILD = resolve('bench/.state/chaos-build');
const TMP = mkdtempSync(join(tmpdir(), 'mlm-chaos-'));
const STAFF = { email: 'chaos-admin@example.com', password: `chaos-${Date.now()}-password` };
const TZ = 'Europe/Copenhagen';
const HOURLY = '0+*+*+*+*';
const WATCHDOG_AHEAD_MS = 21 * 60_000;
const GOOGLE_FORM = '40000000001';
const GOOGLE_KEY = 'chaos-google-form-key-7d1e';
const META_PAGE = '1122334455667788';
const META_TOKEN = 'EAAchaosPageAccessToken0123456789';
const WEBSITE = { name: 'website', secret: 'chaos-website-token-0123456789' };
const log = (line) => console.log(line);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sec = (ms) => (ms / 1000).toFixed(1);
const started = Date.now();

// ---- time: last month in the company time zone (the period the hourly cron closes) ----

const monthOf = (t) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit' })
    .format(new Date(t))
    .slice(0, 7);
function monthStartBefore(t) {
  const m = monthOf(t);
  let s = t - (t % 3_600_000);
  while (monthOf(s - 3_600_000) === m) s -= 3_600_000;
  return s;
}
const thisMonthStart = monthStartBefore(Date.now());
const lastMonthStart = monthStartBefore(thisMonthStart - 1);
const PERIOD = monthOf(lastMonthStart);

// ---- the local D1 file, read and locked from this process (node:sqlite) ----

/** A connection to the D1 file; the worker may be running (WAL: readers never block it). */
function openDb(persistTo, { readOnly = true } = {}) {
  const db = new DatabaseSync(d1File(persistTo), { readOnly });
  const retry = (fn) => {
    for (let i = 0; ; i++) {
      try {
        return fn();
      } catch (e) {
        if (i >= 200 || !/busy|locked/i.test(String(e?.message))) throw e;
        execFileSync('sleep', ['0.05']);
      }
    }
  };
  return {
    all: (sql, ...params) => retry(() => db.prepare(sql).all(...params)),
    get: (sql, ...params) => retry(() => db.prepare(sql).get(...params)),
    exec: (sql) => retry(() => db.exec(sql)),
    raw: db,
    close: () => db.close(),
  };
}

/**
 * Holds an exclusive lock on the D1 file for `ms` (BEGIN EXCLUSIVE from another process; in WAL mode the
 * worker's reads still succeed, every write fails with SQLITE_BUSY). Resolves when released.
 */
async function lockD1(persistTo, ms) {
  const db = new DatabaseSync(d1File(persistTo));
  const t0 = Date.now();
  for (;;) {
    try {
      db.exec('BEGIN EXCLUSIVE');
      break;
    } catch (e) {
      if (!/busy|locked/i.test(String(e?.message)) || Date.now() - t0 > 10_000) throw e;
      await sleep(2);
    }
  }
  const lockedAt = Date.now();
  await sleep(ms);
  db.exec('COMMIT');
  db.close();
  return { waitedMs: lockedAt - t0, heldMs: Date.now() - lockedAt };
}

// ---- the worker ----

const live = new Set();

/** Waits until nothing listens on the port (a stopped workerd may hold it for a moment). */
async function portFree(p, timeoutMs = 20_000) {
  const t0 = Date.now();
  for (;;) {
    const free = await new Promise((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(p, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free || Date.now() - t0 > timeoutMs) return;
    await sleep(200);
  }
}

async function boot(persistTo, logName, { quiet = false } = {}) {
  await portFree(port);
  const worker = await startWorker({
    config,
    port,
    persistTo,
    logFile: join(persistTo, '..', `${logName}.log`),
    timeoutMs: 180_000,
    extraArgs: quiet ? ['--log-level', 'warn'] : [],
  });
  live.add(worker);
  const client = createClient(worker.base);
  const r = (await client.post(LOGIN, { input: STAFF })).login;
  if (!r.session) throw new Error(`staff login failed: ${JSON.stringify(r)}`);
  client.setToken(r.session.token);
  return { ...worker, client };
}

async function stop(w) {
  if (!w) return;
  await w.stop();
  live.delete(w);
}

/** The fault: SIGKILL to the whole process group of `wrangler dev` (wrangler, its workerd and proxy). */
async function killGroup(w) {
  try {
    process.kill(-w.pgid, 'SIGKILL');
  } catch {
    // Already gone.
  }
  await stop(w);
}

async function fireCron(w, time) {
  const url = `${w.base}/cdn-cgi/local/scheduled?cron=${HOURLY}${time ? `&time=${time}` : ''}`;
  const res = await fetch(url, { signal: AbortSignal.timeout(120_000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`cron: HTTP ${res.status}: ${text.slice(0, 300)}`);
}

function ok(result, what) {
  if (!result.__typename.endsWith('Success'))
    throw new Error(`${what}: ${result.__typename}: ${result.message ?? JSON.stringify(result)}`);
  return result;
}

// ---- staff actions, found by introspection ----

const TYPE_REF = 'kind name ofType { kind name ofType { kind name ofType { kind name } } }';
let schema;

async function introspect(client) {
  if (schema) return schema;
  const fieldsOf = async (name) =>
    (
      await client.post(
        `query($n: String!) { t: __type(name: $n) { fields { name args { name type { ${TYPE_REF} } } type { ${TYPE_REF} } } } }`,
        { n: name },
      )
    ).t.fields;
  const d = { q: { fields: await fieldsOf('Query') }, m: { fields: await fieldsOf('Mutation') } };
  schema = {
    query: new Map(d.q.fields.map((f) => [f.name, f])),
    mutation: new Map(d.m.fields.map((f) => [f.name, f])),
  };
  return schema;
}

const named = (t) => (t.ofType ? named(t.ofType) : t);
const typeString = (t) =>
  t.kind === 'NON_NULL'
    ? `${typeString(t.ofType)}!`
    : t.kind === 'LIST'
      ? `[${typeString(t.ofType)}]`
      : t.name;

async function typeFields(client, name) {
  const d = await client.post(
    `query($n: String!) { __type(name: $n) { kind fields { name type { ${TYPE_REF} } } inputFields { name type { ${TYPE_REF} } } possibleTypes { name } } }`,
    { n: name },
  );
  return d.__type;
}

/** Calls a mutation that takes one id (as `input: { <id field> }` or as a plain argument). */
async function callById(client, name, id) {
  const field = (await introspect(client)).mutation.get(name);
  if (!field) return null;
  let vars;
  let argDecl;
  let argUse;
  const input = field.args.find((a) => a.name === 'input');
  if (input) {
    const t = await typeFields(client, named(input.type).name);
    const idField = t.inputFields.find((f) => /id$/i.test(f.name)) ?? t.inputFields[0];
    const value = named(idField.type).name === 'Int' ? Number(id) : id;
    vars = { v: { [idField.name]: value } };
    argDecl = `$v: ${typeString(input.type)}`;
    argUse = 'input: $v';
  } else {
    const a = field.args[0];
    vars = { v: named(a.type).name === 'Int' ? Number(id) : id };
    argDecl = `$v: ${typeString(a.type)}`;
    argUse = `${a.name}: $v`;
  }
  const ret = named(field.type);
  const sel = ret.kind === 'SCALAR' || ret.kind === 'ENUM' ? '' : '{ __typename ... on Error { message } }';
  try {
    const d = await client.post(`mutation(${argDecl}) { r: ${name}(${argUse}) ${sel} }`, vars);
    const r = d.r;
    return r?.message ? `${r.__typename}: ${r.message}` : (r?.__typename ?? 'ok');
  } catch (e) {
    return `error: ${String(e.message).slice(0, 200)}`;
  }
}

/** The rows of a list query (plain list or connection), with the scalar fields among `wanted`. */
async function listRows(client, name, wanted) {
  const field = (await introspect(client)).query.get(name);
  if (!field) return null;
  let t = await typeFields(client, named(field.type).name);
  let wrap = (s) => s;
  const edges = t.fields?.find((f) => f.name === 'edges');
  if (edges) {
    const edge = await typeFields(client, named(edges.type).name);
    t = await typeFields(client, named(edge.fields.find((f) => f.name === 'node').type).name);
    wrap = (s) => `{ edges { node ${s} } }`;
  }
  const scalar = (f) => ['SCALAR', 'ENUM'].includes(named(f.type).kind);
  const fields = (t.fields ?? []).filter((f) => scalar(f) && wanted.includes(f.name)).map((f) => f.name);
  if (fields.length === 0) return null;
  const hasFirst = field.args.some((a) => a.name === 'first');
  const required = field.args.filter((a) => a.type.kind === 'NON_NULL' && a.name !== 'first');
  if (required.length) return null;
  try {
    const d = await client.post(
      `{ r: ${name}${hasFirst ? '(first: 100)' : ''} ${wrap(`{ ${fields.join(' ')} }`)} }`,
    );
    return edges ? d.r.edges.map((e) => e.node) : d.r;
  } catch (e) {
    return { error: String(e.message).slice(0, 200) };
  }
}

const FINISHED = /^(DONE|SUCCEEDED|SUCCESS|COMPLETED|CANCELL?ED|ACKED)$/i;

/** retryJob on every job that is not finished and whose kind matches; null when the schema has none. */
async function retryJobs(client, kindRe) {
  const s = await introspect(client);
  if (!s.query.has('jobs') || !s.mutation.has('retryJob')) return null;
  const rows = await listRows(client, 'jobs', [
    'id',
    'kind',
    'type',
    'status',
    'state',
    'error',
    'lastError',
  ]);
  if (!Array.isArray(rows)) return `jobs: ${rows?.error ?? 'not listable'}`;
  const open = rows.filter(
    (j) => !FINISHED.test(j.status ?? j.state ?? '') && (!kindRe || kindRe.test(j.kind ?? j.type ?? '')),
  );
  const answers = [];
  for (const j of open)
    answers.push(
      `${j.kind ?? j.type ?? j.id} ${j.status ?? j.state}: ${await callById(client, 'retryJob', j.id)}`,
    );
  return `retryJob × ${open.length}${answers.length ? ` (${answers.slice(0, 3).join('; ')})` : ''}`;
}

async function cancelJobs(client, kindRe) {
  const s = await introspect(client);
  if (!s.query.has('jobs') || !s.mutation.has('cancelJob')) return null;
  const rows = await listRows(client, 'jobs', ['id', 'kind', 'type', 'status', 'state']);
  if (!Array.isArray(rows)) return `jobs: ${rows?.error ?? 'not listable'}`;
  const open = rows.filter(
    (j) => !FINISHED.test(j.status ?? j.state ?? '') && (!kindRe || kindRe.test(j.kind ?? j.type ?? '')),
  );
  const answers = [];
  for (const j of open) answers.push(await callById(client, 'cancelJob', j.id));
  return `cancelJob × ${open.length}${answers.length ? ` (${answers.slice(0, 3).join('; ')})` : ''}`;
}

/** Replays every dead letter (pages of 100 until none is left or nothing changes). */
async function replayDeadLetters(client) {
  const s = await introspect(client);
  if (!s.query.has('deadLetters') || !s.mutation.has('replayDeadLetter')) return null;
  let replayed = 0;
  const answers = new Map();
  const seen = new Set();
  for (let round = 0; round < 200; round++) {
    const rows = await listRows(client, 'deadLetters', ['id', 'key', 'status', 'replayedAt']);
    if (!Array.isArray(rows)) return `deadLetters: ${rows?.error ?? 'not listable'}`;
    const todo = rows.filter(
      (r) => !r.replayedAt && !/REPLAYED|DONE/i.test(r.status ?? '') && !seen.has(r.id ?? r.key),
    );
    if (todo.length === 0) break;
    for (const r of todo) {
      seen.add(r.id ?? r.key);
      const a = await callById(client, 'replayDeadLetter', r.id ?? r.key);
      answers.set(a, (answers.get(a) ?? 0) + 1);
      replayed++;
    }
  }
  return `replayDeadLetter × ${replayed}${answers.size ? ` (${[...answers].map(([a, n]) => `${a} ×${n}`).join('; ')})` : ''}`;
}

/** retryLeadIntake on every failed intake (the API lists 100 at a time). */
async function retryFailedIntakes(client) {
  const s = await introspect(client);
  if (!s.query.has('failedLeadIntakes') || !s.mutation.has('retryLeadIntake')) return null;
  let retried = 0;
  const answers = new Map();
  const seen = new Set();
  for (let round = 0; round < 200; round++) {
    const rows = await listRows(client, 'failedLeadIntakes', ['intakeId']);
    if (!Array.isArray(rows)) return `failedLeadIntakes: ${rows?.error ?? 'not listable'}`;
    const todo = rows.filter((r) => !seen.has(r.intakeId));
    if (todo.length === 0) break;
    for (const r of todo) {
      seen.add(r.intakeId);
      const a = await callById(client, 'retryLeadIntake', r.intakeId);
      answers.set(a, (answers.get(a) ?? 0) + 1);
      retried++;
    }
  }
  return `retryLeadIntake × ${retried}${answers.size > 1 || [...answers.keys()].some((a) => !/Success/.test(a)) ? ` (${[...answers].map(([a, n]) => `${a} ×${n}`).join('; ')})` : ''}`;
}

// ---- the recovery ladder ----

/**
 * Tries the recovery mechanisms in order until `check()` says the end state is reached. `check` returns
 * { ok, state }; a rung ends when ok, when the state has not changed for `stableMs`, or after `maxMs`.
 * `staff` is a list of async actions returning a description (null: not in this schema).
 */
async function recover(
  w,
  check,
  { staff = [], selfMs = 60_000, cronMs = 45_000, staffMs = 90_000, stableMs = settleMs },
) {
  const rungs = [];
  const wait = async (maxMs) => {
    const t0 = Date.now();
    let last;
    let lastChange = Date.now();
    for (;;) {
      const c = await check();
      if (c.ok) return c;
      if (c.state !== last) {
        last = c.state;
        lastChange = Date.now();
      }
      if (Date.now() - lastChange >= stableMs || Date.now() - t0 >= maxMs) return c;
      await sleep(1000);
    }
  };
  const t0 = Date.now();
  let c = await wait(selfMs);
  rungs.push(`self ${sec(Date.now() - t0)} s: ${c.state}`);
  if (c.ok) return { how: 'by itself', c, rungs };
  const t1 = Date.now();
  let cronError = '';
  try {
    await fireCron(w, t1 + WATCHDOG_AHEAD_MS);
  } catch (e) {
    cronError = ` (${String(e.message).slice(0, 120)})`;
  }
  c = await wait(cronMs);
  rungs.push(`watchdog cron (+21 min)${cronError} ${sec(Date.now() - t1)} s: ${c.state}`);
  if (c.ok) return { how: 'watchdog', c, rungs };
  const actions = [];
  for (const act of staff) {
    const t2 = Date.now();
    const a = await act();
    if (a == null) continue;
    actions.push(a);
    c = await wait(staffMs);
    rungs.push(`staff ${a} ${sec(Date.now() - t2)} s: ${c.state}`);
    if (c.ok) return { how: `staff action (${a.split(' ')[0]})`, c, rungs, actions };
  }
  return { how: 'not recovered', c, rungs, actions };
}

// ---- experiments: bookkeeping ----

const rows = [];
const commit = (() => {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    return args.worktree ? `${head} + work tree` : head;
  } catch {
    return 'unknown';
  }
})();

async function experiment(id, fault, fn) {
  if (!selected.includes(id)) return;
  log(`\n== ${id}: ${fault} ==`);
  const t0 = Date.now();
  const row = { id, fault, injected: '–', recovery: '–', outcome: '–', checks: '–', pass: false, rungs: [] };
  const dir = join(TMP, id);
  mkdirSync(dir, { recursive: true });
  try {
    await fn(row, dir);
  } catch (e) {
    row.outcome = `harness error: ${String(e?.message ?? e).slice(0, 300)}`;
    row.pass = false;
    console.error(e);
  } finally {
    for (const w of [...live]) await stop(w);
    if (!args['keep-state']) rmSync(dir, { recursive: true, force: true });
  }
  row.seconds = Math.round((Date.now() - t0) / 1000);
  for (const r of row.rungs) log(`  ${r}`);
  log(`  → ${row.recovery}; ${row.outcome}; ${row.checks} (${row.seconds} s)`);
  rows.push(row);
  save();
}

function copyState(base, dir) {
  const persistTo = resolve(dir, 'd1');
  cpSync(base, persistTo, { recursive: true });
  return persistTo;
}

// ---- bases: prepared once, copied per experiment ----

const CREATE_PRODUCT = `mutation($input: CreateProductInput!) { createProduct(input: $input) { __typename
  ... on Error { message } } }`;
const CREATE_ORDER_IMPORT = `mutation($input: CreateOrderImportInput!) { createOrderImport(input: $input) {
  __typename ... on MutationCreateOrderImportSuccess { import { id } } ... on Error { message } } }`;
const START_ORDER_IMPORT = `mutation($input: StartOrderImportInput!) { startOrderImport(input: $input) {
  __typename ... on Error { message } } }`;
const ORDER_IMPORT = `query($id: ID!) { orderImport(id: $id) { status error } }`;

async function uploadOrders(client, parts) {
  const id = ok(
    (await client.post(CREATE_ORDER_IMPORT, { input: { format: 'NDJSON' } })).createOrderImport,
    'createOrderImport',
  ).import.id;
  for (const [n, part] of parts.entries()) {
    const res = await fetch(`${client.base}/imports/orders/${encodeURIComponent(id)}/parts/${n + 1}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${client.token}`, 'content-type': 'application/x-ndjson' },
      body: readFileSync(part.file),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`PUT part ${n + 1}: HTTP ${res.status}: ${text.slice(0, 300)}`);
  }
  return id;
}

async function newBase(name) {
  const persistTo = resolve(TMP, 'bases', name);
  mkdirSync(persistTo, { recursive: true });
  await applyMigrations(config, persistTo);
  const db = openDb(persistTo, { readOnly: false });
  db.raw
    .prepare('INSERT INTO staff_user (email, name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?)')
    .run(STAFF.email, 'Chaos', 'ADMIN', pbkdf2Hash(STAFF.password), new Date().toISOString());
  db.close();
  return persistTo;
}

/** Network, customers, products, a plan in force from 2020-01, grace 0 ("import" base); then + orders ("close"). */
async function prepareCommerceBases() {
  const t0 = Date.now();
  const net = buildNetwork(members);
  const memberParts = writeParts(net, join(TMP, 'members'));
  const spanDays = (thisMonthStart - lastMonthStart) / 86_400_000 - 1;
  const file = writeOrderParts(members, join(TMP, 'orders'), {
    perMember: orderCount / members,
    now: thisMonthStart,
    spanDays,
  });
  const persistTo = await newBase('commerce');
  const w = await boot(persistTo, 'base-commerce');
  try {
    await importNetwork(w.client, memberParts, { log: () => {} });
    const db = openDb(persistTo, { readOnly: false });
    db.exec(`INSERT INTO customer (owner_id, first_name, last_name, country, locale, created_at, updated_at, external_id)
       SELECT id, 'Kunde', last_name, country, locale, joined_at, joined_at, 'C' || (substr(external_id, 2) + 0)
       FROM distributor WHERE (substr(external_id, 2) + 0) % 3 = 0`);
    db.close();
    for (const p of PRODUCTS)
      ok(
        (
          await w.client.post(CREATE_PRODUCT, {
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
    const plan = JSON.parse(
      readFileSync(join(BUILD, 'tree/src/modules/commissions/plans/examples/unilevel-ranks.json'), 'utf8'),
    );
    const version = ok(
      (
        await w.client.post(
          `mutation($input: CreatePlanVersionInput!) { createPlanVersion(input: $input) { __typename
            ... on MutationCreatePlanVersionSuccess { planVersion { id } } ... on Error { message } } }`,
          { input: { name: 'chaos unilevel', plan } },
        )
      ).createPlanVersion,
      'createPlanVersion',
    ).planVersion;
    ok(
      (
        await w.client.post(
          `mutation($input: SchedulePlanVersionInput!) { schedulePlanVersion(input: $input) { __typename ... on Error { message } } }`,
          { input: { id: version.id, effectiveFrom: '2020-01' } },
        )
      ).schedulePlanVersion,
      'schedulePlanVersion',
    );
    ok(
      (
        await w.client.post(
          `mutation($input: UpdateCompanySettingsInput!) { updateCompanySettings(input: $input) { __typename ... on Error { message } } }`,
          { input: { closeGraceDays: 0 } },
        )
      ).updateCompanySettings,
      'updateCompanySettings',
    );
    await introspect(w.client);
  } finally {
    await stop(w);
  }
  const importBase = resolve(TMP, 'bases', 'import');
  cpSync(persistTo, importBase, { recursive: true });
  const w2 = await boot(persistTo, 'base-orders');
  try {
    const id = await uploadOrders(w2.client, file.parts);
    ok((await w2.client.post(START_ORDER_IMPORT, { input: { id } })).startOrderImport, 'startOrderImport');
    for (let i = 0; ; i++) {
      const imp = (await w2.client.post(ORDER_IMPORT, { id })).orderImport;
      if (imp.status === 'DONE') break;
      if (imp.status === 'REJECTED' || imp.status === 'FAILED' || i > 1200)
        throw new Error(`base order import ${imp.status}: ${imp.error ?? ''}`);
      await sleep(250);
    }
  } finally {
    await stop(w2);
  }
  log(
    `  commerce bases ready in ${sec(Date.now() - t0)} s: ${members} members, ${file.orders} orders in ${PERIOD}`,
  );
  return { importBase, closeBase: persistTo, file };
}

async function prepareLeadBase() {
  const t0 = Date.now();
  const persistTo = await newBase('leads');
  const w = await boot(persistTo, 'base-leads', { quiet: true });
  try {
    const c = w.client;
    const call = async (m, input) => {
      const d = await c.post(
        `mutation($input: ${m[0].toUpperCase()}${m.slice(1)}Input!) { r: ${m}(input: $input) { __typename ... on Error { message } } }`,
        { input },
      );
      ok(d.r, m);
    };
    await call('setGoogleLeadForm', { formId: GOOGLE_FORM, googleKey: GOOGLE_KEY, name: 'Chaos form' });
    await call('setMetaLeadPage', { pageId: META_PAGE, accessToken: META_TOKEN, name: 'Chaos page' });
    await call('setLeadSource', {
      name: WEBSITE.name,
      auth: 'TOKEN',
      secret: WEBSITE.secret,
      fieldMapping: [{ from: 'id', to: 'EXTERNAL_ID' }],
    });
  } finally {
    await stop(w);
  }
  log(`  lead base ready in ${sec(Date.now() - t0)} s`);
  return persistTo;
}

// ---- close ----

const PERIOD_ROW = `SELECT status, run, step, step_done AS done, step_total AS total, member_count AS members, error
  FROM commission_period WHERE id = ?`;

/** sha256 of the period's results, lines and totals in a canonical order. */
function closeDump(persistTo) {
  const db = openDb(persistTo);
  try {
    const h = createHash('sha256');
    const p = db.get('SELECT status, totals FROM commission_period WHERE id = ?', PERIOD);
    h.update(`totals ${p?.totals}\n`);
    let results = 0;
    let lines = 0;
    const r = db.raw.prepare(
      `SELECT distributor_id, pv, cv, gv, gcv, active, paid_as_rank, lifetime_rank, total, payout, balance_in,
         balance_out, carry_left, carry_right FROM period_result WHERE period_id = ? ORDER BY distributor_id`,
    );
    r.setReturnArrays(true);
    for (const row of r.iterate(PERIOD)) {
      h.update(`${JSON.stringify(row)}\n`);
      results++;
    }
    const l = db.raw.prepare(
      `SELECT distributor_id, bonus, level, source_id, volume, bp, before_cap, amount FROM commission_line
       WHERE period_id = ? ORDER BY distributor_id, bonus, level, source_id, volume, bp, before_cap, amount`,
    );
    l.setReturnArrays(true);
    for (const row of l.iterate(PERIOD)) {
      h.update(`${JSON.stringify(row)}\n`);
      lines++;
    }
    return { status: p?.status ?? 'none', sha256: h.digest('hex'), results, lines };
  } finally {
    db.close();
  }
}

const periodState = (db) => {
  const p = db.get(PERIOD_ROW, PERIOD);
  if (!p) return { ok: false, state: 'no period row' };
  return {
    ok: p.status === 'REVIEW',
    state: `${p.status} run ${p.run} ${p.step} ${p.done}/${p.total}${p.error ? ` error: ${p.error.slice(0, 80)}` : ''}`,
    p,
  };
};

async function waitUntil(fn, timeoutMs, intervalMs = 5) {
  const t0 = Date.now();
  for (;;) {
    const r = fn();
    if (r) return r;
    if (Date.now() - t0 > timeoutMs) return null;
    await sleep(intervalMs);
  }
}

async function cleanClose(closeBase) {
  const dir = join(TMP, 'close-clean');
  mkdirSync(dir, { recursive: true });
  const persistTo = copyState(closeBase, dir);
  const w = await boot(persistTo, 'close-clean');
  const t0 = Date.now();
  try {
    await fireCron(w);
    const db = openDb(persistTo);
    const done = await waitUntil(() => periodState(db).ok, 300_000, 200);
    db.close();
    if (!done) throw new Error('the clean close did not reach REVIEW in 5 min');
  } finally {
    await stop(w);
  }
  const dump = closeDump(persistTo);
  log(
    `  clean close: REVIEW in ${sec(Date.now() - t0)} s; ${dump.results} results, ${dump.lines} lines, ${dump.sha256.slice(0, 12)}`,
  );
  rmSync(dir, { recursive: true, force: true });
  return dump;
}

function closeStaff(client) {
  return [
    () => retryJobs(client, /period|close/i),
    async () => {
      const s = await introspect(client);
      if (s.query.has('jobs') && s.mutation.has('retryJob')) return null;
      const a = await client.post(
        `mutation($input: StartPeriodCloseInput!) { r: startPeriodClose(input: $input) { __typename ... on Error { message } } }`,
        { input: { period: PERIOD } },
      );
      return `startPeriodClose → ${a.r.message ?? a.r.__typename}`;
    },
  ];
}

async function closeRecovery(row, persistTo, clean, w) {
  const db = openDb(persistTo);
  try {
    const r = await recover(w, async () => periodState(db), { staff: closeStaff(w.client) });
    row.rungs = r.rungs;
    row.recovery = r.how;
    row.outcome = r.c.state;
  } finally {
    db.close();
  }
  await stop(w);
  const dump = closeDump(persistTo);
  const same = dump.status === 'REVIEW' && dump.sha256 === clean.sha256;
  row.checks =
    dump.status !== 'REVIEW'
      ? `not comparable (${dump.status}; ${dump.results} results, ${dump.lines} lines written)`
      : same
        ? `byte-identical to the clean close (${dump.results} results, ${dump.lines} lines)`
        : `DIFFERS from the clean close (${dump.results}/${clean.results} results, ${dump.lines}/${clean.lines} lines)`;
  row.pass = same && row.recovery !== 'not recovered';
}

/** Where a close is: -1 not started, 0 snapshot, 1 load, 2 compute, 3 write (nothing yet), 4 writing, 9 past. */
function stageOf(p) {
  if (p.status !== 'CLOSING') return 9;
  if (p.step === 'snapshot') return p.total > 0 ? 0 : -1;
  if (p.step === 'write') return p.done > 0 ? 4 : 3;
  return { load: 1, compute: 2 }[p.step] ?? 9;
}
const CLOSE_TARGETS = { snapshot: [0, 0], compute: [1, 2], write: [4, 4] };

async function closeKill(row, dir, closeBase, clean, step) {
  const persistTo = copyState(closeBase, dir);
  let w = await boot(persistTo, 'run-1');
  const db = openDb(persistTo);
  const [from, to] = CLOSE_TARGETS[step];
  const t0 = Date.now();
  const cron = fireCron(w).catch(() => {});
  // Poll the D1 file every few ms; kill in the target step, or as soon as the close is seen past it.
  const hit = await waitUntil(
    () => {
      const p = db.get(PERIOD_ROW, PERIOD);
      if (!p) return null;
      const stage = stageOf(p);
      if (stage >= from && stage <= to) return p;
      return stage > to ? { ...p, late: true } : null;
    },
    120_000,
    2,
  );
  if (!hit) throw new Error('the close did not start within 2 min');
  await killGroup(w);
  await cron;
  const after = db.get(PERIOD_ROW, PERIOD);
  db.close();
  row.injected = `${sec(Date.now() - t0)} s after the cron; seen ${hit.status} ${hit.step} ${hit.done}/${hit.total}${hit.late ? ' (late: the step was missed)' : ''}; left ${after.status} ${after.step} ${after.done}/${after.total}`;
  w = await boot(persistTo, 'run-2');
  await closeRecovery(row, persistTo, clean, w);
}

async function closeLock(row, dir, closeBase, clean) {
  const persistTo = copyState(closeBase, dir);
  const w = await boot(persistTo, 'run-1');
  const db = openDb(persistTo);
  const t0 = Date.now();
  const cron = fireCron(w).catch((e) => e);
  const hit = await waitUntil(() => db.get(PERIOD_ROW, PERIOD), 120_000, 2);
  if (!hit) throw new Error('the close did not start within 2 min');
  const lock = lockD1(persistTo, lockMs);
  row.injected = `${sec(Date.now() - t0)} s after the cron, at ${hit.status} ${hit.step} ${hit.done}/${hit.total}; held ${lockMs / 1000} s`;
  const held = await lock;
  await cron;
  const p = db.get(PERIOD_ROW, PERIOD);
  db.close();
  row.injected += ` (released at ${p.status} ${p.step} ${p.done}/${p.total}${held.waitedMs > 50 ? `, waited ${held.waitedMs} ms for the lock` : ''})`;
  await closeRecovery(row, persistTo, clean, w);
}

// ---- order import ----

function importState(db, importId, file) {
  const imp = db.get('SELECT status, step, done, total, error FROM order_import WHERE id = ?', importId);
  const o = db.get(
    'SELECT count(*) AS n, count(DISTINCT external_id) AS d FROM sales_order WHERE import_id = ?',
    importId,
  );
  const state = `${imp.status} ${imp.step} ${imp.done}/${imp.total}, ${o.n}/${file.orders} orders${imp.error ? `, error: ${imp.error.slice(0, 80)}` : ''}`;
  const ended =
    imp.status === 'DONE' || ((imp.status === 'FAILED' || /CANCEL/.test(imp.status)) && o.n === 0);
  return { ok: ended, state, imp, orders: o };
}

function importChecks(db, importId, file) {
  const o = db.get(
    'SELECT count(*) AS n, count(DISTINCT external_id) AS d FROM sales_order WHERE import_id = ?',
    importId,
  );
  const lines = db.get(
    'SELECT count(*) AS n FROM order_line l JOIN sales_order s ON s.id = l.order_id WHERE s.import_id = ?',
    importId,
  ).n;
  const paid = db.get(
    'SELECT count(*) AS n FROM payment p JOIN sales_order s ON s.id = p.order_id WHERE s.import_id = ?',
    importId,
  ).n;
  // The root's GV per period is the QV of every paid order (every order of this database is this file's).
  const vols = db.all(
    `SELECT o.period, o.qv, coalesce(v.gv, 0) AS gv FROM
       (SELECT period, sum(qv) AS qv FROM sales_order WHERE status = 'PAID' GROUP BY period) o
       LEFT JOIN volume v ON v.distributor_id = 1 AND v.period = o.period`,
  );
  const volumeRows = db.get('SELECT count(*) AS n FROM volume WHERE pv != 0 OR gv != 0').n;
  const all = o.n === file.orders && o.d === o.n && lines === file.lines && paid === file.paid;
  const none = o.n === 0 && lines === 0 && paid === 0;
  const volumesOk = all ? vols.every((v) => v.qv === v.gv) : none && volumeRows === 0;
  return {
    consistent: (all || none) && volumesOk,
    text: `${o.n}/${file.orders} orders (${o.n - o.d} doubled), ${lines}/${file.lines} lines, ${paid}/${file.paid} payments; volumes ${volumesOk ? 'match the orders' : `DO NOT match (${JSON.stringify(vols.filter((v) => v.qv !== v.gv)).slice(0, 120)}, ${volumeRows} volume rows)`}`,
  };
}

async function importKill(row, dir, importBase, file) {
  const persistTo = copyState(importBase, dir);
  let w = await boot(persistTo, 'run-1');
  const id = await uploadOrders(w.client, file.parts);
  const importId = Number(Buffer.from(id, 'base64').toString().split(':').at(-1));
  const db = openDb(persistTo);
  const t0 = Date.now();
  ok((await w.client.post(START_ORDER_IMPORT, { input: { id } })).startOrderImport, 'startOrderImport');
  const hit = await waitUntil(
    () => {
      const i = db.get('SELECT status, step, done, total FROM order_import WHERE id = ?', importId);
      if (i.status === 'APPLYING' && i.step === 'orders' && i.done >= 1) return i;
      if (i.status === 'APPLYING' && i.step === 'volumes') return { ...i, late: true };
      if (['DONE', 'FAILED', 'REJECTED'].includes(i.status)) return { ...i, late: true };
      return null;
    },
    300_000,
    2,
  );
  if (!hit) throw new Error('the import did not reach the apply step within 5 min');
  await killGroup(w);
  const left = importState(db, importId, file);
  row.injected = `${sec(Date.now() - t0)} s after start; seen ${hit.status} ${hit.step} ${hit.done}/${hit.total}${hit.late ? ' (late)' : ''}; left ${left.state}`;
  w = await boot(persistTo, 'run-2');
  const staff = [
    () => retryJobs(w.client, /import/i),
    async () => {
      const s = await introspect(w.client);
      if (s.mutation.has('cancelOrderImport'))
        return `cancelOrderImport → ${await callById(w.client, 'cancelOrderImport', id)}`;
      return cancelJobs(w.client, /import/i);
    },
    async () => {
      const s = await introspect(w.client);
      if (s.mutation.has('retryJob') || s.mutation.has('cancelOrderImport')) return null;
      const a = (await w.client.post(START_ORDER_IMPORT, { input: { id } })).startOrderImport;
      return `startOrderImport → ${a.message ?? a.__typename}`;
    },
  ];
  const r = await recover(w, async () => importState(db, importId, file), { staff });
  row.rungs = r.rungs;
  row.recovery = r.how;
  row.outcome = r.c.state;
  await stop(w);
  const checks = importChecks(db, importId, file);
  db.close();
  row.checks = checks.text;
  row.pass = r.how !== 'not recovered' && r.c.ok && checks.consistent;
}

// ---- leads ----

let metaAppSecret;
const googleLeadId = (i) => `TeSter-${(9_007_199_254_740_993n + BigInt(i) * 7n).toString(36)}-chaos`;
const metaLeadgenId = (i) => (9_007_199_254_740_993n + BigInt(i) * 13n).toString();

function person(i) {
  return {
    first: 'Lea',
    last: `Chaos${i}`,
    email: `lea.chaos.${i}@example.dk`,
    phone: `+45 ${20_000_000 + i}`,
  };
}

/** Google Ads and website deliveries alternately, or Meta ones; `key` = how the lead is stored. */
function leadRequests(kind, n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const p = person(i);
    if (kind === 'meta') {
      const id = metaLeadgenId(i);
      const t = 1_795_000_000 + i;
      const body = `{"object":"page","entry":[{"id":"${META_PAGE}","time":${t},"changes":[{"field":"leadgen","value":{"ad_id":"120210000000000001","form_id":"555000111222333","leadgen_id":"${id}","created_time":${t},"page_id":"${META_PAGE}","adgroup_id":"120210000000000002"}}]}]}`;
      const signature = `sha256=${createHmac('sha256', metaAppSecret).update(body).digest('hex')}`;
      out.push({
        key: `META:${id}`,
        path: '/webhooks/meta',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
        body,
      });
    } else if (i % 2 === 0) {
      const columns = [
        { column_name: 'Full Name', string_value: `${p.first} ${p.last}`, column_id: 'FULL_NAME' },
        { column_name: 'User Email', string_value: p.email, column_id: 'EMAIL' },
        { column_name: 'User Phone', string_value: p.phone, column_id: 'PHONE_NUMBER' },
        { column_name: 'Country', string_value: 'DK', column_id: 'COUNTRY' },
      ];
      const body = `{"lead_id":"${googleLeadId(i)}","user_column_data":${JSON.stringify(columns)},"api_version":"1.0","form_id":${GOOGLE_FORM},"campaign_id":9223372036854775807,"adgroup_id":${9_007_199_254_740_993n + BigInt(i)},"creative_id":30000000000,"gcl_id":"EAIaIQobChMI-chaos-${i}","lead_submit_time":"2026-11-22T10:00:00Z","google_key":"${GOOGLE_KEY}","is_test":false}`;
      out.push({
        key: `GOOGLE_ADS:${googleLeadId(i)}`,
        path: '/webhooks/google-ads',
        headers: { 'content-type': 'application/json' },
        body,
      });
    } else {
      const body = JSON.stringify({
        id: `w${i}`,
        first_name: p.first,
        last_name: p.last,
        email: p.email,
        country: 'DK',
      });
      out.push({
        key: `GENERIC:${WEBSITE.name}:w${i}`,
        path: `/webhooks/leads/${WEBSITE.name}`,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${WEBSITE.secret}` },
        body,
      });
    }
  }
  return out;
}

function graphLeadFor() {
  return {
    createdTime: '2026-11-22T10:00:00+0000',
    fields: { full_name: 'Lea Chaos', email: 'lea.chaos@example.dk', country: 'DK' },
    formId: '555000111222333',
    adId: '120210000000000001',
  };
}

/** The acknowledged keys against the stored leads. */
function leadState(db, acked) {
  const stored = new Map(
    db
      .all(`SELECT source || ':' || external_id AS k, count(*) AS n FROM lead GROUP BY 1`)
      .map((r) => [r.k, r.n]),
  );
  const intakes = Object.fromEntries(
    db.all('SELECT status, count(*) AS n FROM lead_intake GROUP BY status').map((r) => [r.status, r.n]),
  );
  let lost = 0;
  for (const k of acked) if (!stored.has(k)) lost++;
  let doubled = 0;
  let unexpected = 0;
  for (const [k, n] of stored) {
    doubled += n - 1;
    if (!acked.has(k)) unexpected++;
  }
  const intakeText = Object.entries(intakes)
    .map(([s, n]) => `${s} ${n}`)
    .join(', ');
  return {
    ok: lost === 0 && !intakes.PENDING,
    lost,
    doubled,
    unexpected,
    state: `${acked.size - lost}/${acked.size} acknowledged leads stored; intakes ${intakeText || 'none'}`,
  };
}

const TRICKLE_RATE = 2;

/**
 * Sends `requests` at `rate`/s (open loop); with `trickleUntil` (a promise's deadline in ms since the epoch)
 * the requests left over then go at TRICKLE_RATE/s until 1 s before it: webhooks keep arriving through an
 * outage, and the late ones meet a short queue backlog (a long one spreads the consumer's retries thin).
 */
async function burst(w, requests, { count, onStart, afterFirst, trickleUntil } = {}) {
  const target = (await directWorkerUrl(w, port)) ?? w.base;
  const first = requests.slice(0, count ?? requests.length);
  const run = runOpenLoop({ base: target, requests: first, rate, connections: 64, timeoutMs: 20_000 });
  onStart?.();
  const results = [...(await run).results];
  afterFirst?.();
  let trickled = [];
  const until = trickleUntil?.();
  if (until) {
    const n = Math.min(
      requests.length - first.length,
      Math.floor(((until - 1000 - Date.now()) / 1000) * TRICKLE_RATE),
    );
    if (n > 0) {
      trickled = requests.slice(first.length, first.length + n);
      const t = await runOpenLoop({
        base: target,
        requests: trickled,
        rate: TRICKLE_RATE,
        connections: 4,
        timeoutMs: 20_000,
      });
      results.push(...t.results);
    }
  }
  const acked = new Set();
  const trickleAcked = new Set();
  const statuses = {};
  for (const [i, r] of results.entries()) {
    statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    if (r.status === 200 && /"accepted"/.test(r.body)) {
      acked.add(requests[i].key);
      if (i >= first.length) trickleAcked.add(requests[i].key);
    }
  }
  return { acked, trickleAcked, trickled: trickled.length, statuses };
}

const statusText = (s) =>
  Object.entries(s)
    .map(([k, n]) => `${k === '0' ? 'no answer' : k} ×${n}`)
    .join(', ');

async function leadRecovery(row, w, db, acked, trickleAcked = new Set()) {
  const staff = [
    () => retryJobs(w.client, /lead/i),
    () => replayDeadLetters(w.client),
    () => retryFailedIntakes(w.client),
  ];
  const r = await recover(w, async () => leadState(db, acked), { staff, selfMs: 60_000 });
  row.rungs = r.rungs;
  const s = leadState(db, acked);
  row.recovery =
    s.lost > 0 ? `not recovered (${s.lost} lost)` : r.c.ok ? r.how : `${r.how} (intakes still pending)`;
  row.outcome = s.state;
  let lateLost = 0;
  if (trickleAcked.size) {
    const stored = new Set(db.all(`SELECT source || ':' || external_id AS k FROM lead`).map((r) => r.k));
    for (const k of trickleAcked) if (!stored.has(k)) lateLost++;
  }
  row.checks = `lost ${s.lost} of ${acked.size} acknowledged${trickleAcked.size ? ` (burst ${s.lost - lateLost} of ${acked.size - trickleAcked.size}, trickle ${lateLost} of ${trickleAcked.size})` : ''}, doubled ${s.doubled}${s.unexpected ? `, ${s.unexpected} not acknowledged but stored` : ''}`;
  row.pass = s.lost === 0 && s.doubled === 0;
}

async function leadKill(row, dir, leadBase) {
  const persistTo = copyState(leadBase, dir);
  let w = await boot(persistTo, 'run-1', { quiet: true });
  const requests = leadRequests('web', leadCount);
  const killAfterMs = (leadCount / rate / 2) * 1000;
  let killedAt = null;
  const { acked, statuses } = await burst(w, requests, {
    onStart: () =>
      setTimeout(() => {
        killedAt = Date.now();
        killGroup(w);
      }, killAfterMs),
  });
  while (killedAt == null) await sleep(50);
  await stop(w);
  row.injected = `${sec(killAfterMs)} s into ${leadCount} Google + website webhooks at ${rate}/s; answers: ${statusText(statuses)}`;
  w = await boot(persistTo, 'run-2', { quiet: true });
  const db = openDb(persistTo);
  try {
    await leadRecovery(row, w, db, acked);
  } finally {
    db.close();
  }
}

/**
 * An outage, then `outageLeads` webhooks at `rate`/s from 0.5 s into it and 2/s after them until its last
 * second. (A burst of thousands queued ahead of the retries would spread every message's attempts over
 * minutes on the one-batch-at-a-time local queue and hide what a short backlog shows.)
 */
async function outageBurst(w, requests, outageMs) {
  const endsAt = Date.now() + outageMs;
  await sleep(500);
  return burst(w, requests, { count: outageLeads, trickleUntil: () => endsAt });
}

async function leadLock(row, dir, leadBase) {
  const persistTo = copyState(leadBase, dir);
  const w = await boot(persistTo, 'run-1', { quiet: true });
  const requests = leadRequests('web', outageLeads + Math.ceil((lockMs / 1000) * TRICKLE_RATE));
  let lock;
  let endsAt;
  // Every D1 call fails while locked (reads too: a D1 session writes its commit token), so a webhook sent
  // then is answered 500 and never acknowledged: the lock starts once the burst is answered, while the
  // queue consumer works on it; the trickle shows what the senders meet meanwhile.
  const { acked, trickleAcked, trickled, statuses } = await burst(w, requests, {
    count: outageLeads,
    afterFirst: () => {
      endsAt = Date.now() + lockMs;
      lock = lockD1(persistTo, lockMs);
    },
    trickleUntil: () => endsAt,
  });
  const held = await lock;
  row.injected = `as soon as ${outageLeads} Google + website webhooks at ${rate}/s were answered; held ${sec(held.heldMs)} s; ${trickled} more at ${TRICKLE_RATE}/s meanwhile; answers: ${statusText(statuses)}`;
  const db = openDb(persistTo);
  try {
    await leadRecovery(row, w, db, acked, trickleAcked);
  } finally {
    db.close();
  }
}

async function graphFail(row, dir, leadBase, graph, seconds) {
  const persistTo = copyState(leadBase, dir);
  const w = await boot(persistTo, 'run-1', { quiet: true });
  const requests = leadRequests('meta', outageLeads + Math.ceil(seconds * TRICKLE_RATE));
  const failedBefore = graph.failed;
  graph.failFor(seconds * 1000);
  const outage = sleep(seconds * 1000);
  const { acked, trickleAcked, trickled, statuses } = await outageBurst(w, requests, seconds * 1000);
  await outage;
  row.injected = `Graph down ${seconds} s; from 0.5 s into it ${outageLeads} Meta webhooks at ${rate}/s${trickled ? `, then ${trickled} at ${TRICKLE_RATE}/s` : ''}; ${graph.failed - failedBefore} Graph calls answered 500; answers: ${statusText(statuses)}`;
  const db = openDb(persistTo);
  try {
    await leadRecovery(row, w, db, acked, trickleAcked);
  } finally {
    db.close();
  }
}

// ---- report ----

function renderTable() {
  const head = ['Experiment', 'Fault', 'Injected', 'Recovered', 'Outcome', 'Checks', 'Target met'];
  const esc = (s) => String(s).replaceAll('|', '\\|').replaceAll('\n', ' ');
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => ' --- ').join('|')}|`,
    ...rows.map(
      (r) =>
        `| ${[r.id, r.fault, r.injected, r.recovery, r.outcome, r.checks, r.pass ? 'yes' : '**no**'].map(esc).join(' | ')} |`,
    ),
  ].join('\n');
}

function renderMarkdown(report) {
  return `# Chaos benchmark (${report.ranAt})

Produced by \`npm run bench:chaos\` (bench/chaos.mjs): \`${report.command}\`; code ${report.commit};
${report.machine}; ${report.minutes} min in all.

Each experiment runs the worker under \`wrangler dev\` on its own copy of a prepared local D1 state, injects
one fault from outside and then tries, in order: waiting (**by itself**), the hourly cron fired with a
scheduled time 21 min ahead (**watchdog**: \`/cdn-cgi/local/scheduled?cron=0+*+*+*+*&time=<ms>\`; Miniflare
takes \`time\` as the scheduled time), and what the GraphQL schema offers **staff** (found by introspection:
retryJob / cancelJob, replayDeadLetter, retryLeadIntake, cancelOrderImport; else the old entry points, whose
answers are shown). A rung ends at the end state, or once the state has not changed for --settle-s
(${report.settleS ?? 10} s), or at its time limit (60 s waiting, 45 s after the cron, 90 s per staff action): a
retry whose backoff is longer than that is credited to a later rung. Nothing edits the database by hand: a
row that would need it says "not recovered".
Sizes: ${report.sizes}.

- Kills are SIGKILL to wrangler's whole process group (wrangler, its proxy and workerd), timed by polling the D1
  file (node:sqlite, read-only) every few ms; "seen" is the state that triggered the kill, "left" what the
  restart found. The local queue keeps its messages in memory: a kill loses every message not yet acknowledged.
- The D1 lock is \`BEGIN EXCLUSIVE\` on the D1 file, held from this process: every D1 call of the worker
  fails with SQLITE_BUSY, reads too (a D1 session writes its commit token). A webhook that needs D1 is then
  answered 500 (not acknowledged: the sender retries); one whose configuration is cached is answered 200.
- The watchdog's scheduled time: Miniflare's \`/cdn-cgi/local/scheduled\` takes \`time=<ms>\` as the
  controller's scheduledTime (miniflare entry.worker.js; wrangler's \`--test-scheduled\` /__scheduled does
  not serve the no_bundle snapshot). Seen working in a trial run of lead-lock: the cron re-enqueued 10
  intakes a few seconds old as "PENDING for 15 min", and they were stored.
- Outage experiments send a short burst, not thousands: the local queue runs one batch at a time, so
  thousands queued ahead of the retries spread each message's attempts over minutes and hide what a short
  backlog shows (the issue's 100 webhooks). The bundle is served without its source map: wrangler dev
  source-maps every logged error stack, which made a failing consumer crawl (--source-maps keeps it).

${renderTable()}

Recovery steps per experiment:
${rows.map((r) => `- ${r.id}: ${r.rungs.join(' → ') || '–'} (${r.seconds} s)`).join('\n')}
`;
}

function save() {
  const report = {
    ranAt: new Date(started).toISOString(),
    command: `npm run bench:chaos${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    commit,
    machine: `${cpus().length}× ${cpus()[0]?.model.trim() ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}, load ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
    minutes: +((Date.now() - started) / 60_000).toFixed(1),
    settleS: settleMs / 1000,
    sizes: `close and import ${members.toLocaleString('en-US')} members, ${orderCount.toLocaleString('en-US')} orders; kill during a burst of ${leadCount.toLocaleString('en-US')} Google + website webhooks at ${rate}/s; outages: ${outageLeads} webhooks at ${rate}/s (D1 lock: locked once they are answered; Graph: from 0.5 s into the outage), then ${TRICKLE_RATE}/s until its last second; D1 lock ${lockMs / 1000} s; period ${PERIOD}`,
    rows,
  };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(`bench/results/${args.out}.json`, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(`bench/results/${args.out}.md`, renderMarkdown(report));
}

// ---- main ----

if (args['report-only']) {
  // Re-renders bench/results/<out>.md from its JSON (no run).
  const report = JSON.parse(readFileSync(`bench/results/${args.out}.json`, 'utf8'));
  rows.push(...report.rows);
  writeFileSync(`bench/results/${args.out}.md`, renderMarkdown(report));
  rmSync(TMP, { recursive: true, force: true });
  log(`written to bench/results/${args.out}.md`);
  process.exit(0);
}

let config;
let graph;
try {
  log(`bundling the worker (${commit}) ...`);
  config = await snapshotWorker(BUILD, args.worktree ? 'worktree' : 'HEAD');
  if (!args['source-maps']) {
    // wrangler dev source-maps every logged error stack (~0.1 s each on the 11 MB bundle): a failing consumer
    // then crawls, and its retries outlast an outage as they would not in production.
    rmSync(join(BUILD, 'dist', 'index.js.map'), { force: true });
    const bundle = join(BUILD, 'dist', 'index.js');
    writeFileSync(bundle, readFileSync(bundle, 'utf8').replace(/\n\/\/# sourceMappingURL=.*\s*$/, '\n'));
  }
  writeFileSync(
    config,
    readFileSync(config, 'utf8').replace(
      /^GRAPH_API_BASE\s*=.*$/m,
      `GRAPH_API_BASE = "http://127.0.0.1:${graphPort}/v21.0"`,
    ),
  );
  const vars = (() => {
    try {
      return readFileSync(join(config, '..', '.dev.vars'), 'utf8');
    } catch {
      return '';
    }
  })();
  const pick = (text) => /^\s*META_APP_SECRET\s*=\s*"([^"]*)"/m.exec(text)?.[1];
  metaAppSecret = pick(vars) ?? pick(readFileSync(config, 'utf8'));
  log(`state in ${TMP}; experiments: ${selected.join(', ')}`);

  const wantsCommerce = selected.some((id) => id.startsWith('close') || id.startsWith('import'));
  const wantsLeads = selected.some((id) => id.startsWith('lead') || id.startsWith('graph'));
  const commerce = wantsCommerce ? await prepareCommerceBases() : null;
  const leadBase = wantsLeads ? await prepareLeadBase() : null;
  if (wantsLeads) graph = await startFakeGraph({ port: graphPort, token: META_TOKEN, leadFor: graphLeadFor });
  const clean = selected.some((id) => id.startsWith('close')) ? await cleanClose(commerce.closeBase) : null;

  for (const step of ['snapshot', 'compute', 'write'])
    await experiment(
      `close-kill-${step}`,
      `kill -9 of wrangler dev in the close's ${step} step`,
      (row, dir) => closeKill(row, dir, commerce.closeBase, clean, step),
    );
  await experiment('close-lock', `D1 locked ${lockMs / 1000} s during a close`, (row, dir) =>
    closeLock(row, dir, commerce.closeBase, clean),
  );
  await experiment('import-kill', `kill -9 while an order import applies`, (row, dir) =>
    importKill(row, dir, commerce.importBase, commerce.file),
  );
  await experiment('lead-kill', `kill -9 during a lead burst at ${rate}/s`, (row, dir) =>
    leadKill(row, dir, leadBase),
  );
  await experiment('lead-lock', `D1 locked ${lockMs / 1000} s during a lead burst`, (row, dir) =>
    leadLock(row, dir, leadBase),
  );
  for (const s of graphFails)
    await experiment(`graph-fail-${s}s`, `Graph API failing ${s} s during a Meta lead burst`, (row, dir) =>
      graphFail(row, dir, leadBase, graph, s),
    );
  save();
  log(`\n${renderTable()}\n\n${sec(Date.now() - started)} s in all; written to bench/results/${args.out}.md`);
  if (rows.some((r) => !r.pass)) process.exitCode = 1;
} finally {
  for (const w of [...live]) await stop(w);
  if (graph) await Promise.race([graph.close(), sleep(2000)]);
  if (!args['keep-state']) {
    rmSync(TMP, { recursive: true, force: true });
    rmSync(BUILD, { recursive: true, force: true });
  } else log(`state kept in ${TMP} (worker build in ${BUILD})`);
}
