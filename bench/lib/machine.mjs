// What every benchmark reports about where it ran, and where wrangler keeps the local D1 file.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';

export const machine = `${cpus().length}× ${cpus()[0]?.model.trim() ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}`;

/** The 1-minute load average, rounded. */
export const load1 = () => +loadavg()[0].toFixed(2);

/** The SQLite file of the local D1 database under a wrangler persist directory. */
export function d1File(persistTo) {
  const dir = join(persistTo, 'v3', 'd1', 'miniflare-D1DatabaseObject');
  const files = readdirSync(dir).filter((f) => f.endsWith('.sqlite') && f !== 'metadata.sqlite');
  if (files.length !== 1) throw new Error(`expected one D1 file in ${dir}: ${files.join(', ')}`);
  return join(dir, files[0]);
}

/** The code measured: HEAD's short hash, with a mark when src, migrations or wrangler.toml have uncommitted changes. */
export function codeVersion({ markChanges = true } = {}) {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    if (!markChanges) return head;
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'migrations', 'wrangler.toml'], {
      encoding: 'utf8',
    }).trim();
    return dirty ? `${head} + uncommitted changes` : head;
  } catch {
    return 'unknown';
  }
}
