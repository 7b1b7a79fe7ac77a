// Use cases of the order import (shared by GraphQL and the part-upload route).
import type { Env } from '../../../env';
import { nowIso } from '../../../lib/db';
import { decodeGlobalId } from '../../../lib/globalId';
import { type ImportFormat, parsePart } from './parse';
import { createOrderImport, markStarted, type OrderImportRow, storePart } from './repository';

/** Largest part body accepted (bytes). */
export const MAX_PART_BYTES = 8 * 1024 * 1024;

export async function uploadPart(env: Env, imp: OrderImportRow, partNo: number, text: string) {
  const parsed = parsePart(imp.format, text, nowIso());
  await storePart(env.DB, imp.id, partNo, parsed);
  return { part: partNo, orders: parsed.rows.length, issues: parsed.issues.length };
}

export async function startOrderImport(env: Env, importId: number): Promise<OrderImportRow> {
  const row = await markStarted(env.DB, importId);
  await env.JOBS.send({ kind: 'orderImport.validate', importId });
  return row;
}

/** Small files in one call: create, one part, start. */
export async function importOrdersInOneCall(
  env: Env,
  format: ImportFormat,
  content: string,
  staffId: number | null,
): Promise<OrderImportRow> {
  const imp = await createOrderImport(env.DB, format, staffId);
  await uploadPart(env, imp, 1, content);
  return startOrderImport(env, imp.id);
}

/** Accepts the numeric id or the Relay global ID of an OrderImport, in any spelling. */
export function parseOrderImportId(raw: string): number | null {
  if (/^\d+$/.test(raw)) return Number(raw);
  try {
    const { typename, id } = decodeGlobalId(raw);
    return typename === 'OrderImport' && /^\d+$/.test(id) ? Number(id) : null;
  } catch {
    // A malformed id names no import: the route answers 404.
    return null;
  }
}
