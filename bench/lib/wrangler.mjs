// The real worker under `wrangler dev` (workerd + miniflare, local D1 persisted to a directory), and the
// wrangler D1 commands the benchmark needs. Every child process is tracked so that it is stopped on exit,
// on errors and on Ctrl-C.

import { execFile, execFileSync, spawn } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const children = new Set();

function stopAll() {
  for (const child of children) stopChild(child);
}

function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    // The child leads its own process group: this reaches workerd too.
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
}

process.on('exit', stopAll);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopAll();
    process.exit(130);
  });
}

async function wrangler(args, { timeoutMs = 600_000 } = {}) {
  const { stdout } = await run('npx', ['wrangler', ...args], {
    maxBuffer: 256 * 1024 * 1024,
    timeout: timeoutMs,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: '1' },
  });
  return stdout;
}

/**
 * Bundles the worker once and writes a wrangler config that serves that bundle, with a copy of the
 * migrations. `wrangler dev` restarts the worker whenever a source file changes; serving a snapshot
 * keeps edits made during a long run from restarting it mid-request, and every size runs the same code.
 * `source`: 'HEAD' bundles the last commit (other people's half-done edits cannot break the run), any other
 * commit that commit (bench/ab-baseline.mjs compares two); 'worktree' bundles the files as they are.
 * `benchEntry`: a folder of the benchmark's own worker files (its index.ts the entry), copied into src/bench/
 * of the snapshot only: routes that exist for a comparison are served by this build, never by the product.
 */
export async function snapshotWorker(relativeDir, source = 'HEAD', { benchEntry } = {}) {
  // Absolute: wrangler resolves --outdir against the config file's folder, not the working directory.
  const dir = resolve(relativeDir);
  rmSync(dir, { recursive: true, force: true });
  const tree = join(dir, 'tree');
  mkdirSync(tree, { recursive: true });
  const files = ['src', 'migrations', 'wrangler.toml', 'tsconfig.json'];
  if (source !== 'worktree') {
    // Inside the repository, so that imports still resolve from /work/main/node_modules.
    const archive = execFileSync('git', ['archive', '--format=tar', source, ...files], {
      maxBuffer: 512 * 1024 * 1024,
    });
    execFileSync('tar', ['-x', '-C', tree], { input: archive });
  } else {
    for (const f of files) if (existsSync(f)) cpSync(f, join(tree, f), { recursive: true });
  }
  if (existsSync('.dev.vars')) copyFileSync('.dev.vars', join(tree, '.dev.vars'));
  if (benchEntry) {
    cpSync(benchEntry, join(tree, 'src', 'bench'), { recursive: true });
    const toml = join(tree, 'wrangler.toml');
    writeFileSync(toml, readFileSync(toml, 'utf8').replace(/^main\s*=.*$/m, 'main = "src/bench/index.ts"'));
  }
  await wrangler(['deploy', '--dry-run', '-c', join(tree, 'wrangler.toml'), '--outdir', join(dir, 'dist')]);
  cpSync(join(tree, 'migrations'), join(dir, 'migrations'), { recursive: true });
  if (existsSync(join(tree, '.dev.vars'))) copyFileSync(join(tree, '.dev.vars'), join(dir, '.dev.vars'));
  const config = readFileSync(join(tree, 'wrangler.toml'), 'utf8').replace(
    /^main\s*=.*$/m,
    'main = "dist/index.js"\nno_bundle = true',
  );
  if (!config.includes('no_bundle = true')) throw new Error('wrangler.toml has no main = ... line');
  writeFileSync(join(dir, 'wrangler.toml'), config);
  return join(dir, 'wrangler.toml');
}

export async function applyMigrations(config, persistTo) {
  await wrangler(['d1', 'migrations', 'apply', 'DB', '--local', '-c', config, '--persist-to', persistTo]);
}

/**
 * Runs SQL against the local database; returns the rows of the last statement. Retries while the
 * running worker holds the database (e.g. the import's clean-up job right after DONE: SQLITE_BUSY).
 */
