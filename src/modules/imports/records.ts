// The import record's status machine and the tables every kind has: <table>, <table>_part,
// <table>_row (staged rows), <table>_chunk and <table>_issue. Table names come from the kind, never input.

import { atomic, nowIso } from '../../lib/db';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors';
import type { ImportRecord, ImportTable, ParsedPart } from './kind';
import { jsonChunks, MAX_ISSUES } from './limits';

/** A new record in UPLOADING; `own` holds the kind's own columns (names from the kind's code, never input). */
export async function createImport<R extends ImportRecord = ImportRecord>(
  db: D1Database,
  t: ImportTable,
  format: string,
  staffId: number | null,
  own: Record<string, string | number> = {},
): Promise<R> {
  const names = Object.keys(own);
  const row = await db
    .prepare(
      `INSERT INTO ${t.table} (format, status, created_by, created_at${names.map((n) => `, ${n}`).join('')})
       VALUES (?, 'UPLOADING', ?, ?${', ?'.repeat(names.length)}) RETURNING *`,
    )
    .bind(format, staffId, nowIso(), ...Object.values(own))
    .first<R>();
  return row!;
}

export async function importById<R extends ImportRecord = ImportRecord>(
  db: D1Database,
  t: ImportTable,
  id: number,
): Promise<R | null> {
  return db.prepare(`SELECT * FROM ${t.table} WHERE id = ?`).bind(id).first<R>();
}

export async function importsByIds<R extends ImportRecord = ImportRecord>(
  db: D1Database,
  t: ImportTable,
  ids: readonly number[],
): Promise<R[]> {
  const { results } = await db
    .prepare(`SELECT * FROM ${t.table} WHERE id IN (SELECT value FROM json_each(?))`)
    .bind(JSON.stringify(ids))
    .all<R>();
  return results;
}

export async function importIssues(db: D1Database, t: ImportTable, id: number, first: number) {
  const { results } = await db
    .prepare(`SELECT line, message FROM ${t.table}_issue WHERE import_id = ? ORDER BY seq LIMIT ?`)
    .bind(id, first)
    .all<{ line: number; message: string }>();
  return results;
}

