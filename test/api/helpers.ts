import { env } from 'cloudflare:test';

// Helpers of the API-edge tests.

/** env with a D1 that counts the statements prepared (every query, alone or in a batch, is prepared once). */
export function countingEnv() {
  let statements = 0;
  const db = new Proxy(env.DB, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target);
      if (prop === 'prepare') {
        return (sql: string) => {
          statements++;
          return target.prepare(sql);
        };
      }
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { env: { ...env, DB: db }, count: () => statements };
}
