// npm run bench:genealogy [-- --sizes 10000,100000,1000000] [--port 8788] [--runs 50] [--warmup 5]
//                          [--loader import|enroll] [--keep-state] [--reuse] [--worktree]
//
// For each size: generate a deterministic network, start the real worker (wrangler dev, local D1 in
// bench/.state/<size>), load the network through the bulk import API, then time genealogy requests
// through HTTP. Results go to stdout and bench/results/genealogy.{md,json}.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createClient, pbkdf2Hash } from './lib/client.mjs';
import { enrollNetwork, hasImportApi, importNetwork } from './lib/load.mjs';
import { codeVersion, machine } from './lib/machine.mjs';
import { fmt, measureAll } from './lib/measure.mjs';
import { writeParts } from './lib/ndjson.mjs';
import { buildNetwork, describe, externalId, pickSubjects } from './lib/network.mjs';
import { createRandom } from './lib/prng.mjs';
import { LOGIN } from './lib/queries.mjs';
import { compareWithRaw } from './lib/rawComparison.mjs';
import { loadResults, renderMarkdown, renderTable, saveResults } from './lib/report.mjs';
import { applyMigrations, d1Query, directWorkerUrl, snapshotWorker, startWorker } from './lib/wrangler.mjs';

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000,1000000' },
    port: { type: 'string', default: '8788' },
    runs: { type: 'string', default: '50' },
    warmup: { type: 'string', default: '5' },
    loader: { type: 'string', default: 'import' },
    'keep-state': { type: 'boolean', default: false },
    // Measure again against a database an earlier --keep-state run imported (its import time is kept);
    // sizes without one are imported.
    reuse: { type: 'boolean', default: false },
    // Bundle the files as they are instead of the last commit.
    worktree: { type: 'boolean', default: false },
  },
});

const sizes = args.sizes.split(',').map((s) => Number(s.trim()));
const port = Number(args.port);
const runs = Number(args.runs);
const warmup = Number(args.warmup);
if (sizes.some((s) => !Number.isInteger(s) || s < 200 || s > 5_000_000))
  throw new Error('--sizes: whole numbers from 200 to 5,000,000');
if (!Number.isInteger(port) || port < 1024 || port > 65535) throw new Error('--port: 1024-65535');
if (!(runs >= 50 && runs <= 10_000)) throw new Error('--runs: at least 50');
if (!['import', 'enroll'].includes(args.loader)) throw new Error('--loader: import or enroll');

const STATE = 'bench/.state';
const RESULTS_JSON = 'bench/results/genealogy.json';
const RESULTS_MD = 'bench/results/genealogy.md';
const STAFF = { email: 'bench-admin@example.com', password: `bench-${Date.now()}-password` };
const log = (line) => console.log(line);

/** wrangler dev sometimes loses a race for one of its internal ports to another wrangler on the machine. */
async function startWorkerWithRetries(opts) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startWorker(opts);
    } catch (e) {
      if (attempt >= 3 || !/exited/.test(String(e))) throw e;
      log(`  ${e.message}; trying again`);
      await new Promise((r) => setTimeout(r, 2_000 * attempt));
    }
  }
}

