// Every SQL statement on the archive's own tables: the horizon, a period's archive row and its chunk index.
import { nowIso } from '../../lib/db';
import type { Part } from './model';
import type { ChunkRows, Cursor, PeriodScope } from './parts';
import type { archiveChunk, periodArchive } from './tables';

export type PeriodArchiveRow = typeof periodArchive.$inferSelect;
export type ChunkRow = typeof archiveChunk.$inferSelect;

export async function loadHorizon(db: D1Database): Promise<number | null> {
  const row = await db
    .prepare('SELECT horizon_periods FROM archive_settings WHERE id = 1')
    .first<{ horizon_periods: number | null }>();
  return row?.horizon_periods ?? null;
}

export async function saveHorizon(db: D1Database, periods: number | null): Promise<void> {
  await db
    .prepare('UPDATE archive_settings SET horizon_periods = ?, updated_at = ? WHERE id = 1')
    .bind(periods, nowIso())
    .run();
}

export function archiveOf(db: D1Database, periodId: string): Promise<PeriodArchiveRow | null> {
  return db
    .prepare('SELECT * FROM period_archive WHERE period_id = ?')
    .bind(periodId)
    .first<PeriodArchiveRow>();
}

/** The committed (or paid) periods, newest first, with their bounds. */
export async function committedPeriods(
  db: D1Database,
): Promise<{ id: string; starts_at: string | null; ends_at: string | null }[]> {
  const { results } = await db
    .prepare(
      "SELECT id, starts_at, ends_at FROM commission_period WHERE status IN ('COMMITTED', 'PAID') ORDER BY id DESC",
    )
    .all<{ id: string; starts_at: string | null; ends_at: string | null }>();
  return results;
}

export async function periodStatusOf(
  db: D1Database,
  periodId: string,
): Promise<{ status: string; starts_at: string | null; ends_at: string | null } | null> {
  return db
    .prepare('SELECT status, starts_at, ends_at FROM commission_period WHERE id = ?')
    .bind(periodId)
    .first();
}

/** Starts a period's archive row (nothing when it has one). */
export function insertArchive(db: D1Database, periodId: string, location: string): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO period_archive (period_id, status, location, part, started_at) VALUES (?, 'WRITING', ?, 'snapshot', ?)
       ON CONFLICT (period_id) DO NOTHING`,
    )
    .bind(periodId, location, nowIso());
}

export async function scopeOf(db: D1Database, periodId: string): Promise<PeriodScope> {
  const p = await periodStatusOf(db, periodId);
  if (!p?.starts_at || !p.ends_at) throw new Error(`period ${periodId} has no bounds`);
  return { periodId, startsAt: p.starts_at, endsAt: p.ends_at };
}

/** Where the part's next chunk starts: after the last chunk written. */
export async function nextChunkOf(
  db: D1Database,
  periodId: string,
  part: Part,
): Promise<{ chunk: number; cursor: Cursor | null }> {
  const last = await db
    .prepare(
      'SELECT chunk, cursor FROM archive_chunk WHERE period_id = ? AND part = ? ORDER BY chunk DESC LIMIT 1',
    )
    .bind(periodId, part)
    .first<{ chunk: number; cursor: string }>();
  return last
    ? { chunk: last.chunk + 1, cursor: JSON.parse(last.cursor) as Cursor }
    : { chunk: 0, cursor: null };
}

/** Records a written chunk (a rewrite of the same chunk writes the same row). */
export function recordChunk(
  db: D1Database,
  periodId: string,
  part: Part,
  chunk: number,
  read: ChunkRows,
  bytes: number,
  sha256: string,
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT OR REPLACE INTO archive_chunk (period_id, part, chunk, first_key, last_key, cursor, rows, bytes, sha256)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .bind(
      periodId,
      part,
      chunk,
      read.firstKey,
      read.lastKey,
      JSON.stringify(read.cursor),
      read.rows.length,
      bytes,
      sha256,
    );
}

/** The part is written: its row count goes into `counts`, the next part (or none) is current. */
export function finishPart(
  db: D1Database,
  periodId: string,
  part: Part,
  next: Part | null,
): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE period_archive SET part = ?3,
         counts = json_set(counts, '$.' || ?2, (SELECT coalesce(sum(rows), 0) FROM archive_chunk WHERE period_id = ?1 AND part = ?2))
       WHERE period_id = ?1 AND part = ?2 AND status = 'WRITING'`,
    )
    .bind(periodId, part, next);
}

export async function chunksWhere(
  db: D1Database,
  periodId: string,
  flag: 'verified' | 'deleted',
  limit: number,
): Promise<ChunkRow[]> {
  const { results } = await db
    .prepare(`SELECT * FROM archive_chunk WHERE period_id = ? AND ${flag} = 0 ORDER BY part, chunk LIMIT ?`)
    .bind(periodId, limit)
    .all<ChunkRow>();
  return results;
}

export function markChunk(db: D1Database, c: ChunkRow, flag: 'verified' | 'deleted'): D1PreparedStatement {
  return db
    .prepare(`UPDATE archive_chunk SET ${flag} = 1 WHERE period_id = ? AND part = ? AND chunk = ?`)
    .bind(c.period_id, c.part, c.chunk);
}

export async function allChunks(db: D1Database, periodId: string): Promise<ChunkRow[]> {
  const { results } = await db
    .prepare('SELECT * FROM archive_chunk WHERE period_id = ? ORDER BY part, chunk')
    .bind(periodId)
    .all<ChunkRow>();
  return results;
}

export function setStatus(
  db: D1Database,
  periodId: string,
  from: 'WRITING' | 'VERIFIED',
  to: 'VERIFIED' | 'ARCHIVED',
): D1PreparedStatement {
  const column = to === 'VERIFIED' ? 'verified_at' : 'archived_at';
  return db
    .prepare(`UPDATE period_archive SET status = ?, ${column} = ? WHERE period_id = ? AND status = ?`)
    .bind(to, nowIso(), periodId, from);
}

/** Forgets an archive that failed before any live row was deleted (its objects are overwritten by the next). */
export async function dropUnverified(db: D1Database, periodId: string): Promise<void> {
  await db.batch([
    db
      .prepare(
        "DELETE FROM archive_chunk WHERE period_id = ?1 AND (SELECT status FROM period_archive WHERE period_id = ?1) = 'WRITING'",
      )
      .bind(periodId),
    db.prepare("DELETE FROM period_archive WHERE period_id = ? AND status = 'WRITING'").bind(periodId),
  ]);
}
