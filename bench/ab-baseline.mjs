// node bench/ab-baseline.mjs --commits A,B[,C...] [--port 8861] [--rounds 6] [--per 40] [--direct]
//                             [--d1-from bench/.state/100000/d1 --upline-id 93941]
//
// The per-request floor of several commits side by side, under the same machine load: each commit's worker
// (its own bundle and empty migrated D1 in bench/.state/ab/<commit>) runs at once in `wrangler dev`, and the
// rounds alternate between them (order reversed every round), each round timing `--per` requests of each
// baseline: a GET of an unknown path (no D1), GET /health (one D1 query) and `{ viewerRole }` as staff
// (token check + staff lookup). `--direct` also times them on each worker's own socket (no dev proxy).
// Prints per-round medians and the medians over all rounds; for bisecting a per-request regression.
// `--d1-from`: each worker starts on a copy of that local D1 state (e.g. one kept by bench:genealogy
// --keep-state, migrated by the newest commit) instead of an empty one; `--upline-id` then also times
// `upline` of that member (the genealogy bench's UPLINE document).

import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createClient, globalId, pbkdf2Hash } from './lib/client.mjs';
import { LOGIN, UPLINE } from './lib/queries.mjs';
import { median } from './lib/stats.mjs';
import { applyMigrations, d1Query, directWorkerUrl, snapshotWorker, startWorker } from './lib/wrangler.mjs';

const { values: args } = parseArgs({
  options: {
    commits: { type: 'string' },
    port: { type: 'string', default: '8861' },
    rounds: { type: 'string', default: '6' },
    per: { type: 'string', default: '40' },
    direct: { type: 'boolean', default: false },
    'd1-from': { type: 'string' },
    'upline-id': { type: 'string' },
  },
});
if (!args.commits) throw new Error('--commits A,B');
const commits = args.commits
  .split(',')
  .map((c) => execFileSync('git', ['rev-parse', '--short', c.trim()], { encoding: 'utf8' }).trim());
const port = Number(args.port);
const rounds = Number(args.rounds);
const per = Number(args.per);
const STAFF = { email: 'bench-admin@example.com', password: `bench-${Date.now()}-password` };
const STATE = resolve('bench/.state/ab');
const uplineId = args['upline-id'] ? Number(args['upline-id']) : null;

async function timed(fn) {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

function probes(base, token) {
  const client = createClient(base);
  client.setToken(token);
  return {
    notFound: () =>
      timed(async () => {
        const res = await fetch(`${base}/bench-not-found`);
        await res.arrayBuffer();
        if (res.status !== 404) throw new Error(`404 expected, got ${res.status}`);
      }),
    health: () =>
      timed(async () => {
        const body = await (await fetch(`${base}/health`)).json();
        if (body.status !== 'ok') throw new Error(JSON.stringify(body));
      }),
    viewerRole: () =>
      timed(async () => {
        const d = await client.post('{ viewerRole }');
        if (d.viewerRole !== 'ADMIN') throw new Error(`viewerRole ${d.viewerRole}`);
      }),
    ...(uplineId && {
      upline: () =>
        timed(async () => {
          const d = await client.post(UPLINE, { id: globalId(uplineId) });
          if (!(d.upline.length > 0)) throw new Error('upline: empty');
        }),
    }),
  };
}

const workers = [];
try {
  for (const [i, commit] of commits.entries()) {
    const dir = join(STATE, commit);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    console.log(`bundling ${commit} ...`);
    const config = await snapshotWorker(join(dir, 'build'), commit);
    const persistTo = join(dir, 'd1');
    if (args['d1-from']) cpSync(args['d1-from'], persistTo, { recursive: true });
    else await applyMigrations(config, persistTo);
    await d1Query(
      config,
      persistTo,
      `INSERT INTO staff_user (email, name, role, password_hash, created_at) VALUES ('${STAFF.email}', 'Benchmark', 'ADMIN', '${pbkdf2Hash(STAFF.password)}', '${new Date().toISOString()}')
       ON CONFLICT (email) DO UPDATE SET password_hash = excluded.password_hash`,
    );
    const worker = await startWorker({
      config,
      port: port + i,
      persistTo,
      logFile: join(dir, 'wrangler.log'),
    });
    const client = createClient(worker.base);
    const login = (await client.post(LOGIN, { input: STAFF })).login;
    if (!login.session) throw new Error(`${commit}: login failed ${JSON.stringify(login)}`);
    const targets = [{ via: 'proxy', ...probes(worker.base, login.session.token) }];
    if (args.direct) {
      const direct = await directWorkerUrl(worker, port + i);
      if (!direct) throw new Error(`${commit}: no direct socket`);
      targets.push({ via: 'direct', ...probes(direct, login.session.token) });
    }
    workers.push({ commit, worker, targets });
    console.log(`  ${commit} at ${worker.base}`);
  }
  const names = ['notFound', 'health', 'viewerRole', ...(uplineId ? ['upline'] : [])];
  const all = new Map();
  const key = (commit, via, name) => `${commit} ${via} ${name}`;
  // Warm-up.
  for (const w of workers)
    for (const t of w.targets) for (const n of names) for (let k = 0; k < 10; k++) await t[n]();
  const loads = [loadavg()[0]];
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? workers : [...workers].reverse();
    const line = [];
    for (const w of order)
      for (const t of w.targets) {
        const samples = Object.fromEntries(names.map((n) => [n, []]));
        for (let k = 0; k < per; k++) for (const n of names) samples[n].push(await t[n]());
        for (const n of names) {
          const kk = key(w.commit, t.via, n);
          all.set(kk, [...(all.get(kk) ?? []), ...samples[n]]);
        }
        line.push(`${w.commit}/${t.via} ${names.map((n) => median(samples[n]).toFixed(2)).join(' ')}`);
      }
    loads.push(loadavg()[0]);
    console.log(`round ${r + 1} (load ${loadavg()[0].toFixed(2)}): ${line.join(' | ')}`);
  }
  console.log(
    `\nmedians over ${rounds} rounds × ${per} (ms; ${names.join(' / ')}), 1-min load ${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)} on ${cpus().length} CPUs:`,
  );
  for (const w of workers)
    for (const t of w.targets)
      console.log(
        `  ${w.commit} ${t.via.padEnd(6)} ${names.map((n) => `${n} ${median(all.get(key(w.commit, t.via, n))).toFixed(2)}`).join('  ')}`,
      );
} finally {
  for (const w of workers) await w.worker.stop();
}
