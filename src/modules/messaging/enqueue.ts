// Handing outbox messages to their queue. Sends have a queue of their own (wrangler.toml OUTBOX,
// mlm-crm-outbox: big batches, several at once), apart from the jobs queue where broadcast fan-out and the
// rest of the product's steps run, so that neither waits behind the other.
import type { Env } from '../../env';

/** The outbox queue's name (wrangler.toml). */
export const OUTBOX_QUEUE = 'mlm-crm-outbox';

export interface SendOrder {
  outboxId: number;
  /** Seconds the queue holds the message back (quiet hours, Retry-After); capped at Queues' 12 hours. */
  delaySeconds?: number;
}

const MAX_DELAY_SECONDS = 43_200;
/** Queues take at most 100 messages per sendBatch call. */
const PER_CALL = 100;

/**
 * The QUEUED rows an outbox insert batch returned (`RETURNING id, status, not_before`), handed to the queue:
 * a message held by quiet hours waits its `not_before`; a suppressed or limited one is not sent. Returns how
 * many were handed over.
 */
export async function enqueueWritten(env: Env, results: readonly D1Result[], now: Date): Promise<number> {
  const written = results
    .flatMap((r) => r.results as { id: number; status: string; not_before: string | null }[])
    .filter((r) => r.status === 'QUEUED');
  await enqueueSends(
    env,
    written.map((r) => ({
      outboxId: r.id,
      delaySeconds: r.not_before ? (Date.parse(r.not_before) - now.getTime()) / 1000 : 0,
    })),
  );
  return written.length;
}

export async function enqueueSends(env: Env, orders: readonly SendOrder[]): Promise<void> {
  const calls: Promise<unknown>[] = [];
  for (let i = 0; i < orders.length; i += PER_CALL)
    calls.push(
      env.OUTBOX.sendBatch(
        orders.slice(i, i + PER_CALL).map((o) => ({
          body: { kind: 'outbox.send' as const, outboxId: o.outboxId },
          ...(o.delaySeconds && o.delaySeconds > 0
            ? { delaySeconds: Math.min(Math.ceil(o.delaySeconds), MAX_DELAY_SECONDS) }
            : {}),
        })),
      ),
    );
  await Promise.all(calls);
}
