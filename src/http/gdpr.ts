import { Hono } from 'hono';
import type { Env } from '../env';
import { ConflictError, ForbiddenError, NotFoundError } from '../lib/errors';
import { authenticate } from '../modules/auth/authenticate';
import { exportArchive } from '../modules/gdpr/exports';
import { jsonRefusal } from './refusal';

// Download of a personal-data export (GDPR): the requester or staff, signed in, while it is READY and not
// expired (409 while it is being built, 410 once expired). Anyone else gets 404 (its existence is not revealed).
export const gdprFiles = new Hono<{ Bindings: Env }>();

gdprFiles.get('/exports/:id', async (c) => {
  const auth = await authenticate(c.env, c.req.raw);
  if (auth.refusal) return jsonRefusal(auth.refusal);
  if (auth.viewer.kind === 'ANONYMOUS') return c.json({ error: 'Sign in first.' }, 401);
  const id = Number(c.req.param('id'));
  if (!Number.isSafeInteger(id)) return c.json({ error: 'Export not found.' }, 404);
  try {
    const file = await exportArchive(c.env, auth.viewer, id);
    return new Response(file.body, {
      headers: {
        'content-type': 'application/zip',
        'content-length': String(file.size),
        'content-disposition': `attachment; filename="personal-data-${file.row.subject_type.toLowerCase()}-${file.row.subject_id}-${id}.zip"`,
        'cache-control': 'private, no-store',
      },
    });
  } catch (e) {
    if (e instanceof NotFoundError) return c.json({ error: e.message }, 404);
    if (e instanceof ConflictError) return c.json({ error: e.message }, 409);
    // Expired (or failed): gone for good.
    if (e instanceof ForbiddenError) return c.json({ error: e.message }, 410);
    throw e;
  }
});
