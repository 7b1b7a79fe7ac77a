// Where `npm start` keeps its local D1 and how it knows the demo seed finished. "Seeded" is decided from
// the database itself plus a record written only after the last seeding step, never from an API call
// whose failure could read as "not seeded".
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { d1Query } from '../bench/lib/wrangler.mjs';

/** The wrangler state directory (MLM_STATE_DIR overrides it, e.g. for the restart smoke test). */
export function stateDir() {
  return resolve(process.env.MLM_STATE_DIR ?? '.wrangler/state');
}

export function persistArgs() {
  return ['--persist-to', stateDir()];
}

const recordPath = () => join(stateDir(), 'demo-seed.json');

/** Where the worker's output goes while the demo is seeded. */
export function seedLogPath() {
  mkdirSync(stateDir(), { recursive: true });
  return join(stateDir(), 'demo-seed.log');
}

/** 'fresh' (no member yet), 'seeded' (record of a finished seed) or 'incomplete' (members, no record). */
export async function seedState() {
  const rows = await d1Query('wrangler.toml', stateDir(), 'SELECT count(*) AS n FROM distributor');
  const members = Number(rows[0].n);
  if (existsSync(recordPath())) return { state: 'seeded', members, record: readSeedRecord() };
  return { state: members === 0 ? 'fresh' : 'incomplete', members };
}

export function readSeedRecord() {
  return JSON.parse(readFileSync(recordPath(), 'utf8'));
}

export function writeSeedRecord(record) {
  mkdirSync(stateDir(), { recursive: true });
  writeFileSync(recordPath(), `${JSON.stringify(record, null, 2)}\n`);
}
