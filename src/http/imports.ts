import { Hono } from 'hono';
import type { Env } from '../env';
import { importById } from '../modules/genealogy/import/repository';
import { MAX_PART_BYTES, parseImportId, uploadPart } from '../modules/genealogy/import/service';
import { staffOnly } from './staffOnly';

/** Part uploads of genealogy imports: big files do not go through GraphQL. Staff only. */
export const imports = new Hono<{ Bindings: Env }>();

imports.put('/imports/genealogy/:id/parts/:partNo', staffOnly, async (c) => {
  const id = parseImportId(c.req.param('id'));
  const partNo = Number(c.req.param('partNo'));
  if (id == null) return c.json({ error: 'Unknown import id.' }, 404);
  if (!Number.isInteger(partNo) || partNo < 1 || partNo > 100_000)
    return c.json({ error: 'Parts are numbered 1, 2, 3, ...' }, 400);
  if (Number(c.req.header('content-length') ?? 0) > MAX_PART_BYTES)
    return c.json({ error: `A part holds at most ${MAX_PART_BYTES} bytes.` }, 413);
  const body = await c.req.arrayBuffer();
  if (body.byteLength > MAX_PART_BYTES)
    return c.json({ error: `A part holds at most ${MAX_PART_BYTES} bytes.` }, 413);
  const imp = await importById(c.env.DB, id);
  if (!imp) return c.json({ error: 'Import not found.' }, 404);
  if (imp.status !== 'UPLOADING') return c.json({ error: `The import is ${imp.status}.` }, 409);
  const text = new TextDecoder().decode(body);
  return c.json(await uploadPart(c.env, imp, partNo, text));
});
