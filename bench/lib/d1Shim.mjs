// D1's statement API over node:sqlite, for the benchmarks that run the worker's own loaders in Node on a local
// D1 file (closeEngine.mjs, whatifExplain.mjs): just what those readers and writers call.
import { DatabaseSync } from 'node:sqlite';

/**
 * `onCall` runs before every statement (the memory samplers hook in there: a Node process sees no other point
 * between a reader's pages). Read-only unless `writable`.
 */
export function d1Shim(file, { writable = false, onCall = () => {} } = {}) {
  const sqlite = new DatabaseSync(file, { readOnly: !writable });
  const cache = new Map();
  const statement = (sql) => {
    if (!cache.has(sql)) cache.set(sql, sqlite.prepare(sql));
    return cache.get(sql);
  };
  // D1 binds whole numbers as INTEGER (LIMIT needs one); node:sqlite binds every number as REAL.
  const param = (v) => (typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : v);
  const run = (sql, params) => {
    if (!writable) throw new Error(`read-only shim: ${sql.slice(0, 60)}`);
    const r = statement(sql).run(...params);
    return {
      success: true,
      results: [],
      meta: { changes: Number(r.changes), last_row_id: Number(r.lastInsertRowid) },
    };
  };
  const prepared = (sql, params = []) => ({
    sql,
    params,
    bind: (...p) => prepared(sql, p.map(param)),
    async first(column) {
      onCall();
      const row = statement(sql).get(...params);
      if (!row) return null;
      return column ? row[column] : { ...row };
    },
    async all() {
      onCall();
      return {
        results: statement(sql)
          .all(...params)
          .map((r) => ({ ...r })),
        success: true,
      };
    },
    async raw() {
      onCall();
      const s = statement(sql);
      s.setReturnArrays(true);
      try {
        return s.all(...params);
      } finally {
        s.setReturnArrays(false);
      }
    },
    async run() {
      onCall();
      return run(sql, params);
    },
  });
  return {
    prepare: (sql) => prepared(sql),
    async batch(stmts) {
      onCall();
      if (!writable) throw new Error('read-only shim');
      sqlite.exec('BEGIN');
      try {
        const out = stmts.map((s) =>
          /^\s*(SELECT|WITH)/i.test(s.sql) && !/RETURNING/i.test(s.sql)
            ? {
                success: true,
                results: statement(s.sql)
                  .all(...s.params)
                  .map((r) => ({ ...r })),
                meta: { changes: 0 },
              }
            : run(s.sql, s.params),
        );
        sqlite.exec('COMMIT');
        return out;
      } catch (e) {
        sqlite.exec('ROLLBACK');
        throw e;
      }
    },
  };
}