/** Stores one part (replacing an earlier upload of the same part) in one batch. */
export async function storePart(
  db: D1Database,
  t: ImportTable,
  importId: number,
  partNo: number,
  parsed: ParsedPart,
  staging: D1PreparedStatement[],
): Promise<D1Result[]> {
  const imp = await importById(db, t, importId);
  if (!imp) throw new NotFoundError('Import not found.');
  if (imp.status !== 'UPLOADING')
    throw new ConflictError(
      `The import is ${imp.status}; parts can be uploaded only before it starts.`,
      'NOT_UPLOADING',
    );
  return atomic(db, [
    db.prepare(`DELETE FROM ${t.table}_row WHERE import_id = ? AND part_no = ?`).bind(importId, partNo),
    ...staging,
    db
      .prepare(
        `INSERT OR REPLACE INTO ${t.table}_part (import_id, part_no, rows, records, lines, issue_count, issues, uploaded_at)
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

export async function parts(db: D1Database, t: ImportTable, importId: number): Promise<PartInfo[]> {
  const { results } = await db
    .prepare(
      `SELECT part_no, rows, records, lines, issue_count, issues FROM ${t.table}_part WHERE import_id = ? ORDER BY part_no`,
    )
    .bind(importId)
    .all<PartInfo>();
  return results;
}

/**
 * UPLOADING -> VALIDATING. One import of a kind runs at a time: its checks (ids, uniqueness, duplicates)
 * read the live tables and must find them still.
 */
export async function markStarted<R extends ImportRecord = ImportRecord>(
  db: D1Database,
  t: ImportTable,
  importId: number,
  job: D1PreparedStatement,
): Promise<R> {
  const imp = await importById(db, t, importId);
  if (!imp) throw new NotFoundError('Import not found.');
  if (imp.status !== 'UPLOADING')
    throw new ConflictError(`The import is already ${imp.status}.`, 'ALREADY_STARTED');
  const ps = await parts(db, t, importId);
  if (ps.length === 0)
    throw new ValidationError('Upload at least one part first.', [
      { path: 'id', message: 'No parts.', code: 'TOO_FEW', params: { min: 1 } },
    ]);
  const running = await db
    .prepare(`SELECT id FROM ${t.table} WHERE status IN ('VALIDATING', 'APPLYING') AND id != ? LIMIT 1`)
    .bind(importId)
    .first<{ id: number }>();
  if (running)
    throw new ConflictError(
      `${t.runningLabel} ${running.id} is still running; start this one when it ends.`,
      'IMPORT_RUNNING',
    );
  const total = ps.reduce((s, p) => s + p.records, 0);
  // An empty file (or a CSV with its header only) is refused rather than "imported"; a part with issues (no
  // header, say) goes on to be rejected with them.
  if (total === 0 && ps.every((p) => p.issue_count === 0))
    throw new ValidationError('The file holds no records.', [
      { path: 'parts', message: 'No records.', code: 'TOO_FEW', params: { min: 1 } },
    ]);
  // The job is recorded in the same batch: a started import always has its job (re-driven if its message
  // is lost). A batch whose UPDATE changed nothing leaves the job row alone too (see recordJob).
  const [started] = await atomic(db, [
    db
      .prepare(
        `UPDATE ${t.table} SET status = 'VALIDATING', started_at = ?, total_rows = ?, step = 'validate', done = 0, total = ?
         WHERE id = ? AND status = 'UPLOADING' RETURNING *`,
      )
      .bind(nowIso(), total, total, importId),
    job,
  ]);
  const row = (started.results as R[])[0];
  if (!row) throw new ConflictError('The import was started meanwhile.', 'ALREADY_STARTED');
  return row;
}

export async function setProgress(
  db: D1Database,
  t: ImportTable,
  importId: number,
  step: string,
  done: number,
  total: number,
): Promise<void> {
  await db
    .prepare(`UPDATE ${t.table} SET step = ?, done = ?, total = ? WHERE id = ?`)
    .bind(step, done, total, importId)
    .run();
}

/** Ends the import as REJECTED with its issues (the first MAX_ISSUES by line; `count` counts all). */
export async function reject(
  db: D1Database,
  t: ImportTable,
  importId: number,
  issues: { line: number; message: string }[],
  count = issues.length,
): Promise<void> {
  issues.sort((a, b) => a.line - b.line);
  const kept = issues.slice(0, MAX_ISSUES).map((i, seq) => [seq, i.line, i.message]);
  await atomic(db, [
    db.prepare(`DELETE FROM ${t.table}_issue WHERE import_id = ?`).bind(importId),
    ...jsonChunks(kept).map((json) =>
      db
        .prepare(
          `INSERT INTO ${t.table}_issue (import_id, seq, line, message)
           SELECT ?1, value->>0, value->>1, value->>2 FROM json_each(?2)`,
        )
        .bind(importId, json),
    ),
    db
      .prepare(
        `UPDATE ${t.table} SET status = 'REJECTED', issue_count = ?, finished_at = ?, step = 'validate', done = total
         WHERE id = ? AND status = 'VALIDATING'`,
      )
      .bind(count, nowIso(), importId),
  ]);
}

/** Frees the staged rows a part at a time (one statement over a million rows could hit D1's time limit). */
export async function deleteStagedRows(db: D1Database, t: ImportTable, importId: number): Promise<void> {
  for (const p of await parts(db, t, importId))
    await db
      .prepare(`DELETE FROM ${t.table}_row WHERE import_id = ? AND part_no = ?`)
      .bind(importId, p.part_no)
      .run();
}

/** Whether a chunk was applied already (a redelivered apply message skips it). */
export async function chunkApplied(
  db: D1Database,
  t: ImportTable,
  importId: number,
  chunkNo: number,
): Promise<boolean> {
  const row = await db
    .prepare(`SELECT applied FROM ${t.table}_chunk WHERE import_id = ? AND chunk_no = ?`)
    .bind(importId, chunkNo)
    .first<{ applied: number }>();
  return row?.applied === 1;
}

export async function chunkPayload(
  db: D1Database,
  t: ImportTable,
  importId: number,
  chunkNo: number,
): Promise<string> {
  const row = await db
    .prepare(`SELECT payload FROM ${t.table}_chunk WHERE import_id = ? AND chunk_no = ?`)
    .bind(importId, chunkNo)
    .first<{ payload: string }>();
  return row!.payload;
}
