// I/O of the prospect import beyond the engine's: staged contacts, chunk ranges, progress, cleanup, and
// taking back what a failed import wrote.
import { atomic } from '../../../../lib/db';
import { ValidationError } from '../../../../lib/errors';
import type { ImportRecord } from '../../../imports/kind';
import { jsonChunks } from '../../../imports/limits';
import { deleteStagedRows } from '../../../imports/records';
import type { CreateProspect } from '../model';
import type { ContactFormat, ProspectPart } from './parse';
import { PROSPECT_IMPORT } from './table';

/** The prospect import record: the engine's columns, the owner and the chunk count. */
export interface ProspectImportRow extends ImportRecord {
  format: ContactFormat;
  owner_id: number;
  prospect_chunks: number | null;
}

/** The owner named when the import is created: a distributor that exists. */
export async function checkOwner(db: D1Database, ownerId: number): Promise<{ owner_id: number }> {
  const owner = await db.prepare('SELECT id FROM distributor WHERE id = ?').bind(ownerId).first();
  if (!owner)
    throw new ValidationError('Unknown owner.', [
      { path: 'ownerId', message: 'No such distributor.', code: 'NOT_FOUND' },
    ]);
  return { owner_id: ownerId };
}

/** Statements that stage a part's checked contacts. */
export function stageRows(db: D1Database, importId: number, partNo: number, parsed: ProspectPart) {
  const staged = parsed.rows.map(({ line, prospect: p }) => [
    line,
    p.firstName,
    p.lastName ?? null,
    p.email ?? null,
    p.phone ?? null,
    p.notes ?? null,
    p.status ?? null,
    p.nextStep ?? null,
    p.nextStepDate ?? null,
  ]);
  const insert = db.prepare(
    `INSERT INTO prospect_import_row (import_id, part_no, line, first_name, last_name, email, phone, notes, status,
       next_step, next_step_date)
     SELECT ?1, ?2, value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, value->>7, value->>8
     FROM json_each(?3)`,
  );
  return jsonChunks(staged).map((json) => insert.bind(importId, partNo, json));
}

/** A chunk: staged rows after (from_part, from_line) up to and including (to_part, to_line), in file order. */
export interface ChunkInfo {
  chunk_no: number;
  from_part: number;
  from_line: number;
  to_part: number;
  to_line: number;
  applied: number;
}

/** The last staged row of every `size` rows, and the very last: the ends of the chunks, in file order. */
export async function chunkEnds(db: D1Database, importId: number, size: number) {
  return db
    .prepare(
      `SELECT part_no, line FROM (
         SELECT part_no, line, row_number() OVER (ORDER BY part_no, line) AS n, count(*) OVER () AS total
         FROM prospect_import_row WHERE import_id = ?1)
       WHERE n % ?2 = 0 OR n = total ORDER BY n`,
    )
    .bind(importId, size)
    .raw<[number, number]>();
}

/** Stores the chunks and moves the import to APPLYING. */
export async function storeChunks(db: D1Database, importId: number, ends: readonly [number, number][]) {
  const ranges = ends.map(([part, line], k) => [k, ...(k ? ends[k - 1] : [0, 0]), part, line]);
  // Only while still VALIDATING: a duplicate validation finishing late must not reset applied markers.
  const validating = `(SELECT status FROM prospect_import WHERE id = ?1) = 'VALIDATING'`;
  await atomic(db, [
    db.prepare(`DELETE FROM prospect_import_chunk WHERE import_id = ?1 AND ${validating}`).bind(importId),
    db
      .prepare(
        `INSERT INTO prospect_import_chunk (import_id, chunk_no, from_part, from_line, to_part, to_line)
         SELECT ?1, value->>0, value->>1, value->>2, value->>3, value->>4 FROM json_each(?2) WHERE ${validating}`,
      )
      .bind(importId, JSON.stringify(ranges)),
    db
      .prepare(
        `UPDATE prospect_import SET status = 'APPLYING', prospect_chunks = ?, step = 'apply', done = 0, total = ?
         WHERE id = ? AND status = 'VALIDATING'`,
      )
      .bind(ranges.length, ranges.length, importId),
  ]);
}

