// Lead intake housekeeping run by the cron: intakes a lost message left waiting, and the rejection log.
import type { Env } from '../../env';
import { enqueueIntakes } from './intake';

/** How long an intake may sit PENDING untouched before the hourly sweep enqueues it again. */
export const STALE_PENDING_MS = 15 * 60_000;

/**
 * Enqueues intakes left PENDING and untouched for a while: a delivery kept in D1 whose enqueue failed, or a
 * message lost. Processing is idempotent, so an intake that is merely slow is not harmed by a second message.
 */
export async function enqueueStalePendingIntakes(env: Env, now: Date, limit = 1000): Promise<number> {
  const before = new Date(now.getTime() - STALE_PENDING_MS).toISOString();
  const { results } = await env.DB.prepare(
    `SELECT id FROM lead_intake WHERE status = 'PENDING' AND updated_at < ? ORDER BY id LIMIT ?`,
  )
    .bind(before, limit)
    .all<{ id: number }>();
  await enqueueIntakes(
    env,
    results.map((r) => r.id),
  );
  return results.length;
}

/** Refused deliveries are kept this long (for spotting misconfigured senders and attacks), then deleted. */
export const REJECTION_RETENTION_DAYS = 90;

/** Deletes rejection records past retention, oldest first, in chunks; returns how many went. */
export async function pruneRejections(db: D1Database, now: Date, maxChunks = 20): Promise<number> {
  const before = new Date(now.getTime() - REJECTION_RETENTION_DAYS * 86_400_000).toISOString();
  let deleted = 0;
  for (let i = 0; i < maxChunks; i++) {
    // Ids grow with time: the oldest rows come first in id order, so this stops early.
    const r = await db
      .prepare(
        `DELETE FROM lead_rejection WHERE id IN (
           SELECT id FROM lead_rejection WHERE received_at < ? ORDER BY id LIMIT 5000)`,
      )
      .bind(before)
      .run();
    const n = r.meta.changes ?? 0;
    deleted += n;
    if (n < 5000) break;
  }
  return deleted;
}
