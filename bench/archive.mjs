// npm run bench:archive [-- --size 10000] [--periods 12] [--port 8822] [--runs 15] [--keep-state]
//
// Archiving committed periods (issue 14 §6) in local workerd. Data: bench:close's kept state of `size` members
// (bench/.state/close-<size>/unilevel-ranks, made by running `bench/close.mjs --keep-state` first when missing:
// the network, `per-member` orders paid in last month, the month closed to REVIEW). On a copy: migrate, commit the
// period through the API, then copy its rows (orders, order lines, payments, volumes, snapshot, results,
// commission lines, ledger entries) into `periods` earlier months under other ids — committed copies of the same
// month, so that a copy's answers must equal the original's. Measured with node:sqlite on the D1 file (dbstat):
// the file and each table's bytes after the close, after the commit and with 1 + `periods` committed periods
// live (the bytes one period adds, per table). Then, in the worker: horizon 1, each copy archived through
// archiveCommissionPeriod (the tracked job) one after the other, timed to ARCHIVED; the live pages after; and
// `runs` times each, alternating, a statement (with its lines) and an explain of the same members on the live
// period and on an archived copy. Results: bench/results/archive.{json,md}.

import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { parseArgs } from 'node:util';
import { createClient, globalId, pbkdf2Hash } from './lib/client.mjs';
import { codeVersion, d1File, load1, machine } from './lib/machine.mjs';
import { LOGIN } from './lib/queries.mjs';
import { summarize } from './lib/stats.mjs';
import { applyMigrations, snapshotWorker, startWorker } from './lib/wrangler.mjs';

const { values: args } = parseArgs({
  options: {
    size: { type: 'string', default: '10000' },
    periods: { type: 'string', default: '12' },
    port: { type: 'string', default: '8822' },
    runs: { type: 'string', default: '15' },
    'keep-state': { type: 'boolean', default: false },
  },
});
const size = Number(args.size);
const periods = Number(args.periods);
const port = Number(args.port);
const runs = Number(args.runs);
if (!(Number.isInteger(size) && size >= 200)) throw new Error('--size: a whole number ≥ 200');
if (!(Number.isInteger(periods) && periods >= 1 && periods <= 24)) throw new Error('--periods: 1 to 24');

const STATE = 'bench/.state';
const CLOSE_STATE = join(STATE, `close-${size}`, 'unilevel-ranks', 'd1');
const WORK = resolve(STATE, `archive-${size}`);
const BUILD = resolve(STATE, `archive-build-${size}`);
const RESULTS_JSON = 'bench/results/archive.json';
const RESULTS_MD = 'bench/results/archive.md';
const STAFF = { email: 'bench-archive@example.com', password: `bench-${Date.now()}-archive` };
const log = (line) => console.log(line);
const mb = (bytes) => +(bytes / 2 ** 20).toFixed(1);
const sec = (ms) => +(ms / 1000).toFixed(1);

// ---- the closed period: bench:close's kept state ----

if (!existsSync(CLOSE_STATE)) {
  log(`no ${CLOSE_STATE}: running bench:close --keep-state for ${size} members first`);
  // bench:close rewrites its own results: they are put back as they were (this is not a close measurement).
  const kept = ['bench/results/close.json', 'bench/results/close.md'].map((f) => [
    f,
    existsSync(f) ? readFileSync(f) : null,
  ]);
  try {
    execFileSync(
      process.execPath,
      [
        'bench/close.mjs',
        '--sizes',
        String(size),
        '--plans',
        'unilevel-ranks',
        '--port',
        String(port),
        '--keep-state',
      ],
      { stdio: 'inherit' },
    );
  } finally {
    for (const [f, bytes] of kept) if (bytes) writeFileSync(f, bytes);
  }
}
rmSync(WORK, { recursive: true, force: true });
mkdirSync(WORK, { recursive: true });
const persistTo = join(WORK, 'd1');
cpSync(CLOSE_STATE, persistTo, { recursive: true });
// The code measured is the one bundled now (a commit made during the run is not in it).
const commit = codeVersion();
log(`bundling the worker (${commit}) ...`);
const config = await snapshotWorker(BUILD);
await applyMigrations(config, persistTo);
const file = d1File(persistTo);

