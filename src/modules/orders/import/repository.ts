// I/O of the order import beyond the engine's: staged orders, chunk ranges, progress per phase, cleanup.
import { atomic } from '../../../lib/db';
import { importJob } from '../../imports/jobKind';
import type { ImportRecord } from '../../imports/kind';
import { jsonChunks } from '../../imports/limits';
import { deleteStagedRows, markStarted as startRecord } from '../../imports/records';
import { recordJob } from '../../jobs/repository';
import type { CheckedChunk } from './checkedChunks';
import type { ParsedPart, StagedOrder } from './parse';
import { ORDER_IMPORT } from './table';

/** The order import record: the engine's columns and the chunk counts of its two apply phases. */
export interface OrderImportRow extends ImportRecord {
  order_chunks: number | null;
  volume_chunks: number | null;
}

/** The started import (a test starts one without its queue message). */
export const markStarted = (db: D1Database, importId: number) =>
  startRecord<OrderImportRow>(db, ORDER_IMPORT, importId, recordJob(db, importJob(ORDER_IMPORT, importId)));

/** Statements that stage a part's orders: packs of at most MAX_JSON_PARAM of JSON, in file order. */
export function stageRows(db: D1Database, importId: number, partNo: number, parsed: ParsedPart) {
  const insert = db.prepare(
    'INSERT INTO order_import_row (import_id, part_no, pack, orders) VALUES (?, ?, ?, ?)',
  );
  return jsonChunks(parsed.rows).map((json, pack) => insert.bind(importId, partNo, pack, json));
}

export interface StagedPack {
  part_no: number;
  pack: number;
  /** JSON array of StagedOrder. */
  orders: string;
}

/** The staged packs after (part, pack), in file order, at most `limit`. */
export async function packsAfter(
  db: D1Database,
  importId: number,
  after: [number, number],
  limit: number,
): Promise<StagedPack[]> {
  const { results } = await db
    .prepare(
      `SELECT part_no, pack, orders FROM order_import_row
       WHERE import_id = ?1 AND (part_no, pack) > (?2, ?3) ORDER BY part_no, pack LIMIT ?4`,
    )
    .bind(importId, after[0], after[1], limit)
    .all<StagedPack>();
  return results;
}

/** One staged pack's orders. */
export async function stagedPack(db: D1Database, importId: number, partNo: number, pack: number) {
  const row = await db
    .prepare('SELECT orders FROM order_import_row WHERE import_id = ? AND part_no = ? AND pack = ?')
    .bind(importId, partNo, pack)
    .first<{ orders: string }>();
  return JSON.parse(row!.orders) as StagedOrder[];
}

// Only while still VALIDATING: a duplicate validation finishing late must not reset applied markers.
const VALIDATING = `(SELECT status FROM order_import WHERE id = ?1) = 'VALIDATING'`;

/** Statements keeping one checked chunk (while the import is VALIDATING). */
export function storeCheckedChunk(
  db: D1Database,
  importId: number,
  chunkNo: number,
  c: CheckedChunk,
  context: string,
): D1PreparedStatement[] {
  return [
    db
      .prepare(
        `INSERT OR REPLACE INTO order_import_chunk (import_id, chunk_no, kind, part_no, pack, first, count, context)
         SELECT ?1, ?2, 'orders', ?3, ?4, ?5, ?6, ?7 WHERE ${VALIDATING}`,
      )
      .bind(importId, chunkNo, c.partNo, c.pack, c.first, c.count, context),
    db
      .prepare(
        `INSERT OR REPLACE INTO order_import_checked (import_id, chunk_no, sales, months, checked)
         SELECT ?1, ?2, ?3, ?4, jsonb(?5) WHERE ${VALIDATING}`,
      )
      .bind(importId, chunkNo, c.sales, c.months, c.checked),
  ];
}

