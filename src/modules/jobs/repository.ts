// Every SQL statement of the job mechanism. Writes that move a job are guarded in SQL (status, claim), so
// two deliveries of one step, a watchdog and a staff action racing each other leave one consistent row.
import { nowIso } from '../../lib/db';
import { type KeysetPage, type PageFilter, selectPage } from '../../lib/keyset';
import { DEFAULT_MAX_ATTEMPTS, type JobStatus, type NewJob, trackedMessage } from './model';
import type { JobRow } from './tables';

/**
 * The statement that records a new job (for the caller's batch, beside the state change that starts it).
 * Starting a job whose key is already finished starts it again (`restart`, the default); an unfinished one
 * is left as it is. Its `changes` say whether the job was (re)started.
 */
export function recordJob(db: D1Database, job: NewJob, now = nowIso(), restart = true): D1PreparedStatement {
  const message = JSON.stringify(trackedMessage(job.id, job.message));
  const onConflict = restart
    ? `ON CONFLICT (id) DO UPDATE SET status = 'QUEUED', step = ?4, message = ?5, attempts = 0, max_attempts = ?6,
         redrives = 0, claim = NULL, last_error = NULL, updated_at = ?7, heartbeat_at = NULL, next_attempt_at = NULL,
         finished_at = NULL
       WHERE job.status IN ('DONE', 'FAILED', 'CANCELLED')`
    : 'ON CONFLICT (id) DO NOTHING';
  return db
    .prepare(
      `INSERT INTO job (id, kind, subject, status, step, message, attempts, max_attempts, redrives, created_at, updated_at)
       VALUES (?1, ?2, ?3, 'QUEUED', ?4, ?5, 0, ?6, 0, ?7, ?7) ${onConflict}`,
    )
    .bind(
      job.id,
      job.kind,
      job.subject,
      job.message.kind,
      message,
      job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      now,
    );
}

export function jobById(db: D1Database, id: string): Promise<JobRow | null> {
  return db.prepare('SELECT * FROM job WHERE id = ?').bind(id).first<JobRow>();
}

/**
 * A delivery takes the job's current step: RUNNING, one more attempt, heartbeat now. Null when the job is
 * over or has moved on to another step (a stale duplicate: the caller acks it and does nothing).
 */
export function claimStep(db: D1Database, id: string, step: string, claim: string): Promise<JobRow | null> {
  const now = nowIso();
  return db
    .prepare(
      `UPDATE job SET status = 'RUNNING', attempts = attempts + 1, claim = ?3, heartbeat_at = ?4, updated_at = ?4,
         next_attempt_at = NULL
       WHERE id = ?1 AND step = ?2 AND status IN ('QUEUED', 'RUNNING', 'RETRYING')
       RETURNING *`,
    )
    .bind(id, step, claim, now)
    .first<JobRow>();
}

/** The step this delivery ran ended the job. */
export async function markDone(db: D1Database, id: string, claim: string): Promise<void> {
  const now = nowIso();
  await db
    .prepare(
      `UPDATE job SET status = 'DONE', finished_at = ?3, updated_at = ?3, claim = NULL
       WHERE id = ?1 AND claim = ?2 AND status = 'RUNNING'`,
    )
    .bind(id, claim, now)
    .run();
}

/**
 * The job moves on to its next step (sent right after): attempts and re-drives start again. False when the
 * job was cancelled or failed meanwhile, and then nothing is sent.
 */
export async function moveOn(db: D1Database, id: string, message: { kind: string }): Promise<boolean> {
  const now = nowIso();
  const r = await db
    .prepare(
      `UPDATE job SET status = 'QUEUED', step = ?2, message = ?3, attempts = 0, redrives = 0, claim = NULL,
         heartbeat_at = ?4, updated_at = ?4, next_attempt_at = NULL
       WHERE id = ?1 AND status IN ('QUEUED', 'RUNNING', 'RETRYING')`,
    )
    .bind(id, message.kind, JSON.stringify(trackedMessage(id, message)), now)
    .run();
  return (r.meta.changes ?? 0) > 0;
}

/** A transient failure: the queue redelivers after `delaySeconds`. */
export async function markRetrying(
  db: D1Database,
  id: string,
  claim: string,
  error: string,
  delaySeconds: number,
): Promise<void> {
  const now = new Date();
  await db
    .prepare(
      `UPDATE job SET status = 'RETRYING', last_error = ?3, next_attempt_at = ?4, updated_at = ?5, claim = NULL
       WHERE id = ?1 AND claim = ?2 AND status = 'RUNNING'`,
    )
    .bind(id, claim, error, new Date(now.getTime() + delaySeconds * 1000).toISOString(), now.toISOString())
    .run();
}