// ---- sizes, from the file ----

/** Opens the D1 file, waiting while the stopped worker's workerd still holds it. */
function open(readOnly) {
  for (let attempt = 0; ; attempt++) {
    const db = new DatabaseSync(file, { readOnly });
    try {
      db.prepare('SELECT count(*) FROM sqlite_schema').get();
      return db;
    } catch (e) {
      db.close();
      if (attempt >= 60 || !/locked|busy/i.test(String(e))) throw e;
      execFileSync('sleep', ['1']);
    }
  }
}

function sizes() {
  const db = open(true);
  try {
    const pageSize = Number(db.prepare('PRAGMA page_size').get().page_size);
    const pages = Number(db.prepare('PRAGMA page_count').get().page_count);
    const free = Number(db.prepare('PRAGMA freelist_count').get().freelist_count);
    const owner = new Map(
      db
        .prepare("SELECT name, tbl_name FROM sqlite_schema WHERE type IN ('table', 'index')")
        .all()
        .map((r) => [r.name, r.tbl_name]),
    );
    const tables = {};
    for (const r of db.prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name').all()) {
      const t = owner.get(r.name) ?? r.name;
      tables[t] = (tables[t] ?? 0) + Number(r.bytes);
    }
    const rows = {};
    for (const t of [
      'sales_order',
      'order_line',
      'payment',
      'volume',
      'period_result',
      'commission_line',
      'period_snapshot_chunk',
      'ledger_entry',
    ])
      rows[t] = Number(db.prepare(`SELECT count(*) AS n FROM ${t}`).get().n);
    return {
      fileBytes: statSync(file).size,
      liveBytes: (pages - free) * pageSize,
      freeBytes: free * pageSize,
      tables,
      rows,
    };
  } finally {
    db.close();
  }
}

function withDb(run) {
  const db = open(false);
  try {
    return run(db);
  } finally {
    db.close();
  }
}

const PERIOD = withDb(
  (db) => db.prepare("SELECT id FROM commission_period WHERE status = 'REVIEW'").get().id,
);
const addMonths = (p, n) => {
  const [y, m] = p.split('-').map(Number);
  const t = y * 12 + (m - 1) + n;
  return `${Math.floor(t / 12)}-${String((t % 12) + 1).padStart(2, '0')}`;
};
const copies = Array.from({ length: periods }, (_, k) => addMonths(PERIOD, -(k + 1)));

withDb((db) =>
  db
    .prepare(
      "INSERT INTO staff_user (email, name, role, password_hash, created_at) VALUES (?, 'Archive bench', 'ADMIN', ?, ?)",
    )
    .run(STAFF.email, pbkdf2Hash(STAFF.password), new Date().toISOString()),
);
const afterClose = sizes();
log(`after the close of ${PERIOD}: ${mb(afterClose.fileBytes)} MB file`);

// ---- the worker ----

async function login(base) {
  const client = createClient(base);
  const r = (await client.post(LOGIN, { input: STAFF })).login;
  if (!r.session) throw new Error(`login failed: ${JSON.stringify(r)}`);
  client.setToken(r.session.token);
  return client;
}

function ok(result, what) {
  if (!result.__typename.endsWith('Success'))
    throw new Error(`${what}: ${result.__typename}: ${result.message ?? JSON.stringify(result)}`);
  return result;
}

async function withWorker(name, run) {
  const worker = await startWorker({ config, port, persistTo, logFile: join(WORK, `${name}.log`) });
  try {
    return await run(await login(worker.base));
  } finally {
    await worker.stop();
  }
}

