// npm run bench:search [-- --size 1000000] [--runs 200] [--port 8799] [--keep-state] [--reuse]
//
// People search at scale: generates `size` people (70 % distributors in a realistic sponsor + binary
// placement network, 25 % customers, 5 % prospects) as SQL files, loads them into a local D1 with
// `wrangler d1 execute --file` (the CRM triggers build the FTS5 index as rows arrive, as in production),
// serves a bundled snapshot of the worker with `wrangler dev`, and times `runs` searchPeople requests through
// GraphQL over loopback for a distributor with a big team, one with a small team, and staff. Results go to
// stdout and bench/results/people-search.{md,json}; the state directory is deleted afterwards.

import { execFile } from 'node:child_process';
import { createWriteStream, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { createClient, pbkdf2Hash } from './lib/client.mjs';
import { asciiFold, COUNTRIES, countryPicker } from './lib/names.mjs';
import { buildNetwork, describe } from './lib/network.mjs';
import { createRandom } from './lib/prng.mjs';
import { LOGIN } from './lib/queries.mjs';
import { summarize } from './lib/stats.mjs';
import { applyMigrations, d1Query, snapshotWorker, startWorker } from './lib/wrangler.mjs';

const { values: args } = parseArgs({
  options: {
    size: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '200' },
    port: { type: 'string', default: '8799' },
    'keep-state': { type: 'boolean', default: false },
    // Measure again on the database a --keep-state run left (same --size), without generating and loading.
    reuse: { type: 'boolean', default: false },
  },
});
const size = Number(args.size);
const runs = Number(args.runs);
const port = Number(args.port);
if (!Number.isInteger(size) || size < 1000 || size > 3_000_000) throw new Error('--size: 1,000 to 3,000,000');
if (!Number.isInteger(runs) || runs < 20 || runs > 5000) throw new Error('--runs: 20 to 5,000');
if (!Number.isInteger(port) || port < 1024 || port > 65535) throw new Error('--port: 1024-65535');

const STATE = 'bench/.state/search';
const ROWS_PER_STATEMENT = 250;
const ROWS_PER_FILE = 50_000;
const PASSWORD = `bench-${Date.now()}-password`;
const log = (line) => console.log(line);
const run = promisify(execFile);
// No request may hang the run: every fetch (the shared client's too) gives up after 60 s.
const plainFetch = globalThis.fetch;
globalThis.fetch = (url, init = {}) => plainFetch(url, { signal: AbortSignal.timeout(60_000), ...init });
const q = (s) => (s == null ? 'NULL' : `'${String(s).replaceAll("'", "''")}'`);

// ---- generation ----

const rnd = createRandom(size * 13 + 5);
const country = countryPicker(rnd);
const PHONE_PREFIX = { DK: '+45', PL: '+48', DE: '+49' };
function person(i) {
  const c = country();
  const first = rnd.pick(c.first);
  const last = rnd.pick(c.last);
  const digits = String(10_000_000 + rnd.int(89_999_999));
  return {
    first,
    last,
    email: `${asciiFold(first)}.${asciiFold(last)}.${i}@${c.domain}`,
    phone: `${PHONE_PREFIX[c.code] ?? '+45'} ${digits.slice(0, 2)} ${digits.slice(2, 4)} ${digits.slice(4, 6)} ${digits.slice(6)}`,
    country: c.code,
    locale: c.locale,
  };
}

