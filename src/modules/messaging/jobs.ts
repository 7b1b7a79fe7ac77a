// Queue entry point of the outbox. The step itself is sendOutboxMessage (a plain idempotent function); this
// maps its result onto the queue message: ack, or retry after the delay the step asks for.
import type { Env } from '../../env';
import type { OutboxJob } from './messages';
import { giveUpOutboxMessage, sendOutboxMessage } from './send';

/** The dead-letter queue of the jobs queue (wrangler.toml). */
const DLQ_NAME = 'mlm-crm-jobs-dlq';

export async function handleOutboxJob(message: Message<unknown>, job: OutboxJob, env: Env, queue: string) {
  if (queue === DLQ_NAME) {
    await giveUpOutboxMessage(env, job.outboxId);
    message.ack();
    return;
  }
  const result = await sendOutboxMessage(env, job.outboxId);
  if (result.done) message.ack();
  // Queues cap a retry's delay at 12 hours.
  else message.retry({ delaySeconds: Math.min(result.delaySeconds, 43_200) });
}