const PERIOD_STATUS = `query($p: String!) { commissionPeriod(period: $p) { status } }`;
const commitMs = await withWorker('commit', async (client) => {
  const t0 = performance.now();
  ok(
    (
      await client.post(
        `mutation($input: CommitPeriodInput!) { commitPeriod(input: $input) { __typename ... on Error { message } } }`,
        { input: { period: PERIOD } },
      )
    ).commitPeriod,
    'commitPeriod',
  );
  const status = (await client.post(PERIOD_STATUS, { p: PERIOD })).commissionPeriod.status;
  if (status !== 'COMMITTED') throw new Error(`${PERIOD} is ${status} after commitPeriod`);
  return performance.now() - t0;
});
const afterCommit = sizes();
log(`committed in ${sec(commitMs)} s: ${mb(afterCommit.fileBytes)} MB file`);

// ---- copies of the committed period under earlier ids ----

const OFFSET = 100_000_000;
function copyPeriod(db, target, k) {
  const columns = (t) =>
    db
      .prepare(`PRAGMA table_info(${t})`)
      .all()
      .map((c) => c.name);
  const copy = (table, where, replace, params = []) => {
    const cols = columns(table);
    const select = cols.map((c) => replace[c] ?? c).join(', ');
    db.prepare(`INSERT INTO ${table} (${cols.join(', ')}) SELECT ${select} FROM ${table} WHERE ${where}`).run(
      ...params,
    );
  };
  const p = `'${target}'`;
  const o = `${k * OFFSET}`;
  copy('commission_period', 'id = ?', { id: p, status: "'COMMITTED'" }, [PERIOD]);
  copy('period_snapshot_chunk', 'period_id = ?', { period_id: p }, [PERIOD]);
  copy('period_result', 'period_id = ?', { period_id: p }, [PERIOD]);
  copy('commission_line', 'period_id = ?', { period_id: p }, [PERIOD]);
  copy('volume', 'period = ?', { period: p }, [PERIOD]);
  copy(
    'ledger_entry',
    'period_id = ? AND kind = ?',
    { id: `id + ${o}`, period_id: p, dedupe_key: `dedupe_key || '-${target}'` },
    [PERIOD, 'COMMISSION'],
  );
  copy(
    'sales_order',
    'period = ?',
    { id: `id + ${o}`, period: p, external_id: `external_id || '-${target}'`, idempotency_key: 'NULL' },
    [PERIOD],
  );
  copy(
    'payment',
    'order_id IN (SELECT id FROM sales_order WHERE period = ?)',
    { order_id: `order_id + ${o}` },
    [PERIOD],
  );
  copy(
    'order_line',
    'order_id IN (SELECT id FROM sales_order WHERE period = ?)',
    { id: `id + ${o}`, order_id: `order_id + ${o}` },
    [PERIOD],
  );
}
const t0 = performance.now();
withDb((db) => {
  // A large page cache (the indexes take random keys), and a commit per copy so that the WAL is checkpointed
  // between them instead of holding every copy's pages at once (at 1M, 12 copies are ~17 GB).
  db.exec('PRAGMA cache_size = -2000000');
  for (const [k, target] of copies.entries()) {
    db.exec('BEGIN');
    copyPeriod(db, target, k + 1);
    db.exec('COMMIT');
    log(`  copy ${k + 1} of ${periods} (${target}) after ${sec(performance.now() - t0)} s`);
  }
});
const copyMs = performance.now() - t0;
const allLive = sizes();
log(
  `${periods} copies in ${sec(copyMs)} s: ${mb(allLive.fileBytes)} MB file with ${periods + 1} committed periods live`,
);

// Members to read: the top earners and a spread of members with lines, the same on both periods.
const sample = withDb((db) => {
  const top = db
    .prepare('SELECT distributor_id AS id FROM period_result WHERE period_id = ? ORDER BY total DESC LIMIT 5')
    .all(PERIOD)
    .map((r) => Number(r.id));
  const spread = db
    .prepare(
      `SELECT distributor_id AS id FROM (SELECT DISTINCT distributor_id FROM commission_line WHERE period_id = ? AND bonus <> 'RETAIL')
       ORDER BY (distributor_id * 2654435761) % 1000003 LIMIT 15`,
    )
    .all(PERIOD)
    .map((r) => Number(r.id));
  return [...new Set([...top, ...spread])];
});