function writeSqlFiles(dir, net, nCustomers, nProspects) {
  mkdirSync(dir, { recursive: true });
  const files = [];
  const done = [];
  let out = null;
  let inFile = 0;
  let pending = [];
  let header = '';
  const flush = () => {
    if (pending.length) out.write(`${header}\n${pending.join(',\n')};\n`);
    pending = [];
  };
  const add = (table, cols, values) => {
    const h = `INSERT INTO ${table} (${cols}) VALUES`;
    if (h !== header || pending.length >= ROWS_PER_STATEMENT) {
      if (out) flush();
      header = h;
    }
    if (!out || inFile >= ROWS_PER_FILE) {
      if (out) {
        flush();
        out.end();
      }
      const f = join(dir, `${String(files.length).padStart(3, '0')}.sql`);
      files.push(f);
      out = createWriteStream(f);
      done.push(new Promise((r, j) => out.on('finish', r).on('error', j)));
      inFile = 0;
      header = h;
    }
    pending.push(`(${values.join(', ')})`);
    inFile++;
  };
  const now = new Date().toISOString();
  const n = net.size;
  const spath = new Array(n);
  const ppath = new Array(n);
  const DCOLS =
    'id, referral_code, first_name, last_name, search_name, email, phone, country, locale, status, joined_at, sponsor_id, sponsor_path, sponsor_depth, placement_parent_id, placement_position, placement_path, placement_depth, created_at, updated_at';
  for (let i = 0; i < n; i++) {
    const id = i + 1;
    const s = net.sponsor[i];
    const pp = net.pparent[i];
    spath[i] = s < 0 ? `${id}.` : `${spath[s]}${id}.`;
    ppath[i] = pp < 0 ? '' : `${ppath[pp]}${net.ppos[i]}`;
    const p = person(id);
    add('distributor', DCOLS, [
      id,
      q(`R${id.toString(36).toUpperCase()}`),
      q(p.first),
      q(p.last),
      q(`${p.first} ${p.last}`.toLowerCase()),
      q(p.email),
      q(p.phone),
      q(p.country),
      q(p.locale),
      "'ACTIVE'",
      q(now),
      s < 0 ? 'NULL' : s + 1,
      q(spath[i]),
      net.depth[i],
      pp < 0 ? 'NULL' : pp + 1,
      pp < 0 ? 'NULL' : net.ppos[i],
      q(ppath[i]),
      net.pdepth[i],
      q(now),
      q(now),
    ]);
  }
  const CCOLS = 'owner_id, first_name, last_name, email, phone, country, locale, created_at, updated_at';
  const customersOf = new Int32Array(n);
  for (let k = 0; k < nCustomers; k++) {
    const owner = rnd.int(n);
    customersOf[owner]++;
    const p = person(n + k + 1);
    add('customer', CCOLS, [
      owner + 1,
      q(p.first),
      q(p.last),
      q(p.email),
      q(p.phone),
      q(p.country),
      q(p.locale),
      q(now),
      q(now),
    ]);
  }
  const PCOLS = 'owner_id, first_name, last_name, email, phone, created_at, updated_at';
  for (let k = 0; k < nProspects; k++) {
    const owner = rnd.int(n);
    const p = person(n + nCustomers + k + 1);
    add('prospect', PCOLS, [
      owner + 1,
      q(p.first),
      q(p.last),
      rnd.next() < 0.5 ? q(p.email) : 'NULL',
      q(p.phone),
      q(now),
      q(now),
    ]);
  }
  flush();
  out.end();
  return { files, customersOf, written: Promise.all(done) };
}

/** Search texts a user types: first-name and last-name prefixes, full names, e-mail parts, phone digits. */
function queries(count) {
  const r = createRandom(991);
  const list = [];
  for (let k = 0; k < count; k++) {
    const c = r.pick(COUNTRIES);
    const first = r.pick(c.first);
    const last = r.pick(c.last);
    const x = r.next();
    if (x < 0.3) list.push(first.slice(0, 3 + r.int(Math.max(1, first.length - 2))));
    else if (x < 0.55) list.push(last);
    else if (x < 0.75) list.push(`${first} ${last.slice(0, 3)}`);
    else if (x < 0.85) list.push(`${asciiFold(first)}.${asciiFold(last)}`);
    else list.push(String(10_000 + r.int(89_999)).slice(0, 4 + r.int(3)));
  }
  return list;
}

const SEARCH = `query Search($q: String!) { searchPeople(query: $q, first: 20) {
  edges { node { id kind name email phone } } pageInfo { hasNextPage endCursor } } }`;

async function d1File(config, persistTo, file) {
  await run(
    'npx',
    ['wrangler', 'd1', 'execute', 'DB', '--local', '-c', config, '--persist-to', persistTo, '--file', file],
    {
      maxBuffer: 64 * 1024 * 1024,
      timeout: 900_000,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: '1' },
    },
  );
}

