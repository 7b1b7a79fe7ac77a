// I/O of order imports: the import record, uploaded parts, staged orders, chunks, issues.
import { ConflictError, NotFoundError, ValidationError } from '../../../graphql/errors';
import { nowIso } from '../../../lib/db';
import { jsonChunks, MAX_ISSUES } from '../../genealogy/import/repository';
import type { ImportFormat, ParsedPart } from './parse';

export { jsonChunks, MAX_ISSUES };

export const ORDER_IMPORT_STATUSES = [
  'UPLOADING',
  'VALIDATING',
  'APPLYING',
  'DONE',
  'REJECTED',
  'FAILED',
] as const;
export type OrderImportStatus = (typeof ORDER_IMPORT_STATUSES)[number];

export interface OrderImportRow {
  id: number;
  format: ImportFormat;
  status: OrderImportStatus;
  total_rows: number | null;
  step: string | null;
  done: number;
  total: number;
  issue_count: number;
  order_chunks: number | null;
  volume_chunks: number | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export async function createOrderImport(db: D1Database, format: ImportFormat, staffId: number | null) {
  const row = await db
    .prepare(
      `INSERT INTO order_import (format, status, created_by, created_at) VALUES (?, 'UPLOADING', ?, ?) RETURNING *`,
    )
    .bind(format, staffId, nowIso())
    .first<OrderImportRow>();
  return row!;
}

export async function orderImportById(db: D1Database, id: number): Promise<OrderImportRow | null> {
  return db.prepare('SELECT * FROM order_import WHERE id = ?').bind(id).first<OrderImportRow>();
}

export async function orderImportsByIds(db: D1Database, ids: readonly number[]): Promise<OrderImportRow[]> {
  const { results } = await db
    .prepare('SELECT * FROM order_import WHERE id IN (SELECT value FROM json_each(?))')
    .bind(JSON.stringify(ids))
    .all<OrderImportRow>();
  return results;
}

export async function orderImportIssues(db: D1Database, id: number, first: number) {
  const { results } = await db
    .prepare('SELECT line, message FROM order_import_issue WHERE import_id = ? ORDER BY seq LIMIT ?')
    .bind(id, first)
    .all<{ line: number; message: string }>();
  return results;
}

/** Stores one part (replacing an earlier upload of the same part) in one batch. */
export async function storePart(db: D1Database, importId: number, partNo: number, parsed: ParsedPart) {
  const imp = await orderImportById(db, importId);
  if (!imp) throw new NotFoundError('Import not found.');
  if (imp.status !== 'UPLOADING')
    throw new ConflictError(
      `The import is ${imp.status}; parts can be uploaded only before it starts.`,
      'NOT_UPLOADING',
    );
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
     FROM json_each(?3)`,
  );
  await db.batch([
    db.prepare('DELETE FROM order_import_row WHERE import_id = ? AND part_no = ?').bind(importId, partNo),
    ...jsonChunks(staged).map((json) => insert.bind(importId, partNo, json)),
    db
      .prepare(
        `INSERT OR REPLACE INTO order_import_part (import_id, part_no, rows, records, lines, issue_count, issues, uploaded_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .bind(
        importId,
        partNo,
        parsed.rows.length,
        parsed.records,
        parsed.lines,
        parsed.issues.length,
        JSON.stringify(parsed.issues.slice(0, MAX_ISSUES)),
        nowIso(),
      ),
  ]);
}

export interface PartInfo {
  part_no: number;
  rows: number;
  records: number;
  lines: number;
  issue_count: number;
  issues: string;
}

export async function parts(db: D1Database, importId: number): Promise<PartInfo[]> {
  const { results } = await db
    .prepare(
      'SELECT part_no, rows, records, lines, issue_count, issues FROM order_import_part WHERE import_id = ? ORDER BY part_no',
    )
    .bind(importId)
    .all<PartInfo>();
  return results;
}