// ---- archive and read ----

const ARCHIVE = `mutation($input: ArchiveCommissionPeriodInput!) { archiveCommissionPeriod(input: $input) { __typename
  ... on MutationArchiveCommissionPeriodSuccess { archive { status } } ... on Error { message } } }`;
const PERIOD_ARCHIVE = `query($p: String!) { periodArchive(period: $p) { status parts { part rows } } }`;
const STATEMENT = `query($id: ID!, $p: String!) { distributor(id: $id) { statement(period: $p) { total payout
  lines { component level volume amount } } } }`;
// The explain of each member's first non-retail line (a member's subtree), first page of 50 contributions.
const EXPLAIN = `query($id: ID!, $p: String!) { distributor(id: $id) { statement(period: $p) {
  lines { component amount explain(first: 50) { totalCount volume matchesLine edges { node { level volume } } } } } } }`;

const result = await withWorker('archive', async (client) => {
  ok(
    (
      await client.post(
        `mutation { updateArchiveHorizon(input: { periods: 1 }) { __typename ... on Error { message } } }`,
      )
    ).updateArchiveHorizon,
    'updateArchiveHorizon',
  );
  // Answers before archiving, to compare.
  const answer = async (query, id, p) =>
    JSON.stringify((await client.post(query, { id: globalId(id), p })).distributor);
  const reference = {};
  for (const id of sample)
    reference[id] = [await answer(STATEMENT, id, copies[0]), await answer(EXPLAIN, id, copies[0])];

  const archiveMs = {};
  let parts;
  const all0 = performance.now();
  for (const p of copies) {
    const start = performance.now();
    ok((await client.post(ARCHIVE, { input: { period: p } })).archiveCommissionPeriod, `archive ${p}`);
    for (;;) {
      const a = (await client.post(PERIOD_ARCHIVE, { p })).periodArchive;
      if (a?.status === 'ARCHIVED') {
        parts = a.parts;
        break;
      }
      if (performance.now() - start > 30 * 60_000) throw new Error(`${p} not archived after 30 min`);
      await new Promise((r) => setTimeout(r, 250));
    }
    archiveMs[p] = Math.round(performance.now() - start);
    log(`  ${p} archived in ${sec(archiveMs[p])} s`);
  }
  const totalArchiveMs = Math.round(performance.now() - all0);

  // Same answers from the archive.
  let same = 0;
  for (const id of sample) {
    const now = [await answer(STATEMENT, id, copies[0]), await answer(EXPLAIN, id, copies[0])];
    if (now[0] !== reference[id][0] || now[1] !== reference[id][1])
      throw new Error(`member ${id}: the archived answer differs from the live one`);
    same++;
  }

  // Timings: alternating live / archived, each member in turn.
  const timings = { statementLive: [], statementArchived: [], explainLive: [], explainArchived: [] };
  // A read that fails is counted and reported, not timed (at 100k, local workerd now and then answered one
  // with SQLITE_BUSY_SNAPSHOT from its own storage); the run goes on.
  const readErrors = {};
  const time = async (query, id, p, kind) => {
    const t = performance.now();
    try {
      await client.post(query, { id: globalId(id), p });
    } catch (e) {
      readErrors[kind] = (readErrors[kind] ?? 0) + 1;
      log(`  ${kind} of member ${id} failed: ${String(e).slice(0, 200)}`);
      return null;
    }
    return performance.now() - t;
  };
  const push = (kind, ms) => {
    if (ms !== null) timings[kind].push(ms);
  };
  for (let r = 0; r < runs; r++)
    for (const id of sample) {
      push('statementLive', await time(STATEMENT, id, PERIOD, 'statementLive'));
      push('statementArchived', await time(STATEMENT, id, copies[0], 'statementArchived'));
      if (r < Math.max(3, Math.ceil(runs / 3))) {
        push('explainLive', await time(EXPLAIN, id, PERIOD, 'explainLive'));
        push('explainArchived', await time(EXPLAIN, id, copies[0], 'explainArchived'));
      }
    }
  const round = (s) =>
    Object.fromEntries(Object.entries(s).map(([k, v]) => [k, typeof v === 'number' ? +v.toFixed(1) : v]));
  return {
    archiveMs,
    totalArchiveMs,
    parts,
    sameAnswers: same,
    readErrors,
    reads: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, round(summarize(v))])),
  };
});
// The archive job's step lines (src/modules/archive/job.ts): where each period's time went.
result.steps = readFileSync(join(WORK, 'archive.log'), 'utf8')
  .split('\n')
  .filter((l) => l.startsWith('[archive] '));
