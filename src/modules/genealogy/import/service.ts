// Use cases of the import (shared by GraphQL and the part-upload route).
import type { Env } from '../../../env';
import { nowIso } from '../../../lib/db';
import { decodeGlobalId } from '../../../lib/globalId';
import { type ImportFormat, parsePart } from './parse';
import { createImport, type ImportRow, markStarted, storePart } from './repository';

/** Largest part body accepted (bytes). */
export const MAX_PART_BYTES = 8 * 1024 * 1024;

export async function uploadPart(env: Env, imp: ImportRow, partNo: number, text: string) {
  const t0 = Date.now();
  const parsed = parsePart(imp.format, text, nowIso());
  const t1 = Date.now();
  await storePart(env.DB, imp.id, partNo, parsed);
  console.log(`import ${imp.id}: part ${partNo} parsed in ${t1 - t0} ms, stored in ${Date.now() - t1} ms`);
  return { part: partNo, rows: parsed.rows.length, issues: parsed.issues.length };
}

export async function startImport(env: Env, importId: number): Promise<ImportRow> {
  const row = await markStarted(env.DB, importId);
  await env.JOBS.send({ kind: 'genealogyImport.validate', importId });
  return row;
}

/** Small files in one call: create, one part, start. */
export async function importInOneCall(
  env: Env,
  format: ImportFormat,
  content: string,
  staffId: number | null,
): Promise<ImportRow> {
  const imp = await createImport(env.DB, format, staffId);
  await uploadPart(env, imp, 1, content);
  return startImport(env, imp.id);
}

/** Accepts the numeric id or the Relay global ID of a GenealogyImport, in any spelling. */
export function parseImportId(raw: string): number | null {
  if (/^\d+$/.test(raw)) return Number(raw);
  try {
    const { typename, id } = decodeGlobalId(raw);
    return typename === 'GenealogyImport' && /^\d+$/.test(id) ? Number(id) : null;
  } catch {
    // A malformed id names no import: the route answers 404.
    return null;
  }
}
