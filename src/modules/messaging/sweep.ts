// The hourly sweep of the outbox: a message whose queue message was lost (the send after the insert failed,
// or Queues gave up before the dead-letter handler ran) is handed to the queue again. Sending is idempotent,
// so a message that is also still on the queue is sent once all the same. A message interrupted while in
// the hands of a provider that cannot tell whether it took it (GatewayAPI, Cloudflare Email) stays where it
// is: its delivery notice or staff settle it.
import type { Env } from '../../env';
import { enqueueSends } from './enqueue';
import { RECOVERABLE_PROVIDERS } from './providers';
import { SENDING_LEASE_SECONDS } from './send';

/** A message untouched this long while due is taken for lost. */
export const STUCK_AFTER_SECONDS = 15 * 60;
const MAX_PER_SWEEP = 1000;

export async function enqueueStuckOutbox(env: Env, now: Date): Promise<number> {
  const stuckBefore = new Date(now.getTime() - STUCK_AFTER_SECONDS * 1000).toISOString();
  const leaseBefore = new Date(now.getTime() - SENDING_LEASE_SECONDS * 1000).toISOString();
  const { results } = await env.DB.prepare(
    `SELECT id FROM message_outbox
     WHERE (status = 'QUEUED' AND updated_at < ?1 AND (not_before IS NULL OR not_before <= ?2))
        OR (status = 'SENDING' AND claimed_at < ?3 AND updated_at < ?1
            AND provider IN (SELECT value FROM json_each(?5)))
     ORDER BY id LIMIT ?4`,
  )
    .bind(stuckBefore, now.toISOString(), leaseBefore, MAX_PER_SWEEP, JSON.stringify(RECOVERABLE_PROVIDERS))
    .all<{ id: number }>();
  await enqueueSends(
    env,
    results.map((r) => ({ outboxId: r.id })),
  );
  return results.length;
}
