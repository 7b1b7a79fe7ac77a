// Lead intake housekeeping run by the cron: deliveries and intakes a lost message left waiting, and the
// rejection log.
import type { Env } from '../../env';
import { INBOX_PREFIX, INBOX_STALE_MS, readInboxObject, removeFromInbox } from './inbox';
import { enqueueIntakes, keepDeliveries } from './intake';
import { processIntakes } from './process';

/** Inbox objects read together by the sweep. */
const SWEEP_CHUNK = 10;
/** Deliveries kept per D1 batch (as many as a queue batch; a group object holds at most 100). */
const KEEP_CHUNK = 100;

/**
 * The hourly sweep: keeps (idempotently) every delivery of every inbox object (a group or a single delivery)
 * uploaded more than INBOX_STALE_MS before `now`, removes the object once all of its deliveries are kept and
 * processes their pending intakes; a transient failure leaves the intake PENDING for the stale-intake sweep.
 * Returns how many deliveries were taken out of the inbox.
 */
export async function sweepLeadInbox(env: Env, now: Date, limit = 1000): Promise<number> {
  const before = now.getTime() - INBOX_STALE_MS;
  const stale: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.FILES.list({ prefix: INBOX_PREFIX, cursor, limit: 1000 });
    for (const o of page.objects) if (o.uploaded.getTime() < before) stale.push(o.key);
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor && stale.length < limit);
  let swept = 0;
  for (let i = 0; i < Math.min(stale.length, limit); i += SWEEP_CHUNK) {
    const keys = stale.slice(i, Math.min(i + SWEEP_CHUNK, limit));
    const read = await Promise.all(
      keys.map(async (key) => {
        try {
          // null: the consumer got there first.
          return await readInboxObject(env.FILES, key);
        } catch (e) {
          console.error(`lead inbox object ${key} is not a delivery; left in place`, e);
          return null;
        }
      }),
    );
    const deliveries = read.flatMap((d) => d ?? []);
    if (deliveries.length === 0) continue;
    const pending: number[][] = [];
    for (let k = 0; k < deliveries.length; k += KEEP_CHUNK)
      pending.push(...(await keepDeliveries(env.DB, deliveries.slice(k, k + KEEP_CHUNK))));
    await removeFromInbox(
      env.FILES,
      keys.filter((_, k) => read[k] !== null),
    );
    swept += deliveries.length;
    const ids = [...new Set(pending.flat())];
    for (let k = 0; k < ids.length; k += KEEP_CHUNK) {
      const { transient } = await processIntakes(env, ids.slice(k, k + KEEP_CHUNK));
      for (const t of transient)
        console.error(`lead intake ${t.intakeId} left PENDING by the inbox sweep`, t.error);
    }
  }
  return swept;
}

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
