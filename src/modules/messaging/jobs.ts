// Queue entry point of the outbox and of broadcasts. The steps themselves are plain idempotent functions
// (sendOutboxMessage, fanOutBroadcast); this maps their results onto the queue message.
import type { Env } from '../../env';
import { fanOutBroadcast } from './broadcasts';
import type { OutboxJob } from './messages';
import { giveUpOutboxMessage, sendOutboxMessage } from './send';

/** The dead-letter queue of the jobs queue (wrangler.toml). */
const DLQ_NAME = 'mlm-crm-jobs-dlq';

export async function handleOutboxJob(message: Message<unknown>, job: OutboxJob, env: Env, queue: string) {
  if (job.kind === 'broadcast.fanout') {
    // A chunk that failed is retried by the queue; from the dead-letter queue the hourly sweep takes over.
    if (queue !== DLQ_NAME) await fanOutBroadcast(env, job.broadcastId);
    message.ack();
    return;
  }
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
