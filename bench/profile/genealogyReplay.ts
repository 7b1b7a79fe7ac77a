// The genealogy import's real steps (uploadPart, validateStep, applyStep) on node:sqlite through a small D1
// shim: per-step timings at sizes the shared machine cannot run in wrangler dev, and the statements that took
// the most time. Bundled and run by bench/genealogy-replay.mjs (Node 22: node:sqlite).
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { genealogyImports } from '../../src/modules/genealogy/import/kind';
import { markStarted } from '../../src/modules/genealogy/import/repository';
import { applyStep } from '../../src/modules/genealogy/import/steps';
import { validateStep } from '../../src/modules/genealogy/import/validate';
import { createImport } from '../../src/modules/imports/records';
import { uploadPart } from '../../src/modules/imports/service';

const [dir, file] = process.argv.slice(2);
rmSync(file, { force: true });
rmSync(`${file}-wal`, { force: true });
const sq = new DatabaseSync(file);
const mig = 'migrations';
for (const f of readdirSync(mig)
  .filter((f) => f.endsWith('.sql'))
  .sort())
  sq.exec(readFileSync(`${mig}/${f}`, 'utf8'));
sq.exec('PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;');
// Time per statement (its first 60 characters), summed over the run.
const stmtTime = new Map<string, number>();

/** A D1 prepared statement over node:sqlite: what the import's code calls, synchronously underneath. */
class Stmt {
  constructor(
    readonly sql: string,
    readonly args: unknown[] = [],
  ) {}
  bind(...a: unknown[]) {
    return new Stmt(this.sql, a);
  }
  private exec<T>(f: (s: any) => T): { v: T; ms: number } {
    const t = performance.now();
    const s = sq.prepare(this.sql);
    const v = f(s);
    const ms = performance.now() - t;
    const k = this.sql.replace(/\s+/g, ' ').slice(0, 60);
    stmtTime.set(k, (stmtTime.get(k) ?? 0) + ms);
    return { v, ms };
  }
  private static isQuery(sql: string) {
    return /^\s*(select|with|values)|returning/i.test(sql);
  }
  async first<T>(col?: string) {
    const r = this.exec((s) => s.get(...this.args)).v as any;
    return r == null ? null : col ? r[col] : (r as T);
  }
  async all<T>() {
    const { v, ms } = this.exec((s) => s.all(...this.args));
    return { results: v as T[], meta: { duration: ms } };
  }
  async raw<T>() {
    return (this.exec((s) => s.all(...this.args)).v as any[]).map((r) => Object.values(r)) as T[];
  }
  async run() {
    const { ms } = this.exec((s) => s.run(...this.args));
    return { results: [], meta: { duration: ms } };
  }
  runSync() {
    return Stmt.isQuery(this.sql)
      ? this.exec((s) => s.all(...this.args))
      : this.exec((s) => s.run(...this.args));
  }
}
// A batch is one transaction, as in D1.
const db = {
  prepare: (sql: string) => new Stmt(sql),
  async batch(stmts: Stmt[]) {
    sq.exec('BEGIN');
    try {
      const out = stmts.map((s) => {
        const { v, ms } = s.runSync();
        return { results: Array.isArray(v) ? v : [], meta: { duration: ms } };
      });
      sq.exec('COMMIT');
      return out;
    } catch (e) {
      sq.exec('ROLLBACK');
      throw e;
    }
  },
  async exec(sql: string) {
    sq.exec(sql);
  },
} as unknown as D1Database;
// Step messages are not needed: the steps are called in order below.
const env = { DB: db, JOBS: { send: async () => {} } } as any;
const t0 = performance.now();
const imp = await createImport(db, genealogyImports, 'NDJSON', null);
let n = 0;
for (const f of readdirSync(dir).sort())
  await uploadPart(env, genealogyImports, imp, ++n, readFileSync(`${dir}/${f}`, 'utf8'));
const t1 = performance.now();
await markStarted(db, imp.id);
await validateStep(env, imp.id);
const t2 = performance.now();
// The apply step queues itself again when its time budget is spent: run it until the import has ended.
const status = () =>
  (sq.prepare('SELECT status FROM genealogy_import WHERE id = ?').get(imp.id) as { status: string }).status;
for (let k = 0; k < 50 && status() === 'APPLYING'; k++) await applyStep(env, imp.id);
const t3 = performance.now();
console.log(
  `TOTAL upload=${(t1 - t0).toFixed(0)} validate=${(t2 - t1).toFixed(0)} apply=${(t3 - t2).toFixed(0)} status=${status()}`,
);
console.log(
  [...stmtTime]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 14)
    .map(([k, v]) => `${v.toFixed(0).padStart(7)} ${k}`)
    .join('\n'),
);
