// I/O of genealogy imports: the import record, uploaded parts, staged rows, computed chunks, issues.
import { ConflictError, NotFoundError, ValidationError } from '../../../graphql/errors';
import { nowIso } from '../../../lib/db';
import type { ImportFormat, ParsedPart } from './parse';

export const IMPORT_STATUSES = ['UPLOADING', 'VALIDATING', 'APPLYING', 'DONE', 'REJECTED', 'FAILED'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

export interface ImportRow {
  id: number;
  format: ImportFormat;
  status: ImportStatus;
  total_rows: number | null;
  step: string | null;
  done: number;
  total: number;
  issue_count: number;
  id_base: number | null;
  chunk_count: number | null;
  error: string | null;
  /** JSON [[name, sql], ...]: distributor indexes dropped for a bulk load, until rebuilt. */
  dropped_indexes: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

/** Issues kept per import (all are counted). */
export const MAX_ISSUES = 1000;
/** Largest JSON parameter we bind: D1 refuses ~7 MB; 1.5 MB keeps a statement fast and any row small. */
export const MAX_JSON_PARAM = 1_500_000;

export async function createImport(db: D1Database, format: ImportFormat, staffId: number | null) {
  const row = await db
    .prepare(
      `INSERT INTO genealogy_import (format, status, created_by, created_at) VALUES (?, 'UPLOADING', ?, ?)
       RETURNING *`,
    )
    .bind(format, staffId, nowIso())
    .first<ImportRow>();
  return row!;
}

export async function importById(db: D1Database, id: number): Promise<ImportRow | null> {
  return db.prepare('SELECT * FROM genealogy_import WHERE id = ?').bind(id).first<ImportRow>();
}

export async function importsByIds(db: D1Database, ids: readonly number[]): Promise<ImportRow[]> {
  const { results } = await db
    .prepare('SELECT * FROM genealogy_import WHERE id IN (SELECT value FROM json_each(?))')
    .bind(JSON.stringify(ids))
    .all<ImportRow>();
  return results;
}

export async function importIssues(db: D1Database, id: number, first: number) {
  const { results } = await db
    .prepare('SELECT line, message FROM genealogy_import_issue WHERE import_id = ? ORDER BY seq LIMIT ?')
    .bind(id, first)
    .all<{ line: number; message: string }>();
  return results;
}

/** Splits rows into JSON arrays of at most MAX_JSON_PARAM characters. */
export function jsonChunks(rows: readonly unknown[]): string[] {
  const out: string[] = [];
  let parts: string[] = [];
  let size = 2;
  for (const r of rows) {
    const s = JSON.stringify(r);
    if (parts.length && size + s.length + 1 > MAX_JSON_PARAM) {
      out.push(`[${parts.join(',')}]`);
      parts = [];
      size = 2;
    }
    parts.push(s);
    size += s.length + 1;
  }
  if (parts.length) out.push(`[${parts.join(',')}]`);
  return out;
}

/** Stores one part (replacing an earlier upload of the same part) in one batch. */
export async function storePart(db: D1Database, importId: number, partNo: number, parsed: ParsedPart) {
  const imp = await importById(db, importId);
  if (!imp) throw new NotFoundError('Import not found.');
  if (imp.status !== 'UPLOADING')
    throw new ConflictError(
      `The import is ${imp.status}; parts can be uploaded only before it starts.`,
      'NOT_UPLOADING',
    );
  const staged = parsed.rows.map((r) => [...r, r[5] == null ? null : `${r[5]} ${r[6]}`.toLowerCase()]);
  const insert = db.prepare(
    `INSERT INTO genealogy_import_row (import_id, part_no, line, external_id, sponsor_ext, parent_ext, position,
       first_name, last_name, email, phone, country, locale, status, joined_at, referral_code, bad, search_name)
     SELECT ?1, ?2, value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, value->>7,
       value->>8, value->>9, value->>10, value->>11, value->>12, value->>13, value->>14, value->>15
     FROM jsonb_each(jsonb(?3))`,
  );
  await db.batch([
    db.prepare('DELETE FROM genealogy_import_row WHERE import_id = ? AND part_no = ?').bind(importId, partNo),
    ...jsonChunks(staged).map((json) => insert.bind(importId, partNo, json)),
    db
      .prepare(
        `INSERT OR REPLACE INTO genealogy_import_part (import_id, part_no, rows, records, lines, issue_count, issues, uploaded_at)
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
      'SELECT part_no, rows, records, lines, issue_count, issues FROM genealogy_import_part WHERE import_id = ? ORDER BY part_no',
    )
    .bind(importId)
    .all<PartInfo>();
  return results;
}

/** UPLOADING -> VALIDATING; one import runs at a time (ids and uniqueness are checked against a still tree). */
export async function markStarted(db: D1Database, importId: number): Promise<ImportRow> {
  const imp = await importById(db, importId);
  if (!imp) throw new NotFoundError('Import not found.');
  if (imp.status !== 'UPLOADING')
    throw new ConflictError(`The import is already ${imp.status}.`, 'ALREADY_STARTED');
  const ps = await parts(db, importId);
  if (ps.length === 0)
    throw new ValidationError('Upload at least one part first.', [
      { path: 'id', message: 'No parts.', code: 'TOO_FEW', params: { min: 1 } },
    ]);
  const running = await db
    .prepare("SELECT id FROM genealogy_import WHERE status IN ('VALIDATING', 'APPLYING') AND id != ? LIMIT 1")
    .bind(importId)
    .first<{ id: number }>();
  if (running)
    throw new ConflictError(
      `Import ${running.id} is still running; start this one when it ends.`,
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
      `UPDATE genealogy_import SET status = 'VALIDATING', started_at = ?, total_rows = ?, step = 'validate', done = 0, total = ?
       WHERE id = ? AND status = 'UPLOADING' RETURNING *`,
    )
    .bind(nowIso(), total, total, importId)
    .first<ImportRow>();
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
    .prepare('UPDATE genealogy_import SET step = ?, done = ?, total = ? WHERE id = ?')
    .bind(step, done, total, importId)
    .run();
}

/** Ends the import as REJECTED with its issues (the first MAX_ISSUES by line; all are counted). */
export async function reject(
  db: D1Database,
  importId: number,
  issues: { line: number; message: string }[],
): Promise<void> {
  issues.sort((a, b) => a.line - b.line);
  const kept = issues.slice(0, MAX_ISSUES).map((i, seq) => [seq, i.line, i.message]);
  await db.batch([
    db.prepare('DELETE FROM genealogy_import_issue WHERE import_id = ?').bind(importId),
    ...jsonChunks(kept).map((json) =>
      db
        .prepare(
          `INSERT INTO genealogy_import_issue (import_id, seq, line, message)
           SELECT ?1, value->>0, value->>1, value->>2 FROM json_each(?2)`,
        )
        .bind(importId, json),
    ),
    db
      .prepare(
        `UPDATE genealogy_import SET status = 'REJECTED', issue_count = ?, finished_at = ?, step = 'validate', done = total
         WHERE id = ? AND status = 'VALIDATING'`,
      )
      .bind(issues.length, nowIso(), importId),
  ]);
}

/** Fixes the first distributor id once; a redelivered message reads the same one back. */
export async function reserveIdBase(db: D1Database, importId: number): Promise<number> {
  const row = await db
    .prepare(
      `UPDATE genealogy_import SET id_base = coalesce(id_base, (SELECT coalesce(max(id), 0) + 1 FROM distributor))
       WHERE id = ? RETURNING id_base`,
    )
    .bind(importId)
    .first<{ id_base: number }>();
  return row!.id_base;
}

export type ChunkKind = 'distributor' | 'level' | 'join' | 'existing';

/** Writes the computed chunks and moves the import to APPLYING (chunk numbers are deterministic). */
export async function storeChunks(
  db: D1Database,
  importId: number,
  chunks: { kind: ChunkKind; payload: string }[],
): Promise<void> {
  const insert = db.prepare(
    'INSERT OR REPLACE INTO genealogy_import_chunk (import_id, chunk_no, kind, payload, applied) VALUES (?, ?, ?, ?, 0)',
  );
  // Several chunks per batch: fewer round trips, each batch still well inside D1's limits.
  for (let i = 0; i < chunks.length; i += 4) {
    await db.batch(chunks.slice(i, i + 4).map((c, k) => insert.bind(importId, i + k, c.kind, c.payload)));
  }
  await db
    .prepare(
      `UPDATE genealogy_import SET status = 'APPLYING', chunk_count = ?, step = 'apply', done = 0, total = ?
       WHERE id = ? AND status = 'VALIDATING'`,
    )
    .bind(chunks.length, chunks.length, importId)
    .run();
}

export async function chunkList(db: D1Database, importId: number) {
  const { results } = await db
    .prepare(
      'SELECT chunk_no, kind, applied FROM genealogy_import_chunk WHERE import_id = ? ORDER BY chunk_no',
    )
    .bind(importId)
    .all<{ chunk_no: number; kind: ChunkKind; applied: number }>();
  return results;
}

export async function chunkPayload(db: D1Database, importId: number, chunkNo: number): Promise<string> {
  const row = await db
    .prepare('SELECT payload FROM genealogy_import_chunk WHERE import_id = ? AND chunk_no = ?')
    .bind(importId, chunkNo)
    .first<{ payload: string }>();
  return row!.payload;
}

/** Marks a chunk applied; fails (and so fails its whole batch) when it already was. */
export function markChunk(db: D1Database, importId: number, chunkNo: number): D1PreparedStatement[] {
  return [
    db
      .prepare('UPDATE genealogy_import_chunk SET applied = applied + 1 WHERE import_id = ? AND chunk_no = ?')
      .bind(importId, chunkNo),
    db
      .prepare(
        'UPDATE genealogy_import SET done = (SELECT count(*) FROM genealogy_import_chunk WHERE import_id = ?1 AND applied = 1) WHERE id = ?1',
      )
      .bind(importId),
  ];
}

/** The distributor table's named indexes (those of its UNIQUE columns have no sql and cannot be dropped). */
async function namedDistributorIndexes(db: D1Database): Promise<[string, string][]> {
  return db
    .prepare(
      "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'distributor' AND sql IS NOT NULL ORDER BY name",
    )
    .raw<[string, string]>();
}

/**
 * Bulk load into an empty company: drops the distributor table's named indexes (keeping their SQL on the
 * import) so that the chunks insert without keeping them in step; restoreIndexes builds them again, one
 * sorted pass each. Only before the first chunk and only while the table is empty; a second delivery
 * finds dropped_indexes set and does nothing.
 */
export async function dropIndexesForBulkLoad(db: D1Database, importId: number): Promise<void> {
  const empty = await db.prepare('SELECT NOT EXISTS (SELECT 1 FROM distributor) AS e').first<{ e: number }>();
  if (!empty?.e) return;
  const indexes = await namedDistributorIndexes(db);
  await db.batch([
    db
      .prepare('UPDATE genealogy_import SET dropped_indexes = ? WHERE id = ? AND dropped_indexes IS NULL')
      .bind(JSON.stringify(indexes), importId),
    // "IF EXISTS": a second delivery may have read the list before the first one dropped them.
    ...indexes.map(([name]) => db.prepare(`DROP INDEX IF EXISTS "${name.replaceAll('"', '""')}"`)),
  ]);
}

/**
 * Builds again every index a bulk load dropped that is missing (idempotent; one statement each, so that
 * none comes near D1's time limit per batch). Returns the names that could not be built (a UNIQUE index
 * the loaded rows violate); throws unless `tolerant`.
 */
export async function restoreIndexes(db: D1Database, imp: ImportRow, tolerant = false): Promise<string[]> {
  if (imp.dropped_indexes == null) return [];
  const present = new Set((await namedDistributorIndexes(db)).map(([name]) => name));
  const failed: string[] = [];
  for (const [name, sql] of JSON.parse(imp.dropped_indexes) as [string, string][]) {
    if (present.has(name)) continue;
    try {
      await db.prepare(sql).run();
    } catch (e) {
      if (!tolerant) throw e;
      failed.push(name);
    }
  }
  return failed;
}

/** Removes what a failed import wrote (its chunks never touched existing members: that is the last batch). */
export async function compensate(db: D1Database, imp: ImportRow, reason: string): Promise<void> {
  // Indexes first: deleting rows checks the sponsor/placement references to them through those indexes.
  const unbuilt = await restoreIndexes(db, imp, true);
  if (unbuilt.length)
    await db.batch([
      db.prepare('CREATE INDEX IF NOT EXISTS genealogy_import_tmp_sponsor ON distributor (sponsor_id)'),
      db.prepare(
        'CREATE INDEX IF NOT EXISTS genealogy_import_tmp_parent ON distributor (placement_parent_id)',
      ),
    ]);
  if (imp.id_base != null && imp.total_rows) {
    const lo = imp.id_base;
    const hi = imp.id_base + imp.total_rows - 1;
    await db.batch([
      db.prepare('DELETE FROM downline_level WHERE ancestor_id BETWEEN ? AND ?').bind(lo, hi),
      db.prepare('DELETE FROM downline_joins WHERE ancestor_id BETWEEN ? AND ?').bind(lo, hi),
    ]);
    await db.prepare('DELETE FROM distributor WHERE import_id = ?').bind(imp.id).run();
  }
  if (unbuilt.length) {
    await restoreIndexes(db, imp);
    await db.batch([
      db.prepare('DROP INDEX IF EXISTS genealogy_import_tmp_sponsor'),
      db.prepare('DROP INDEX IF EXISTS genealogy_import_tmp_parent'),
    ]);
  }
  await db
    .prepare(
      `UPDATE genealogy_import SET status = 'FAILED', error = ?, finished_at = ?, dropped_indexes = NULL
       WHERE id = ? AND status = 'APPLYING'`,
    )
    .bind(reason.slice(0, 2000), nowIso(), imp.id)
    .run();
}

/** Frees the staged rows and computed chunks of a finished import. */
export async function cleanup(db: D1Database, importId: number): Promise<void> {
  const ps = await parts(db, importId);
  for (const p of ps)
    await db
      .prepare('DELETE FROM genealogy_import_row WHERE import_id = ? AND part_no = ?')
      .bind(importId, p.part_no)
      .run();
  await db.prepare('DELETE FROM genealogy_import_chunk WHERE import_id = ?').bind(importId).run();
}
