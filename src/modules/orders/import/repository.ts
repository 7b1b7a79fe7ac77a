// I/O of the order import beyond the engine's: staged orders, chunk ranges, progress per phase, cleanup.
import { atomic } from '../../../lib/db';
import { importJob } from '../../imports/jobKind';
import type { ImportRecord } from '../../imports/kind';
import { jsonChunks } from '../../imports/limits';
import { deleteStagedRows, markStarted as startRecord } from '../../imports/records';
import { recordJob } from '../../jobs/repository';
import type { ParsedPart } from './parse';
import { ORDER_IMPORT } from './table';

/** The order import record: the engine's columns and the chunk counts of its two apply phases. */
export interface OrderImportRow extends ImportRecord {
  order_chunks: number | null;
  volume_chunks: number | null;
}

/** The started import (a test starts one without its queue message). */
export const markStarted = (db: D1Database, importId: number) =>
  startRecord<OrderImportRow>(db, ORDER_IMPORT, importId, recordJob(db, importJob(ORDER_IMPORT, importId)));

/** Statements that stage a part's orders (their lines as one JSON value each). */
export function stageRows(db: D1Database, importId: number, partNo: number, parsed: ParsedPart) {
  const staged = parsed.rows.map((r) => [
    ...r.slice(0, 12),
    r[12] == null ? null : JSON.stringify(r[12]),
    r[13],
  ]);
  const insert = db.prepare(
    `INSERT INTO order_import_row (import_id, part_no, line, external_id, distributor_ext, distributor_id, customer_ext,
       customer_id, kind, currency, status, paid_at, created_at, reference, lines, bad)
     SELECT ?1, ?2, value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, value->>7,
       value->>8, value->>9, value->>10, value->>11, value->>12, value->>13
     FROM jsonb_each(jsonb(?3))`,
  );
  return jsonChunks(staged).map((json) => insert.bind(importId, partNo, json));
}

export interface OrderChunkRange {
  fromPart: number;
  fromLine: number;
  toPart: number;
  toLine: number;
}

/** Stores the order chunks (ranges of staged rows) and moves the import to APPLYING. */
export async function storeOrderChunks(db: D1Database, importId: number, ranges: OrderChunkRange[]) {
  const json = JSON.stringify(ranges.map((r, k) => [k, r.fromPart, r.fromLine, r.toPart, r.toLine]));
  // Only while still VALIDATING: a duplicate validation finishing late must not reset applied markers.
  const validating = `(SELECT status FROM order_import WHERE id = ?1) = 'VALIDATING'`;
  await atomic(db, [
    db.prepare(`DELETE FROM order_import_chunk WHERE import_id = ?1 AND ${validating}`).bind(importId),
    db
      .prepare(
        `INSERT INTO order_import_chunk (import_id, chunk_no, kind, from_part, from_line, to_part, to_line)
         SELECT ?1, value->>0, 'orders', value->>1, value->>2, value->>3, value->>4 FROM json_each(?2)
         WHERE ${validating}`,
      )
      .bind(importId, json),
    db
      .prepare(
        `UPDATE order_import SET status = 'APPLYING', order_chunks = ?, step = 'orders', done = 0, total = ?
         WHERE id = ? AND status = 'VALIDATING'`,
      )
      .bind(ranges.length, ranges.length, importId),
  ]);
}

export interface ChunkInfo {
  chunk_no: number;
  kind: 'orders' | 'volume';
  from_part: number | null;
  from_line: number | null;
  to_part: number | null;
  to_line: number | null;
  period: string | null;
  applied: number;
}

export async function chunkList(db: D1Database, importId: number): Promise<ChunkInfo[]> {
  const { results } = await db
    .prepare(
      `SELECT chunk_no, kind, from_part, from_line, to_part, to_line, period, applied FROM order_import_chunk
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

/** Frees the staged rows, chunks and sums of a finished import, a part at a time. */
export async function cleanup(db: D1Database, importId: number): Promise<void> {
  await deleteStagedRows(db, ORDER_IMPORT, importId);
  await atomic(db, [
    db.prepare('DELETE FROM order_import_chunk WHERE import_id = ?').bind(importId),
    db.prepare('DELETE FROM order_import_volume WHERE import_id = ?').bind(importId),
  ]);
}
