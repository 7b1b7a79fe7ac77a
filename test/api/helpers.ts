import { env } from 'cloudflare:test';

// Helpers of the API-edge tests.

/**
 * env with a D1 that counts the statements prepared (every query, alone or in a batch, is prepared once),
 * in the request's D1 session too (http/d1Session.ts runs every request in one).
 */
export function countingEnv() {
  let statements = 0;
  const counted = <T extends object>(db: T): T =>
    new Proxy(db, {
      get(target, prop) {
        const v = Reflect.get(target, prop, target);
        if (prop === 'prepare') {
          return (sql: string) => {
            statements++;
            return (target as unknown as D1Database).prepare(sql);
          };
        }
        if (prop === 'withSession')
          return (anchor: string) => counted((target as unknown as D1Database).withSession(anchor));
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
  return { env: { ...env, DB: counted(env.DB) }, count: () => statements };
}