export async function d1Query(config, persistTo, sql) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await d1QueryOnce(config, persistTo, sql);
    } catch (e) {
      if (
        attempt >= 20 ||
        !/SQLITE_BUSY|database is locked/.test(String(e?.stderr ?? '') + String(e?.stdout ?? '') + String(e))
      )
        throw e;
      await new Promise((r) => setTimeout(r, 3_000));
    }
  }
}

async function d1QueryOnce(config, persistTo, sql) {
  const out = await wrangler([
    'd1',
    'execute',
    'DB',
    '--local',
    '-c',
    config,
    '--persist-to',
    persistTo,
    '--json',
    '--command',
    sql,
  ]);
  const results = JSON.parse(out.slice(out.indexOf('[')));
  return results.at(-1).results;
}

/** Fails when something already listens on the port (its /health would fool the readiness check). */
async function assertPortFree(port) {
  await new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', () => reject(new Error(`port ${port} is in use; pass another with --port`)));
    server.listen(port, '127.0.0.1', () => server.close(resolve));
  });
}

/**
 * Starts `wrangler dev` and resolves once /health answers; `stop()` ends it and its workerd; `pgid` is the
 * process group of wrangler and its workerd. (Cron handlers can be fired with GET
 * /cdn-cgi/local/scheduled?cron=...: wrangler dev always enables it, and `--test-scheduled`'s /__scheduled
 * does not work with the bundled snapshot, which has no_bundle = true.)
 */
export async function startWorker({ config, port, persistTo, logFile, timeoutMs = 120_000, extraArgs = [] }) {
  await assertPortFree(port);
  const child = spawn(
    'npx',
    [
      'wrangler',
      'dev',
      '-c',
      config,
      '--port',
      String(port),
      '--ip',
      '127.0.0.1',
      '--persist-to',
      persistTo,
      ...extraArgs,
    ],
    {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: '1' },
    },
  );
  children.add(child);
  const log = createWriteStream(logFile);
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const base = `http://127.0.0.1:${port}`;
  const stop = async () => {
    stopChild(child);
    if (child.exitCode === null && child.signalCode === null)
      await new Promise((resolve) => {
        const t = setTimeout(() => {
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch {}
          resolve();
        }, 10_000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
      });
    children.delete(child);
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited (${child.exitCode}); see ${logFile}`);
    try {
      const res = await fetch(`${base}/health`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok && (await res.json()).status === 'ok') break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`wrangler dev did not become healthy in ${timeoutMs / 1000} s; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return { base, stop, pgid: child.pid };
}

/**
 * The worker's own socket inside a running `wrangler dev`, skipping wrangler's dev proxy (a second workerd
 * that forwards every request for hot reloads; on a 2-core machine it costs more CPU than the worker).
 * Found among the listening sockets of wrangler's process group: the one, other than `port`, answering
 * /health like the worker. Null when it cannot be found (no `ss`, or another layout).
 */
export async function directWorkerUrl(worker, port) {
  let listing;
  try {
    listing = execFileSync('ss', ['-ltnpH'], { encoding: 'utf8' });
  } catch {
    return null;
  }
  const pids = new Set(
    execFileSync('ps', ['-eo', 'pid=,pgid='], { encoding: 'utf8' })
      .split('\n')
      .map((line) => line.trim().split(/\s+/).map(Number))
      .filter(([, pgid]) => pgid === worker.pgid)
      .map(([pid]) => pid),
  );
  for (const line of listing.split('\n')) {
    const m = /127\.0\.0\.1:(\d+)\s.*pid=(\d+)/.exec(line);
    if (!m || Number(m[1]) === port || !pids.has(Number(m[2]))) continue;
    const url = `http://127.0.0.1:${m[1]}`;
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok && (await res.json()).status === 'ok') return url;
    } catch {
      // Not the worker (inspector, queue broker, loopback).
    }
  }
  return null;
}
