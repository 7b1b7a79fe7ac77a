// Counts and times the D1 calls of one close step, so the Worker log shows each step's distance from the
// platform limits (1,000 queries per invocation, 30 s per query or batch). bench:close reads these lines.
// Date.now() in a Worker advances only across I/O, so a call's time includes the CPU spent just before it.
import { logStep } from '../../../lib/stepLog';

export interface D1Meter {
  calls: number;
  slowestMs: number;
  /** Σ meta.duration of the results: the time D1 spent executing SQL, without the Worker's own work around it. */
  sqlMs: number;
  readonly startedAt: number;
}

const meters = new WeakMap<D1Database, D1Meter>();

/** SQL time so far of a metered database (0 when it is not metered), for splitting a step's time into parts. */
export function sqlMsOf(db: D1Database): number {
  return meters.get(db)?.sqlMs ?? 0;
}

/** Adds the meta.duration of whatever a D1 call returned (a result, a batch's results; raw() returns none). */
function addSqlMs(meter: D1Meter, value: unknown) {
  for (const r of Array.isArray(value) ? value : [value]) {
    const duration = (r as Partial<D1Result> | null)?.meta?.duration;
    if (typeof duration === 'number') meter.sqlMs += duration;
  }
}

const CALLS = new Set(['first', 'all', 'run', 'raw']);

export function meteredDb(db: D1Database): { db: D1Database; meter: D1Meter } {
  const meter: D1Meter = { calls: 0, slowestMs: 0, sqlMs: 0, startedAt: Date.now() };
  const real = new WeakMap<object, D1PreparedStatement>();
  const time = async <T>(call: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    try {
      const value = await call();
      addSqlMs(meter, value);
      return value;
    } finally {
      meter.calls++;
      meter.slowestMs = Math.max(meter.slowestMs, Date.now() - t0);
    }
  };
  const wrap = (stmt: D1PreparedStatement): D1PreparedStatement => {
    const proxy = new Proxy(stmt, {
      get(target, key) {
        const value = Reflect.get(target, key, target);
        if (key === 'bind')
          return (...args: unknown[]) => wrap((value as D1PreparedStatement['bind']).apply(target, args));
        if (typeof key === 'string' && CALLS.has(key))
          return (...args: unknown[]) =>
            time(() => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args));
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    real.set(proxy, stmt);
    return proxy;
  };
  const proxy = new Proxy(db, {
    get(target, key) {
      if (key === 'prepare') return (sql: string) => wrap(target.prepare(sql));
      if (key === 'batch')
        return (stmts: D1PreparedStatement[]) => time(() => target.batch(stmts.map((s) => real.get(s) ?? s)));
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  meters.set(proxy, meter);
  return { db: proxy, meter };
}

/** One log line per close step: `[close] <period> run <n> <step> name=value ...`. */
export function logCloseStep(periodId: string, run: number, step: string, fields: Record<string, number>) {
  logStep('close', `${periodId} run ${run}`, step, fields);
}
