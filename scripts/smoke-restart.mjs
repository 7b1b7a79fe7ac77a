// CI smoke test of `npm start` (issue 9 §1): start on a fresh state, wait for /health and the seed, log in
// as staff and as a demo distributor, stop; start again on the same state and log in again. Fails (exit 1)
// when a second start crashes, seeds again, or cannot log in.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkTour } from './check-tour.mjs';
import { seedState } from './demo-state.mjs';
import { graphqlClient, login, waitForHealth } from './lib.mjs';
import { ADMIN_EMAIL, DEMO_PASSWORD } from './seed.mjs';

const PORT = Number(process.env.SMOKE_PORT ?? 8795);
const base = `http://localhost:${PORT}`;
const state = mkdtempSync(join(tmpdir(), 'mlm-crm-smoke-'));
process.env.MLM_STATE_DIR = state;

/** Runs `npm start` until it prints that it is running; returns its output so far and a stop(). */
async function start(label) {
  const child = spawn('node', ['scripts/start.mjs'], {
    env: { ...process.env, MLM_STATE_DIR: state, PORT: String(PORT) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const running = new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (output.includes('mlm-crm is running.')) {
        clearInterval(timer);
        resolve();
      }
    }, 200);
    exited.then((code) => {
      clearInterval(timer);
      reject(new Error(`${label}: npm start exited with ${code}:\n${output}`));
    });
  });
  const limit = new Promise((_, reject) =>
    setTimeout(
      () => reject(new Error(`${label}: not running after 10 minutes:\n${output}`)),
      600_000,
    ).unref(),
  );
  try {
    await Promise.race([running, limit]);
  } catch (error) {
    // Never leave a half-started server (and its ports) behind.
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {}
    throw error;
  }
  await waitForHealth(base);
  const stop = async () => {
    process.kill(-child.pid, 'SIGTERM');
    await exited;
  };
  return { output: () => output, stop };
}

/** Logs in as staff and as the first demo distributor the start printed. */
async function logInBoth(label, output) {
  const gql = graphqlClient(base);
  const admin = await login(gql, ADMIN_EMAIL, DEMO_PASSWORD);
  const email = /distributor: {2}(\S+@demo\.mlm-crm\.dev)/.exec(output)?.[1];
  if (!email) throw new Error(`${label}: no demo distributor login printed:\n${output}`);
  await login(gql, email, DEMO_PASSWORD);
  if (!admin) throw new Error(`${label}: no staff token`);
}

let failed = false;
try {
  const first = await start('first start');
  try {
    await logInBoth('first start', first.output());
    const blocks = await checkTour(base, `http://127.0.0.1:${PORT + 1}`);
    console.log(`first start: the README tour's ${blocks} blocks ran as written`);
  } finally {
    await first.stop();
  }
  const membersFirst = (await seedState()).members;
  console.log(`first start: seeded ${membersFirst} members, logged in as staff and as a distributor`);
  const second = await start('second start');
  try {
    await logInBoth('second start', second.output());
  } finally {
    await second.stop();
  }
  const membersSecond = (await seedState()).members;
  if (second.output().includes('Seeding the demo company'))
    throw new Error('second start: seeded again on a seeded state');
  if (membersSecond !== membersFirst)
    throw new Error(`second start: ${membersSecond} members, the first start had ${membersFirst}`);
  console.log('second start: no new seed, logged in again, same members: restart smoke passed');
} catch (error) {
  failed = true;
  console.error(error.message ?? error);
} finally {
  rmSync(state, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