async function benchSize(size) {
  const dir = join(STATE, String(size));
  const persistTo = resolve(dir, 'd1');
  const reuse = args.reuse && existsSync(join(dir, 'imported.json'));
  if (args.reuse && !reuse) log(`  (--reuse: no earlier import kept in ${dir}; importing)`);
  if (!reuse) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  }

  log(`\n== ${size.toLocaleString('en-US')} members ==`);
  let t = performance.now();
  const net = buildNetwork(size);
  const shape = describe(net);
  const parts = reuse ? [] : writeParts(net, join(dir, 'parts'));
  const picked = pickSubjects(net);
  log(`  generated in ${((performance.now() - t) / 1000).toFixed(1)} s: ${JSON.stringify(shape)}`);

  // Also when reusing: the code may have gained migrations since (only new ones are applied).
  await applyMigrations(config, persistTo);
  await d1Query(
    config,
    persistTo,
    `INSERT INTO staff_user (email, name, role, password_hash, created_at) VALUES ('${STAFF.email}', 'Benchmark', 'ADMIN', '${pbkdf2Hash(STAFF.password)}', '${new Date().toISOString()}')
     ON CONFLICT (email) DO UPDATE SET password_hash = excluded.password_hash`,
  );
  t = performance.now();
  const worker = await startWorkerWithRetries({
    config,
    port,
    persistTo,
    logFile: join(dir, 'wrangler.log'),
  });
  log(`  worker up at ${worker.base} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  try {
    const client = createClient(worker.base);
    const login = (await client.post(LOGIN, { input: STAFF })).login;
    if (!login.session) throw new Error(`login failed: ${JSON.stringify(login)}`);
    client.setToken(login.session.token);

    let load;
    let partsInfo = { count: parts.length, bytes: parts.reduce((sum, p) => sum + p.bytes, 0) };
    if (reuse) {
      ({ load, parts: partsInfo } = JSON.parse(readFileSync(join(dir, 'imported.json'), 'utf8')));
      log(`  reusing the import of ${load.ranAt}`);
    } else if (args.loader === 'import') {
      if (!(await hasImportApi(client)))
        throw new Error(
          'this worker has no createGenealogyImport mutation; use --loader enroll for small sizes',
        );
      load = await importNetwork(client, parts, { log });
    } else {
      load = await enrollNetwork(client, parts, { log });
    }
    if (!reuse) {
      load.ranAt = new Date().toISOString();
      load.commit = commit;
      writeFileSync(join(dir, 'imported.json'), JSON.stringify({ load, parts: partsInfo }));
      log(
        `  loaded in ${(load.totalMs / 1000).toFixed(1)} s (upload ${(load.uploadMs / 1000).toFixed(1)} s)`,
      );
    }

    // Database ids of the measured members and of the enrollment sponsors, checked against the generator.
    const rnd = createRandom(size + 7);
    const sponsorIdx = Array.from({ length: runs + warmup }, () => rnd.int(size));
    const wanted = [...Object.values(picked), ...sponsorIdx].map(externalId);
    const rows = await d1Query(
      config,
      persistTo,
      `SELECT external_id, id, sponsor_depth, team_size FROM distributor WHERE external_id IN (${[...new Set(wanted)].map((e) => `'${e}'`).join(',')})`,
    );
    const byExt = new Map(rows.map((r) => [r.external_id, r]));
    const subjects = {};
    for (const [name, i] of Object.entries(picked)) {
      const r = byExt.get(externalId(i));
      if (!r) throw new Error(`${name} (${externalId(i)}) is missing after the import`);
      // A reused database holds the earlier runs' enrollments too: teams may have grown.
      if (
        r.sponsor_depth !== net.depth[i] ||
        r.team_size < net.team[i] ||
        (!reuse && r.team_size !== net.team[i])
      )
        throw new Error(
          `${name} (${externalId(i)}): depth/team ${r.sponsor_depth}/${r.team_size}, generated ${net.depth[i]}/${net.team[i]}`,
        );
      subjects[name] = { id: r.id, depth: r.sponsor_depth, team: r.team_size };
      if (name === 'leaf' && r.team_size > 0) throw new Error('the leaf has a team now: import afresh');
    }
    log(`  subjects: ${JSON.stringify(subjects)}`);
    const sponsors = sponsorIdx.map((i) => byExt.get(externalId(i)).id);

    // Other work on the machine shows up in the latencies: keep the load average next to them.
    const loadBefore = loadavg()[0];
    const measure = await measureAll(client, {
      subjects,
      sponsors,
      size,
      rootLegs: shape.rootRecruits,
      runs,
      warmup,
      log,
    });
    // GraphQL against the raw route on the worker's own socket (wrangler's dev proxy adds its own cost).
    const direct = await directWorkerUrl(worker, port);
    if (!direct) throw new Error("could not find the worker's own socket (ss -ltnp)");
    const raw = await compareWithRaw({
      base: direct,
      token: client.token,
      rootId: subjects.root.id,
      runs: runs * 4,
      warmup: warmup * 2,
    });
    log(`  worker socket, downline(first: 50) root: GraphQL ${fmt(raw.graphql)}`);
    log(`  worker socket, same page, raw Hono + SQL route: ${fmt(raw.raw)}`);
    log(`  GraphQL / raw: ${raw.ratioMedian}× (medians), ${raw.ratioMin}× (minimums)`);
    const load1m = [+loadBefore.toFixed(2), +loadavg()[0].toFixed(2)];
    log(`  1-minute load average before/after measuring: ${load1m.join(' / ')} (${cpus().length} CPUs)`);
    return {
      network: shape,
      parts: partsInfo,
      loader: args.loader,
      load,
      measure,
      raw,
      subjects,
      runs,
      warmup,
      ranAt: new Date().toISOString(),
      load1m,
      commit,
      machine,
    };
  } finally {
    await worker.stop();
    if (!args['keep-state']) rmSync(dir, { recursive: true, force: true });
  }
}

const commit = codeVersion({ markChanges: Boolean(args.worktree) });
log(`bundling the worker (${commit}) ...`);
// The benchmark's own build: the product plus the raw comparison route (bench/worker), never served by the product.
const config = await snapshotWorker(resolve(STATE, 'genealogy-build'), args.worktree ? 'worktree' : 'HEAD', {
  benchEntry: 'bench/worker',
});

const results = loadResults(RESULTS_JSON);
const current = { sizes: {} };
for (const size of sizes) {
  const r = await benchSize(size);
  current.sizes[String(size)] = r;
  // Only bulk-import runs go into the committed results; enroll-loaded runs are for development.
  if (r.loader === 'import') {
    results.sizes[String(size)] = r;
    saveResults(RESULTS_JSON, results);
    writeFileSync(RESULTS_MD, renderMarkdown(results));
    // In the project's style, so that \`npm run lint\` (which checks bench/) stays green.
    try {
      execFileSync('npx', ['biome', 'format', '--write', RESULTS_JSON, RESULTS_MD], { stdio: 'ignore' });
    } catch {
      console.warn('could not format the results with biome');
    }
  }
}
if (!args['keep-state']) rmSync(resolve(STATE, 'genealogy-build'), { recursive: true, force: true });
console.log(`\n${renderTable(current)}\n`);
if (args.loader === 'import') console.log(`written to ${RESULTS_MD}`);
