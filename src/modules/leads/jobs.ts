// Queue entry point of lead intake: one message per intake row; handling it twice changes nothing.
import type { Env } from '../../env';
import type { JobMessage } from '../../jobs/messages';
import { giveUpIntake, processIntake } from './process';

export type LeadJob = { kind: 'leads.process'; intakeId: number };

/** The dead-letter queue of the jobs queue (wrangler.toml). */
export const DLQ_NAME = 'mlm-crm-jobs-dlq';

/**
 * On the jobs queue: process (a transient failure throws, so the message is retried; after the last retry
 * Queues moves it to the DLQ). On the DLQ: mark the intake FAILED; its raw event stays for a later retry.
 */
export async function handleLeadJob(
  message: Message<JobMessage>,
  job: LeadJob,
  env: Env,
  queue: string,
): Promise<void> {
  if (queue === DLQ_NAME) {
    await giveUpIntake(env.DB, job.intakeId, message.attempts);
    return;
  }
  await processIntake(env, job.intakeId);
}
