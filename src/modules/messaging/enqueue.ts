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