/** The job is given up (retries spent, a permanent failure, or stalled): FAILED with the reason. */
export async function markFailed(
  db: D1Database,
  id: string,
  error: string,
  from: readonly JobStatus[] = ['QUEUED', 'RUNNING', 'RETRYING'],
): Promise<boolean> {
  const now = nowIso();
  const r = await db
    .prepare(
      `UPDATE job SET status = 'FAILED', last_error = ?2, finished_at = ?3, updated_at = ?3, claim = NULL
       WHERE id = ?1 AND status IN (SELECT value FROM json_each(?4))`,
    )
    .bind(id, error, now, JSON.stringify(from))
    .run();
  return (r.meta.changes ?? 0) > 0;
}

/**
 * Staff cancel a job that is not running: waiting, retrying, failed, or RUNNING with a heartbeat older than
 * `staleBefore` (its consumer is dead). A step running now is never cancelled under its feet, so undoing
 * what the job wrote cannot race a write of the same job. False when none of that holds any more.
 */
export async function markCancelled(
  db: D1Database,
  id: string,
  by: string,
  staleBefore: string,
): Promise<boolean> {
  const now = nowIso();
  const r = await db
    .prepare(
      `UPDATE job SET status = 'CANCELLED', last_error = coalesce(last_error || ' — ', '') || ?2, finished_at = ?3,
         updated_at = ?3, claim = NULL
       WHERE id = ?1 AND (status IN ('QUEUED', 'RETRYING', 'FAILED') OR (status = 'RUNNING' AND heartbeat_at < ?4))`,
    )
    .bind(id, `cancelled by ${by}`, now, staleBefore)
    .run();
  return (r.meta.changes ?? 0) > 0;
}

/** Staff retry a FAILED job: its current step is sent again with fresh attempts. */
export async function markRequeued(db: D1Database, id: string): Promise<boolean> {
  const now = nowIso();
  const r = await db
    .prepare(
      `UPDATE job SET status = 'QUEUED', attempts = 0, redrives = 0, claim = NULL, finished_at = NULL, updated_at = ?2,
         heartbeat_at = ?2, next_attempt_at = NULL
       WHERE id = ?1 AND status = 'FAILED'`,
    )
    .bind(id, now)
    .run();
  return (r.meta.changes ?? 0) > 0;
}

/**
 * Unfinished jobs nobody has touched since `before`: a RUNNING step whose consumer died, a QUEUED step
 * whose message was lost, a RETRYING step whose redelivery never came.
 */
export async function staleJobs(db: D1Database, before: string, limit: number): Promise<JobRow[]> {
  const { results } = await db
    .prepare(
      `SELECT * FROM job
       WHERE status IN ('QUEUED', 'RUNNING', 'RETRYING')
         AND max(coalesce(heartbeat_at, updated_at), updated_at, coalesce(next_attempt_at, '')) < ?1
       ORDER BY updated_at LIMIT ?2`,
    )
    .bind(before, limit)
    .all<JobRow>();
  return results;
}

/**
 * The watchdog takes a stale job (guarded by the row it read, so two crons re-drive it once): QUEUED again,
 * one more re-drive. False when it moved meanwhile.
 */
export async function markRedriven(db: D1Database, row: JobRow, now: string): Promise<boolean> {
  const r = await db
    .prepare(
      `UPDATE job SET status = 'QUEUED', redrives = redrives + 1, claim = NULL, updated_at = ?3, heartbeat_at = ?3,
         next_attempt_at = NULL
       WHERE id = ?1 AND updated_at = ?2 AND status IN ('QUEUED', 'RUNNING', 'RETRYING')`,
    )
    .bind(row.id, row.updated_at, now)
    .run();
  return (r.meta.changes ?? 0) > 0;
}

export interface JobFilter {
  status?: JobStatus | null;
  kind?: string | null;
}

/** Staff's list of jobs, newest first. */
export function jobsPage(db: D1Database, filter: JobFilter, page: KeysetPage): Promise<JobRow[]> {
  const f: PageFilter = { where: [], params: [] };
  if (filter.status) {
    f.where.push('status = ?');
    f.params.push(filter.status);
  }
  if (filter.kind) {
    f.where.push('kind = ?');
    f.params.push(filter.kind);
  }
  return selectPage<JobRow>(db, 'job', ['created_at', 'id'], 'DESC', f, page);
}