export async function chunkList(db: D1Database, importId: number): Promise<ChunkInfo[]> {
  const { results } = await db
    .prepare(
      `SELECT chunk_no, from_part, from_line, to_part, to_line, applied FROM prospect_import_chunk
       WHERE import_id = ? ORDER BY chunk_no`,
    )
    .bind(importId)
    .all<ChunkInfo>();
  return results;
}

/** The staged contacts of one chunk, in file order. */
export async function chunkProspects(
  db: D1Database,
  importId: number,
  c: ChunkInfo,
): Promise<CreateProspect[]> {
  const rows = await db
    .prepare(
      `SELECT first_name, last_name, email, phone, notes, status, next_step, next_step_date FROM prospect_import_row
       WHERE import_id = ?1 AND (part_no, line) > (?2, ?3) AND (part_no, line) <= (?4, ?5) ORDER BY part_no, line`,
    )
    .bind(importId, c.from_part, c.from_line, c.to_part, c.to_line)
    .raw<[string, ...(string | null)[]]>();
  return rows.map(([firstName, lastName, email, phone, notes, status, nextStep, nextStepDate]) => ({
    firstName,
    lastName,
    email,
    phone,
    notes,
    status: status as CreateProspect['status'],
    nextStep,
    nextStepDate,
  }));
}

/** Marks a chunk applied (fails, and so fails its whole batch, when it already was) and counts progress. */
export function markChunk(db: D1Database, importId: number, chunkNo: number): D1PreparedStatement[] {
  return [
    db
      .prepare('UPDATE prospect_import_chunk SET applied = applied + 1 WHERE import_id = ? AND chunk_no = ?')
      .bind(importId, chunkNo),
    db
      .prepare(
        `UPDATE prospect_import SET done = (SELECT count(*) FROM prospect_import_chunk
           WHERE import_id = ?1 AND applied = 1) WHERE id = ?1`,
      )
      .bind(importId),
  ];
}

export async function markDone(db: D1Database, importId: number, finishedAt: string): Promise<void> {
  await db
    .prepare(
      `UPDATE prospect_import SET status = 'DONE', finished_at = ?, done = total WHERE id = ? AND status = 'APPLYING'`,
    )
    .bind(finishedAt, importId)
    .run();
}

/** Prospects deleted per batch when a failed import is taken back (with their contact history and tasks). */
const UNDO_SLICE = 2000;

/** Deletes what the import wrote, a slice at a time; another delivery of it finds less or nothing left. */
export async function deleteImportedProspects(db: D1Database, importId: number): Promise<void> {
  const slice = `SELECT id FROM prospect WHERE import_id = ?1 ORDER BY id LIMIT ${UNDO_SLICE}`;
  for (;;) {
    const results = await atomic(db, [
      db
        .prepare(`DELETE FROM activity WHERE subject_type = 'PROSPECT' AND subject_id IN (${slice})`)
        .bind(importId),
      db
        .prepare(`DELETE FROM task WHERE subject_type = 'PROSPECT' AND subject_id IN (${slice})`)
        .bind(importId),
      db.prepare(`DELETE FROM prospect WHERE id IN (${slice})`).bind(importId),
    ]);
    if ((results[2].meta.changes ?? 0) < UNDO_SLICE) return;
  }
}

export async function markFailed(db: D1Database, importId: number, reason: string, finishedAt: string) {
  await db
    .prepare(
      `UPDATE prospect_import SET status = 'FAILED', error = ?, finished_at = ? WHERE id = ? AND status = 'APPLYING'`,
    )
    .bind(reason, finishedAt, importId)
    .run();
}

/** Frees the staged rows and chunks of a finished import, a part at a time. */
export async function cleanup(db: D1Database, importId: number) {
  await deleteStagedRows(db, PROSPECT_IMPORT, importId);
  await db.prepare('DELETE FROM prospect_import_chunk WHERE import_id = ?').bind(importId).run();
}
