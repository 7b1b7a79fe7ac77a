// node scripts/time-genealogy-import.mjs [size=100000] [port=8795]: times one bulk genealogy import of a
// generated network through the real worker (wrangler dev, fresh local D1 in .state-import-timing/).
// Reuses the benchmark's generator and loader; writes no results file.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createClient, pbkdf2Hash } from '../bench/lib/client.mjs';
import { importNetwork } from '../bench/lib/load.mjs';
import { writeParts } from '../bench/lib/ndjson.mjs';
import { buildNetwork } from '../bench/lib/network.mjs';
import { LOGIN } from '../bench/lib/queries.mjs';
import { applyMigrations, d1Query, snapshotWorker, startWorker } from '../bench/lib/wrangler.mjs';

const size = Number(process.argv[2] ?? 100_000);
const port = Number(process.argv[3] ?? 8795);
const dir = join('.state-import-timing', String(size));
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const persistTo = join(dir, 'd1');
const staff = { email: 'timing@example.com', password: 'timing-password-123' };

const net = buildNetwork(size);
const parts = writeParts(net, join(dir, 'parts'));
// A bundled snapshot of the working tree (edits not yet committed included): wrangler dev would restart
// the worker whenever someone edits a source file. An absolute path: wrangler resolves --outdir from the
// config's folder.
const config = await snapshotWorker(resolve(dir, 'worker'), 'worktree');
await applyMigrations(config, persistTo);
await d1Query(
  config,
  persistTo,
  `INSERT INTO staff_user (email, name, role, password_hash, created_at) VALUES ('${staff.email}', 'T', 'ADMIN', '${pbkdf2Hash(staff.password)}', '${new Date().toISOString()}')`,
);
const worker = await startWorker({ config, port, persistTo, logFile: join(dir, 'wrangler.log') });
try {
  const client = createClient(worker.base);
  client.setToken((await client.post(LOGIN, { input: staff })).login.session.token);
  const r = await importNetwork(client, parts, { log: console.log, pollMs: 100 });
  console.log(JSON.stringify({ size, parts: parts.length, ...r }, null, 1));
} finally {
  await worker.stop();
  // The worker's per-step timings ("import N: ...") are in its log.
  for (const line of readFileSync(join(dir, 'wrangler.log'), 'utf8').split('\n'))
    if (line.includes('import ')) console.log(line);
  rmSync(dir, { recursive: true, force: true });
}
