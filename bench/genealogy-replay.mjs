// npm exec -c 'node bench/genealogy-replay.mjs [--size 1000000]'   (Node 22: node:sqlite)
//
// The genealogy import of bench:genealogy's generated network, run through the import's own step code on
// node:sqlite (WAL, foreign keys on, the default page cache) instead of wrangler dev: the same
// `[import] genealogy ...` step lines, then the statements that took the most time. A way to see where a
// 1M import spends its time on a machine too busy (or too small) for a 1M run of the worker. Not D1: the
// absolute times differ, the shares are what to read (docs/imports.md, "Where the time goes").
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { writeParts } from './lib/ndjson.mjs';
import { buildNetwork } from './lib/network.mjs';

const { values: args } = parseArgs({ options: { size: { type: 'string', default: '1000000' } } });
const size = Number(args.size);
if (!Number.isInteger(size) || size < 200 || size > 5_000_000) throw new Error('--size: 200 to 5,000,000');
const dir = resolve('bench/.state', `replay-${size}`);
const parts = join(dir, 'parts');
if (!existsSync(parts)) {
  mkdirSync(dir, { recursive: true });
  writeParts(buildNetwork(size), parts);
}
const bundle = join(dir, 'replay.mjs');
await build({
  entryPoints: ['bench/profile/genealogyReplay.ts'],
  bundle: true,
  platform: 'node',
  format: 'esm',
  outfile: bundle,
  external: ['cloudflare:*'],
  logLevel: 'warning',
});
const db = join(dir, 'replay.sqlite');
for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
execFileSync(process.execPath, ['--no-warnings', bundle, parts, db], { stdio: 'inherit' });
rmSync(db, { force: true });
