// What the dead-letter consumer does with a non-lead message once it is safe in R2 (lead messages are settled
// by the leads module: service.ts calls settleDeadLeadJob).
import type { Env } from '../../env';
import type { JobMessage } from '../../jobs/messages';
import { settleDeadLetteredJob } from '../jobs/deadLetter';
import type { JobKindSpec } from '../jobs/runner';
import type { LeadJob } from '../leads/messages';
import { giveUpOutboxMessage } from '../messaging/send';

/** The job kinds' specs, supplied by the job router (jobs/routes.ts) so this module does not import the edge. */
export type SpecOf = (kind: string) => JobKindSpec | undefined;

/**
 * A step of a tracked job: the job becomes FAILED with the reason (its consumer could not record it: D1 was
 * down through every delivery), so staff see it and retry or cancel it. A message without a job (a
 * compensation's cleanup, say) has nothing else to record: the R2 dead letter is its record, for a replay.
 * Idempotent: a redelivered dead letter settles the same way.
 */
export async function settleDeadJob(
  env: Env,
  body: Exclude<JobMessage, LeadJob>,
  attempts: number,
  specOf: SpecOf,
): Promise<void> {
  // An outbox message still waiting is FAILED with its last error (one already sent or final is left alone).
  if (body.kind === 'outbox.send') return giveUpOutboxMessage(env, body.outboxId);
  await settleDeadLetteredJob(env, body, attempts, specOf);
}