/** Replaces a chunk's checked rows (apply, when the catalog or the members changed since validation). */
export function replaceCheckedChunk(
  db: D1Database,
  importId: number,
  chunkNo: number,
  c: CheckedChunk,
  context: string,
): D1PreparedStatement[] {
  return [
    db
      .prepare(
        `INSERT OR REPLACE INTO order_import_checked (import_id, chunk_no, sales, months, checked)
         VALUES (?1, ?2, ?3, ?4, jsonb(?5))`,
      )
      .bind(importId, chunkNo, c.sales, c.months, c.checked),
    db
      .prepare('UPDATE order_import_chunk SET context = ?3 WHERE import_id = ?1 AND chunk_no = ?2')
      .bind(importId, chunkNo, context),
  ];
}

/** Ends validation: drops chunks beyond `count` (an earlier attempt's) and moves the import to APPLYING. */
export async function finishValidation(
  db: D1Database,
  importId: number,
  count: number,
  last: D1PreparedStatement[],
) {
  await atomic(db, [
    ...last,
    db
      .prepare(`DELETE FROM order_import_chunk WHERE import_id = ?1 AND chunk_no >= ?2 AND ${VALIDATING}`)
      .bind(importId, count),
    db
      .prepare(`DELETE FROM order_import_checked WHERE import_id = ?1 AND chunk_no >= ?2 AND ${VALIDATING}`)
      .bind(importId, count),
    db
      .prepare(
        `UPDATE order_import SET status = 'APPLYING', order_chunks = ?, step = 'orders', done = 0, total = ?
         WHERE id = ? AND status = 'VALIDATING'`,
      )
      .bind(count, count, importId),
  ]);
}

export interface ChunkInfo {
  chunk_no: number;
  kind: 'orders' | 'volume';
  part_no: number | null;
  pack: number | null;
  first: number | null;
  count: number | null;
  context: string | null;
  period: string | null;
  applied: number;
}

export async function chunkList(db: D1Database, importId: number): Promise<ChunkInfo[]> {
  const { results } = await db
    .prepare(
      `SELECT chunk_no, kind, part_no, pack, first, count, context, period, applied FROM order_import_chunk
       WHERE import_id = ? ORDER BY chunk_no`,
    )
    .bind(importId)
    .all<ChunkInfo>();
  return results;
}

/** Marks a chunk applied (fails, and so fails its whole batch, when it already was) and counts progress. */
export function markChunk(
  db: D1Database,
  importId: number,
  chunkNo: number,
  kind: string,
): D1PreparedStatement[] {
  return [
    db
      .prepare('UPDATE order_import_chunk SET applied = applied + 1 WHERE import_id = ? AND chunk_no = ?')
      .bind(importId, chunkNo),
    // done + 1 (each phase starts at 0): counting the applied chunks read every volume chunk's payload again,
    // as `applied` comes after it. The batch fails whole when the chunk was applied already.
    db
      .prepare('UPDATE order_import SET step = ?2, done = done + 1 WHERE id = ?1')
      .bind(importId, kind === 'volume' ? 'volumes' : kind),
  ];
}

/** Frees the staged rows, chunks and sums of a finished import, a part or a few chunks at a time. */
export async function cleanup(db: D1Database, importId: number): Promise<void> {
  await deleteStagedRows(db, ORDER_IMPORT, importId);
  // Checked rows hold up to 1.5 MB a chunk: a few at a time (one statement over a 3M-order import could hit
  // D1's time limit).
  for (;;) {
    const { meta } = await db
      .prepare(
        `DELETE FROM order_import_checked WHERE import_id = ?1 AND chunk_no IN
           (SELECT chunk_no FROM order_import_checked WHERE import_id = ?1 ORDER BY chunk_no LIMIT 50)`,
      )
      .bind(importId)
      .run();
    if (!meta.changes) break;
  }
  await atomic(db, [
    db.prepare('DELETE FROM order_import_chunk WHERE import_id = ?').bind(importId),
    db.prepare('DELETE FROM order_import_volume WHERE import_id = ?').bind(importId),
  ]);
}