const afterArchive = sizes();
const archiveBytes = withDb((db) =>
  Number(db.prepare('SELECT coalesce(sum(bytes), 0) AS b FROM archive_chunk').get().b),
);
log(
  `archived: ${mb(afterArchive.liveBytes)} MB of live pages (file ${mb(afterArchive.fileBytes)} MB), ${mb(archiveBytes)} MB in R2`,
);

// ---- per-period growth and projection ----

const perPeriod = {};
for (const [t, bytes] of Object.entries(allLive.tables)) {
  const grew = (bytes - (afterCommit.tables[t] ?? 0)) / periods;
  if (grew > 0) perPeriod[t] = Math.round(grew);
}
const perPeriodBytes = Object.values(perPeriod).reduce((s, b) => s + b, 0);
const archivedPerPeriod = {};
for (const [t, bytes] of Object.entries(allLive.tables)) {
  const gone = (bytes - (afterArchive.tables[t] ?? 0)) / periods;
  if (gone > 0) archivedPerPeriod[t] = Math.round(gone);
}
const keptPerPeriod = perPeriodBytes - Object.values(archivedPerPeriod).reduce((s, b) => s + b, 0);
const base = afterCommit.liveBytes - perPeriodBytes;
const project = (n, perPeriodLive) => mb(base + n * perPeriodLive);
const out = {
  size,
  period: PERIOD,
  periods,
  sample: sample.length,
  runs,
  commitMs: Math.round(commitMs),
  copyMs: Math.round(copyMs),
  sizes: { afterClose, afterCommit, allLive, afterArchive },
  archiveBytes,
  perPeriod,
  perPeriodBytes,
  archivedPerPeriod,
  keptPerPeriod,
  projection: {
    baseMb: mb(base),
    allLive: { 24: project(24, perPeriodBytes), 60: project(60, perPeriodBytes) },
    horizon12: {
      24: mb(base + 12 * perPeriodBytes + 12 * keptPerPeriod),
      60: mb(base + 12 * perPeriodBytes + 48 * keptPerPeriod),
    },
  },
  ...result,
  ranAt: new Date().toISOString(),
  load1m: load1(),
  commit,
  machine,
};

// ---- report ----

