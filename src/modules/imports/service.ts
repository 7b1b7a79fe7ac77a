// Use cases every import kind shares (GraphQL and the part-upload route call them).
import type { Env } from '../../env';
import { nowIso } from '../../lib/db';
import { decodeGlobalId } from '../../lib/globalId';
import { recordJob } from '../jobs/repository';
import { sendFirstStep } from '../jobs/start';
import { importJob } from './jobKind';
import type { ImportKind, ImportKindSpec, ImportRecord, ParsedPart } from './kind';
import { createImport, markStarted, storePart } from './records';
import { logImportStep } from './steps';

/** Closes a kind's spec over its part type. */
export function defineImportKind<P extends ParsedPart, F extends string>(
  spec: ImportKindSpec<P, F>,
): ImportKind {
  const { parse, stage, ...kind } = spec;
  return {
    ...kind,
    async storeParsedPart(db, imp, partNo, text, now) {
      const parsed = parse(imp.format as F, text, now);
      const results = await storePart(db, kind, imp.id, partNo, parsed, stage(db, imp.id, partNo, parsed));
      const stageMs = results.reduce((s, r) => s + (r.meta?.duration ?? 0), 0);
      return { rows: parsed.rows.length, issues: parsed.issues.length, stageMs: Math.round(stageMs) };
    },
  };
}

export async function uploadPart(
  env: Env,
  kind: ImportKind,
  imp: ImportRecord,
  partNo: number,
  text: string,
) {
  const t0 = Date.now();
  const counts = await kind.storeParsedPart(env.DB, imp, partNo, text, nowIso());
  // ms - stageMs: reading the body, parsing it, and the round trips (Date.now() stands still while parsing).
  logImportStep(kind, imp.id, 'upload', {
    part: partNo,
    rows: counts.rows,
    ms: Date.now() - t0,
    stageMs: counts.stageMs,
  });
  return { part: partNo, [kind.rowsKey]: counts.rows, issues: counts.issues };
}

export async function startImport<R extends ImportRecord>(env: Env, kind: ImportKind, importId: number) {
  const job = importJob(kind, importId);
  const row = await markStarted<R>(env.DB, kind, importId, recordJob(env.DB, job));
  await sendFirstStep(env, job);
  return row;
}

/** Small files in one call: create, one part, start. */
export async function importInOneCall<R extends ImportRecord>(
  env: Env,
  kind: ImportKind,
  format: string,
  content: string,
  staffId: number | null,
): Promise<R> {
  const imp = await createImport<R>(env.DB, kind, format, staffId);
  await uploadPart(env, kind, imp, 1, content);
  return startImport<R>(env, kind, imp.id);
}

/** Accepts the numeric id or the Relay global ID of the kind's import, in any spelling. */
export function parseImportId(kind: ImportKind, raw: string): number | null {
  if (/^\d+$/.test(raw)) return Number(raw);
  try {
    const { typename, id } = decodeGlobalId(raw);
    return typename === kind.typename && /^\d+$/.test(id) ? Number(id) : null;
  } catch {
    // A malformed id names no import: the route answers 404.
    return null;
  }
}