async function main() {
  if (!args.reuse) rmSync(STATE, { recursive: true, force: true });
  mkdirSync(STATE, { recursive: true });
  const persistTo = resolve(STATE, 'd1');
  const nDist = Math.round(size * 0.7);
  const nCustomers = Math.round(size * 0.25);
  const nProspects = size - nDist - nCustomers;
  log(
    `== people search: ${size.toLocaleString('en-US')} people (${nDist} distributors, ${nCustomers} customers, ${nProspects} prospects) ==`,
  );

  let t = performance.now();
  const net = buildNetwork(nDist);
  const shape = describe(net);
  let config = join(STATE, 'worker', 'wrangler.toml');
  let loadSeconds = null;
  let hasCustomers;
  if (!args.reuse) {
    const { files, customersOf, written } = writeSqlFiles(join(STATE, 'sql'), net, nCustomers, nProspects);
    await written;
    hasCustomers = (i) => customersOf[i] > 0;
    log(
      `  generated ${files.length} SQL files in ${((performance.now() - t) / 1000).toFixed(1)} s: ${JSON.stringify(shape)}`,
    );
    config = await snapshotWorker(join(STATE, 'worker'));
    await applyMigrations(config, persistTo);
    t = performance.now();
    for (const [k, f] of files.entries()) {
      await d1File(config, persistTo, f);
      if (k % 4 === 3 || k === files.length - 1)
        log(`  loaded ${k + 1}/${files.length} files, ${((performance.now() - t) / 1000).toFixed(0)} s`);
    }
    loadSeconds = (performance.now() - t) / 1000;
  } else {
    const owners = await d1Query(config, persistTo, 'SELECT DISTINCT owner_id FROM customer');
    const set = new Set(owners.map((r) => r.owner_id - 1));
    hasCustomers = (i) => set.has(i);
    log(`  reusing ${STATE}: ${JSON.stringify(shape)}`);
  }

  // Viewers: the biggest team below the root, and a small team (20-60 members) with customers.
  let big = 1;
  for (let i = 1; i < nDist; i++) if (net.sponsor[i] >= 0 && net.team[i] > net.team[big]) big = i;
  let small = -1;
  for (let i = nDist - 1; i > 0 && small < 0; i--)
    if (net.team[i] >= 20 && net.team[i] <= 60 && hasCustomers(i)) small = i;
  if (small < 0) throw new Error('no small-team viewer found');
  const hash = pbkdf2Hash(PASSWORD);
  await d1Query(
    config,
    persistTo,
    `INSERT INTO staff_user (email, name, role, password_hash, created_at) VALUES ('bench-admin@example.com', 'Benchmark', 'ADMIN', '${hash}', '${new Date().toISOString()}')
       ON CONFLICT (email) DO UPDATE SET password_hash = excluded.password_hash;
     UPDATE distributor SET password_hash = '${hash}' WHERE id IN (${big + 1}, ${small + 1});`,
  );
  const [counts] = await d1Query(
    config,
    persistTo,
    `SELECT (SELECT count(*) FROM person_fts) AS indexed, (SELECT count(*) FROM distributor) AS distributors,
       (SELECT email FROM distributor WHERE id = ${big + 1}) AS big_email, (SELECT email FROM distributor WHERE id = ${small + 1}) AS small_email`,
  );
  if (counts.indexed !== size) throw new Error(`indexed ${counts.indexed} people, expected ${size}`);
  log(
    `  ${counts.indexed} people indexed${loadSeconds == null ? '' : `, loaded in ${loadSeconds.toFixed(0)} s`}`,
  );

  const worker = await startWorker({ config, port, persistTo, logFile: join(STATE, 'wrangler.log') });
  const results = {};
  try {
    const viewers = {
      [`distributor, big team (${net.team[big]} below, id ${big + 1})`]: {
        email: counts.big_email,
        password: PASSWORD,
      },
      [`distributor, small team (${net.team[small]} below, has customers, id ${small + 1})`]: {
        email: counts.small_email,
        password: PASSWORD,
      },
      staff: { email: 'bench-admin@example.com', password: PASSWORD },
    };
    const texts = queries(runs);
    for (const [name, login] of Object.entries(viewers)) {
      const client = createClient(worker.base);
      const l = (await client.post(LOGIN, { input: login })).login;
      if (!l.session) throw new Error(`login failed for ${name}: ${JSON.stringify(l)}`);
      client.setToken(l.session.token);
      for (const text of texts.slice(0, 10)) await client.post(SEARCH, { q: text }); // warm-up
      const times = [];
      let hits = 0;
      let empty = 0;
      for (const text of texts) {
        times.push(
          await client.timed(SEARCH, { q: text }, (d) => {
            const n = d.searchPeople.edges.length;
            hits += n;
            if (!n) empty++;
          }),
        );
      }
      // The same client asking for nothing: the request overhead of this machine (HTTP, auth, GraphQL).
      const base = [];
      for (let k = 0; k < texts.length; k++) base.push(await client.timed('{ __typename }', {}));
      const s = summarize(times);
      const b = summarize(base);
      results[name] = {
        ...s,
        meanHits: +(hits / texts.length).toFixed(1),
        emptyResults: empty,
        baselineMedian: b.median,
        baselineP95: b.p95,
      };
      log(
        `  ${name}: median ${s.median.toFixed(1)} ms, p95 ${s.p95.toFixed(1)} ms over ${s.n} searches (${results[name].meanHits} hits on average, ${empty} empty); baseline { __typename } ${b.median.toFixed(1)} / ${b.p95.toFixed(1)} ms`,
      );
    }
  } finally {
    await worker.stop();
  }

  const report = {
    ranAt: new Date().toISOString(),
    command: `npm run bench:search -- --size ${size} --runs ${runs}`,
    size,
    people: { distributors: nDist, customers: nCustomers, prospects: nProspects },
    network: shape,
    loadSeconds: loadSeconds == null ? 'reused' : Math.round(loadSeconds),
    machine: `${cpus().length}× ${cpus()[0]?.model.trim() ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}, load ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
    results,
  };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/people-search.json', `${JSON.stringify(report, null, 2)}\n`);
  const rows = Object.entries(results).map(
    ([k, v]) =>
      `| ${k} | ${v.n} | ${v.median.toFixed(1)} | ${v.p95.toFixed(1)} | ${v.meanHits} | ${v.baselineMedian.toFixed(1)} / ${v.baselineP95.toFixed(1)} |`,
  );
  writeFileSync(
    'bench/results/people-search.md',
    `# People search (${report.ranAt})\n\n\`${report.command}\` — ${size.toLocaleString('en-US')} people, ${report.machine}\n\n| caller | searches | median ms | p95 ms | hits/search | baseline \`{ __typename }\` median / p95 ms |\n|---|---|---|---|---|---|\n${rows.join('\n')}\n`,
  );
}

try {
  await main();
} finally {
  if (!args['keep-state']) rmSync(STATE, { recursive: true, force: true });
}