/** UPLOADING -> VALIDATING. One order import runs at a time (duplicates are checked against a still table). */
export async function markStarted(db: D1Database, importId: number): Promise<OrderImportRow> {
  const imp = await orderImportById(db, importId);
  if (!imp) throw new NotFoundError('Import not found.');
  if (imp.status !== 'UPLOADING')
    throw new ConflictError(`The import is already ${imp.status}.`, 'ALREADY_STARTED');
  const ps = await parts(db, importId);
  if (ps.length === 0)
    throw new ValidationError('Upload at least one part first.', [
      { path: 'id', message: 'No parts.', code: 'TOO_FEW', params: { min: 1 } },
    ]);
  const running = await db
    .prepare("SELECT id FROM order_import WHERE status IN ('VALIDATING', 'APPLYING') AND id != ? LIMIT 1")
    .bind(importId)
    .first<{ id: number }>();
  if (running)
    throw new ConflictError(
      `Order import ${running.id} is still running; start this one when it ends.`,
      'IMPORT_RUNNING',
    );
  const total = ps.reduce((s, p) => s + p.records, 0);
  // An empty file (or a CSV with its header only) is refused rather than "imported"; a part with issues (no
  // header, say) goes on to be rejected with them.
  if (total === 0 && ps.every((p) => p.issue_count === 0))
    throw new ValidationError('The file holds no records.', [
      { path: 'parts', message: 'No records.', code: 'TOO_FEW', params: { min: 1 } },
    ]);
  const row = await db
    .prepare(
      `UPDATE order_import SET status = 'VALIDATING', started_at = ?, total_rows = ?, step = 'validate', done = 0, total = ?
       WHERE id = ? AND status = 'UPLOADING' RETURNING *`,
    )
    .bind(nowIso(), total, total, importId)
    .first<OrderImportRow>();
  if (!row) throw new ConflictError('The import was started meanwhile.', 'ALREADY_STARTED');
  return row;
}

export async function setProgress(
  db: D1Database,
  importId: number,
  step: string,
  done: number,
  total: number,
) {
  await db
    .prepare('UPDATE order_import SET step = ?, done = ?, total = ? WHERE id = ?')
    .bind(step, done, total, importId)
    .run();
}

/** Ends the import as REJECTED with its issues (the first MAX_ISSUES by line; `count` counts all). */
export async function reject(
  db: D1Database,
  importId: number,
  issues: { line: number; message: string }[],
  count: number,
): Promise<void> {
  issues.sort((a, b) => a.line - b.line);
  const kept = issues.slice(0, MAX_ISSUES).map((i, seq) => [seq, i.line, i.message]);
  await db.batch([
    db.prepare('DELETE FROM order_import_issue WHERE import_id = ?').bind(importId),
    ...jsonChunks(kept).map((json) =>
      db
        .prepare(
          `INSERT INTO order_import_issue (import_id, seq, line, message)
           SELECT ?1, value->>0, value->>1, value->>2 FROM json_each(?2)`,
        )
        .bind(importId, json),
    ),
    db
      .prepare(
        `UPDATE order_import SET status = 'REJECTED', issue_count = ?, finished_at = ?, step = 'validate', done = total
         WHERE id = ? AND status = 'VALIDATING'`,
      )
      .bind(count, nowIso(), importId),
  ]);
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
  await db.batch([
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

export async function chunkApplied(db: D1Database, importId: number, chunkNo: number): Promise<boolean> {
  const row = await db
    .prepare('SELECT applied FROM order_import_chunk WHERE import_id = ? AND chunk_no = ?')
    .bind(importId, chunkNo)
    .first<{ applied: number }>();
  return row?.applied === 1;
}

export async function chunkPayload(db: D1Database, importId: number, chunkNo: number): Promise<string> {
  const row = await db
    .prepare('SELECT payload FROM order_import_chunk WHERE import_id = ? AND chunk_no = ?')
    .bind(importId, chunkNo)
    .first<{ payload: string }>();
  return row!.payload;
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
    db
      .prepare(
        `UPDATE order_import SET step = ?2, done = (SELECT count(*) FROM order_import_chunk
           WHERE import_id = ?1 AND kind = ?3 AND applied = 1) WHERE id = ?1`,
      )
      .bind(importId, kind === 'volume' ? 'volumes' : kind, kind),
  ];
}

/** Frees the staged rows, chunks and sums of a finished import, a part at a time. */
export async function cleanup(db: D1Database, importId: number): Promise<void> {
  for (const p of await parts(db, importId))
    await db
      .prepare('DELETE FROM order_import_row WHERE import_id = ? AND part_no = ?')
      .bind(importId, p.part_no)
      .run();
  await db.batch([
    db.prepare('DELETE FROM order_import_chunk WHERE import_id = ?').bind(importId),
    db.prepare('DELETE FROM order_import_volume WHERE import_id = ?').bind(importId),
  ]);
}
