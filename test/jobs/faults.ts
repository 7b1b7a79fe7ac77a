import { createExecutionContext, env } from 'cloudflare:test';
import worker from '../../src/index';
import type { JobMessage } from '../../src/jobs/messages';
import { deliver as deliverBatch } from '../queueHelpers';

/**
 * The real D1 with a fault: every statement whose SQL matches `pattern` fails (alone or in a batch, which
 * then writes nothing), as a locked or unreachable database does for the writes it refuses.
 */
export function faultyDb(pattern: RegExp): D1Database {
  const poisoned = new WeakSet<object>();
  const fail = async () => {
    throw new Error('D1_ERROR: injected fault: database is locked');
  };
  const poison = (s: D1PreparedStatement): D1PreparedStatement => {
    const p = new Proxy(s, {
      get(target, prop) {
        if (prop === 'bind') return (...args: unknown[]) => poison(target.bind(...args));
        if (prop === 'run' || prop === 'all' || prop === 'first' || prop === 'raw') return fail;
        const v = Reflect.get(target, prop, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    poisoned.add(p);
    return p;
  };
  return new Proxy(env.DB, {
    get(target, prop) {
      if (prop === 'prepare')
        return (sql: string) => (pattern.test(sql) ? poison(target.prepare(sql)) : target.prepare(sql));
      if (prop === 'batch')
        return (statements: D1PreparedStatement[]) =>
          statements.some((s) => poisoned.has(s)) ? fail() : target.batch(statements);
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

/** Hands job messages to the worker's real queue handler (the retry delays asked for are noted). */
export function deliver(
  bodies: JobMessage[],
  opts: { attempts?: number; queue?: string; env?: typeof env } = {},
) {
  return deliverBatch(
    opts.queue ?? 'mlm-crm-jobs',
    bodies.map((body, i) => ({ id: `m${i}-${crypto.randomUUID()}`, attempts: opts.attempts ?? 1, body })),
    opts.env ?? env,
  );
}

/** The job row as stored. */
export async function jobRow(id: string) {
  return env.DB.prepare('SELECT * FROM job WHERE id = ?').bind(id).first<Record<string, any>>();
}

/** Fires the worker's hourly cron with a scheduled time `minutesLater` from now. */
export async function hourlyCron(minutesLater: number) {
  const { createScheduledController } = await import('cloudflare:test');
  const controller = createScheduledController({
    scheduledTime: new Date(Date.now() + minutesLater * 60_000),
    cron: '0 * * * *',
  });
  await worker.scheduled(controller, env, createExecutionContext());
}

export async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  let v = await read();
  for (let i = 0; i < 200 && !ok(v); i++) {
    await new Promise((r) => setTimeout(r, 100));
    v = await read();
  }
  if (!ok(v)) throw new Error(`${what} never happened: ${JSON.stringify(v)}`);
  return v;
}
