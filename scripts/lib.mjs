// Helpers shared by the start script and the benchmarks: run wrangler, talk GraphQL, hash passwords.
import { spawn, spawnSync } from 'node:child_process';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';

export const WRANGLER = 'node_modules/.bin/wrangler';

/** PBKDF2-SHA256 in the format of src/modules/auth/password.ts. */
export function hashPassword(password) {
  const salt = randomBytes(16);
  const hash = pbkdf2Sync(password, salt, 100_000, 32, 'sha256');
  return `pbkdf2-sha256$100000$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export function sqlString(s) {
  return `'${String(s).replaceAll("'", "''")}'`;
}

/** Runs a wrangler command to completion; throws with its output on failure. */
export function wranglerSync(args, extraEnv = {}) {
  const r = spawnSync(WRANGLER, args, { encoding: 'utf8', env: { ...process.env, CI: 'true', ...extraEnv } });
  if (r.status !== 0) throw new Error(`wrangler ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

// While a script seeds through the API, wrangler dev's output (a line per request and per queue batch, the
// worker's own logs) goes to a file instead of the terminal; warnings and errors still show.
const SHOW_WHILE_QUIET = /error|warn|✘|▲/i;

/**
 * Starts `wrangler dev`. With quietLog set, its output goes to that file (warnings and errors also to the
 * terminal) until showRequestLogs() is called.
 */
export function startWranglerDev(args, { quiet = false, quietLog = null } = {}) {
  const child = spawn(WRANGLER, ['dev', ...args], {
    stdio: ['ignore', quiet ? 'ignore' : 'pipe', 'inherit'],
    env: { ...process.env },
  });
  let log = quietLog ? createWriteStream(quietLog) : null;
  if (!quiet) {
    let pending = '';
    child.stdout.on('data', (chunk) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop();
      for (const line of lines) {
        if (log) log.write(`${line}\n`);
        if (!log || SHOW_WHILE_QUIET.test(line)) process.stdout.write(`${line}\n`);
      }
    });
  }
  child.showRequestLogs = () => {
    log?.end();
    log = null;
  };
  const stop = () => {
    if (!child.killed) child.kill('SIGTERM');
  };
  process.on('exit', stop);
  for (const sig of ['SIGINT', 'SIGTERM'])
    process.on(sig, () => {
      stop();
      process.exit(130);
    });
  return child;
}

export async function waitForHealth(base, timeoutMs = 120_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      const res = await fetch(`${base}/health`);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`worker at ${base} did not become healthy`);
}

export function graphqlClient(base) {
  return async function gql(query, variables = {}, token) {
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = await res.json();
    if (body.errors?.length) throw new Error(`GraphQL error: ${JSON.stringify(body.errors)}`);
    return body.data;
  };
}

/**
 * Signs in; a RateLimitedError (the scripts sign in often: seeding, the tour, a restart within the same
 * one-minute window of the limiter) waits the time it names and tries once more, as a client should.
 */
export async function login(gql, email, password) {
  for (let attempt = 1; ; attempt++) {
    const data = await gql(
      `mutation($input: LoginInput!) { login(input: $input) { __typename
        ... on MutationLoginSuccess { session { token } } ... on Error { message }
        ... on RateLimitedError { retryAfterSeconds } } }`,
      { input: { email, password } },
    );
    if (data.login.__typename === 'MutationLoginSuccess') return data.login.session.token;
    if (data.login.__typename === 'RateLimitedError' && attempt === 1) {
      await new Promise((r) => setTimeout(r, (Math.min(data.login.retryAfterSeconds ?? 60, 60) + 1) * 1000));
      continue;
    }
    throw new Error(`login failed: ${data.login.message}`);
  }
}
