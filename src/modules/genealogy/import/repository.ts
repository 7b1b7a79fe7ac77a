// I/O of the genealogy import beyond the engine's: staged rows, id base, computed chunks, the bulk load's
// dropped indexes, compensation.
import { atomic, nowIso } from '../../../lib/db';
import { importJob } from '../../imports/jobKind';
import type { ImportRecord } from '../../imports/kind';
import { MAX_JSON_PARAM } from '../../imports/limits';
import { deleteStagedRows, markStarted as startRecord } from '../../imports/records';
import { recordJob } from '../../jobs/repository';
import type { ParsedPart, StagedRow } from './parse';
import { GENEALOGY_IMPORT } from './table';

/** The genealogy import record: the engine's columns and the bulk load's own. */
export interface ImportRow extends ImportRecord {
  id_base: number | null;
  chunk_count: number | null;
  /** JSON [[name, sql], ...]: distributor indexes dropped for a bulk load, until rebuilt. */
  dropped_indexes: string | null;
}

/** The started import (a test starts one without its queue message). */
export const markStarted = (db: D1Database, importId: number) =>
  startRecord<ImportRow>(
    db,
    GENEALOGY_IMPORT,
    importId,
    recordJob(db, importJob(GENEALOGY_IMPORT, importId)),
  );

/** Rows per staging statement tried first (~250 characters a row); a text over MAX_JSON_PARAM is halved. */
const STAGE_ROWS = 4_000;

/**
 * The rows as JSON texts of at most MAX_JSON_PARAM characters (one row may exceed it alone): one
 * JSON.stringify per slice, not per row (a string per row and joining them was most of staging's CPU).
 */
function stagedJson(rows: readonly StagedRow[]): string[] {
  const out: string[] = [];
  const add = (from: number, to: number) => {
    const json = JSON.stringify(rows.slice(from, to));
    if (json.length <= MAX_JSON_PARAM || to - from === 1) out.push(json);
    else {
      const mid = (from + to) >> 1;
      add(from, mid);
      add(mid, to);
    }
  };
  for (let k = 0; k < rows.length; k += STAGE_ROWS) add(k, Math.min(k + STAGE_ROWS, rows.length));
  return out;
}

/** Statements that stage a part's rows (with the lower-cased name people search reads). */
export function stageRows(db: D1Database, importId: number, partNo: number, parsed: ParsedPart) {
  const insert = db.prepare(
    `INSERT INTO genealogy_import_row (import_id, part_no, line, external_id, sponsor_ext, parent_ext, position,
       first_name, last_name, email, phone, country, locale, status, joined_at, referral_code, bad, search_name)
     SELECT ?1, ?2, value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, value->>7,
       value->>8, value->>9, value->>10, value->>11, value->>12, value->>13, value->>14, value->>15
     FROM jsonb_each(jsonb(?3))`,
  );
  return stagedJson(parsed.rows).map((json) => insert.bind(importId, partNo, json));
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
  const marker = db.prepare(
    'INSERT OR REPLACE INTO genealogy_import_chunk (import_id, chunk_no, kind, applied) VALUES (?, ?, ?, 0)',
  );
  const payload = db.prepare(
    'INSERT OR REPLACE INTO genealogy_import_chunk_payload (import_id, chunk_no, payload) VALUES (?, ?, ?)',
  );
  // Several chunks per batch: fewer round trips, each batch still well inside D1's limits.
  for (let i = 0; i < chunks.length; i += 4) {
    await atomic(
      db,
      chunks
        .slice(i, i + 4)
        .flatMap((c, k) => [marker.bind(importId, i + k, c.kind), payload.bind(importId, i + k, c.payload)]),
    );
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

/** A chunk's payload (kept apart from its marker: raising `applied` then rewrites a small row, not 1.5 MB). */
export async function chunkPayload(db: D1Database, importId: number, chunkNo: number): Promise<string> {
  const row = await db
    .prepare('SELECT payload FROM genealogy_import_chunk_payload WHERE import_id = ? AND chunk_no = ?')
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
    // done + 1, not a count of the applied chunks (a count once read every chunk's payload again, 26 s of
    // the 1M apply). The batch fails whole when the chunk was applied already, so this counts each chunk once.
    db.prepare('UPDATE genealogy_import SET done = done + 1 WHERE id = ?1').bind(importId),
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
  await atomic(db, [
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
    await atomic(db, [
      db.prepare('CREATE INDEX IF NOT EXISTS genealogy_import_tmp_sponsor ON distributor (sponsor_id)'),
      db.prepare(
        'CREATE INDEX IF NOT EXISTS genealogy_import_tmp_parent ON distributor (placement_parent_id)',
      ),
    ]);
  if (imp.id_base != null && imp.total_rows) {
    const lo = imp.id_base;
    const hi = imp.id_base + imp.total_rows - 1;
    await atomic(db, [
      db.prepare('DELETE FROM downline_level WHERE ancestor_id BETWEEN ? AND ?').bind(lo, hi),
      db.prepare('DELETE FROM downline_joins WHERE ancestor_id BETWEEN ? AND ?').bind(lo, hi),
    ]);
    await db.prepare('DELETE FROM distributor WHERE import_id = ?').bind(imp.id).run();
  }
  if (unbuilt.length) {
    await restoreIndexes(db, imp);
    await atomic(db, [
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
  await deleteStagedRows(db, GENEALOGY_IMPORT, importId);
  await atomic(db, [
    db.prepare('DELETE FROM genealogy_import_chunk_payload WHERE import_id = ?').bind(importId),
    db.prepare('DELETE FROM genealogy_import_chunk WHERE import_id = ?').bind(importId),
  ]);
}
