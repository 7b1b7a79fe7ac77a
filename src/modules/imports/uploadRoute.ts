// The one part-upload route of every import kind: big files do not go through GraphQL. Staff only.
import { Hono, type MiddlewareHandler } from 'hono';
import type { Env } from '../../env';
import type { ImportKind } from './kind';
import { MAX_PART_BYTES } from './limits';
import { importById } from './records';
import { parseImportId, uploadPart } from './service';

/** PUT /imports/:kind/:id/parts/:n for the given kinds (`guard` authorizes: the edge owns who is staff). */
export function importUploadRoute(kinds: readonly ImportKind[], guard: MiddlewareHandler<{ Bindings: Env }>) {
  const byPath = new Map(kinds.map((k) => [k.path, k]));
  const app = new Hono<{ Bindings: Env }>();
  // An unknown kind is an unknown path (the app's 404), before any authentication.
  const knownKind: MiddlewareHandler<{ Bindings: Env }> = async (c, next) => {
    if (!byPath.has(c.req.param('kind') ?? '')) return c.notFound();
    await next();
  };
  app.put('/imports/:kind/:id/parts/:partNo', knownKind, guard, async (c) => {
    const kind = byPath.get(c.req.param('kind'))!;
    const id = parseImportId(kind, c.req.param('id'));
    const partNo = Number(c.req.param('partNo'));
    if (id == null) return c.json({ error: 'Unknown import id.' }, 404);
    if (!Number.isInteger(partNo) || partNo < 1 || partNo > 100_000)
      return c.json({ error: 'Parts are numbered 1, 2, 3, ...' }, 400);
    if (Number(c.req.header('content-length') ?? 0) > MAX_PART_BYTES)
      return c.json({ error: `A part holds at most ${MAX_PART_BYTES} bytes.` }, 413);
    const body = await c.req.arrayBuffer();
    if (body.byteLength > MAX_PART_BYTES)
      return c.json({ error: `A part holds at most ${MAX_PART_BYTES} bytes.` }, 413);
    const imp = await importById(c.env.DB, kind, id);
    if (!imp) return c.json({ error: 'Import not found.' }, 404);
    if (imp.status !== 'UPLOADING') return c.json({ error: `The import is ${imp.status}.` }, 409);
    return c.json(await uploadPart(c.env, kind, imp, partNo, new TextDecoder().decode(body)));
  });
  return app;
}