const results = existsSync(RESULTS_JSON) ? JSON.parse(readFileSync(RESULTS_JSON, 'utf8')) : { sizes: {} };
results.sizes[String(size)] = out;
writeFileSync(RESULTS_JSON, `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(RESULTS_MD, renderMarkdown(results));
if (!args['keep-state']) {
  rmSync(WORK, { recursive: true, force: true });
  rmSync(BUILD, { recursive: true, force: true });
}
log(`\nwritten to ${RESULTS_MD}`);

function renderMarkdown(all) {
  const list = Object.values(all.sizes).sort((a, b) => a.size - b.size);
  const row = (label, f) => `| ${label} | ${list.map(f).join(' | ')} |`;
  const head = `| | ${list.map((r) => `${r.size.toLocaleString('en-US')} members`).join(' | ')} |\n|---|${list.map(() => '---:').join('|')}|`;
  const ms = (s) => `${s.median} ms (p95 ${s.p95})`;
  const tables = [...new Set(list.flatMap((r) => Object.keys(r.perPeriod)))].sort(
    (a, b) => (list.at(-1).perPeriod[b] ?? 0) - (list.at(-1).perPeriod[a] ?? 0),
  );
  return `# bench:archive — committed periods moved to R2 (issue 14 §6)

\`npm run bench:archive -- --size N --periods 12\`: bench:close's closed period (3 orders per member paid in the month),
committed through the API, copied into ${list[0]?.periods ?? 12} earlier months (committed copies of the same month's rows under
other ids), then each copy archived through \`archiveCommissionPeriod\` (the tracked job: write chunks, read them back,
delete the live rows) one after the other with a horizon of 1. Sizes from node:sqlite \`dbstat\` on the D1 file
(tables with their indexes). Reads: the same members' statement (with lines) and explain (first non-retail line… every
line's first 50 contributions) on the live period and on an archived copy, alternating; the archived answers were
checked equal to the live ones before timing.

${head}
${row('D1 file after the close (REVIEW)', (r) => `${mb(r.sizes.afterClose.fileBytes)} MB`)}
${row('after the commit (1 committed period)', (r) => `${mb(r.sizes.afterCommit.liveBytes)} MB`)}
${row('one more committed period adds', (r) => `${mb(r.perPeriodBytes)} MB`)}
${row(`with 1 + N committed periods live`, (r) => `${mb(r.sizes.allLive.liveBytes)} MB (N = ${r.periods})`)}
${row('projected, 24 periods all live', (r) => `${r.projection.allLive[24]} MB`)}
${row('projected, 60 periods all live', (r) => `${r.projection.allLive[60]} MB`)}
${row('after archiving the N copies (live pages)', (r) => `${mb(r.sizes.afterArchive.liveBytes)} MB (file ${mb(r.sizes.afterArchive.fileBytes)} MB until VACUUM)`)}
${row('an archived period keeps live', (r) => `${mb(r.keptPerPeriod)} MB`)}
${row('projected, 60 periods, horizon 12', (r) => `${r.projection.horizon12[60]} MB`)}
${row('archive objects per period (R2)', (r) => `${mb(r.archiveBytes / r.periods)} MB`)}
${row('commit of the period', (r) => `${sec(r.commitMs)} s`)}
${row('archive one period (median of N)', (r) => `${sec(summarize(Object.values(r.archiveMs)).median)} s`)}
${row('archive all N, one after the other', (r) => `${sec(r.totalArchiveMs)} s`)}
${row('statement read, live', (r) => ms(r.reads.statementLive))}
${row('statement read, archived', (r) => ms(r.reads.statementArchived))}
${row('explain, live', (r) => ms(r.reads.explainLive))}
${row('explain, archived', (r) => ms(r.reads.explainArchived))}

Bytes one committed period adds, per table (and its indexes), and what archiving takes out of D1:

| table | ${list.map((r) => `${r.size.toLocaleString('en-US')}: adds`).join(' | ')} | ${list.map((r) => `${r.size.toLocaleString('en-US')}: archived`).join(' | ')} |
|---|${list.map(() => '---:').join('|')}|${list.map(() => '---:').join('|')}|
${tables.map((t) => `| ${t} | ${list.map((r) => `${mb(r.perPeriod[t] ?? 0)} MB`).join(' | ')} | ${list.map((r) => `${mb(r.archivedPerPeriod[t] ?? 0)} MB`).join(' | ')} |`).join('\n')}

Runs: ${list.map((r) => `${r.size.toLocaleString('en-US')}: period ${r.period}, ${r.sample} members × ${r.runs} statement runs, ${r.ranAt}, code ${r.commit}, ${r.machine}, 1-min load ${r.load1m}${Object.keys(r.readErrors ?? {}).length ? `, reads failed and not timed: ${JSON.stringify(r.readErrors)}` : ''}`).join('; ')}.
`;
}
