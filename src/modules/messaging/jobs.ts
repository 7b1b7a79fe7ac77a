// Queue entry point of the outbox and of broadcasts. The steps themselves are plain idempotent functions
// (sendOutboxMessage, fanOutBroadcast); this maps their results onto the queue message. Dead letters go
// through deadLetters/ (settle.ts gives up a dead-lettered outbox message).
import type { Env } from '../../env';
import { FANOUT_CHUNK, FANOUT_CHUNKS_PER_STEP, fanOutBroadcast } from './broadcasts';
import type { OutboxJob } from './messages';
import { sendOutboxMessage } from './send';

export async function handleOutboxJob(message: Message<unknown>, job: OutboxJob, env: Env): Promise<void> {
  if (job.kind === 'broadcast.fanout') {
    await fanOutBroadcast(env, job.broadcastId, FANOUT_CHUNK, new Date(), FANOUT_CHUNKS_PER_STEP);
    message.ack();
    return;
  }
  const result = await sendOutboxMessage(env, job.outboxId);
  if (result.done) message.ack();
  // Queues cap a retry's delay at 12 hours.
  else message.retry({ delaySeconds: Math.min(result.delaySeconds, 43_200) });
}
