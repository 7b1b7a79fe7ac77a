import { createMiddleware } from 'hono/factory';
import type { Env } from '../env';
import { authenticate } from '../modules/auth/authenticate';
import { jsonRefusal } from './refusal';

/** Middleware of the staff-only HTTP endpoints: bad credentials 401/429, no credentials 401, others 403. */
export const staffOnly = createMiddleware<{ Bindings: Env }>(async (c, next) => {
  const auth = await authenticate(c.env, c.req.raw);
  if (auth.refusal) return jsonRefusal(auth.refusal);
  if (auth.viewer.kind === 'ANONYMOUS') return c.json({ error: 'Sign in as staff.' }, 401);
  if (auth.viewer.kind !== 'ADMIN') return c.json({ error: 'Staff only.' }, 403);
  await next();
});
