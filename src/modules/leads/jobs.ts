// Queue entry point of lead intake: the lead messages of a batch are handled together (a few D1 round trips
// for the whole batch, not a few per lead); handling a message twice changes nothing.
import type { Env } from '../../env';
import type { JobMessage } from '../../jobs/messages';
import { backoffSeconds } from '../../lib/backoff';
import { removeFromInbox } from './inbox';
import { keepDeliveries } from './intake';
import type { LeadJob, QueuedDelivery } from './messages';
import { giveUpIntakes, processIntakes } from './process';

export type { LeadJob };

export const isLeadJob = (body: JobMessage): body is LeadJob =>
  body.kind === 'leads.intake' || body.kind === 'leads.process';

/** Intakes processed together at most (one claim, one routing round, one write batch each). */
const PROCESS_CHUNK = 100;

/** A transient failure: the message comes back after backoffSeconds(its deliveries so far). */
const retryLater = (m: Message<unknown>) => m.retry({ delaySeconds: backoffSeconds(m.attempts) });

/**
 * On the jobs queue: keep the carried deliveries (and drop their lead-inbox copies), process every pending
 * intake, ack each message whose intakes are settled and retry each one with a transient failure, later each
 * time (after the last retry Queues moves it to the dead-letter queue, see deadLetters/).
 */
export async function handleLeadMessages(messages: readonly Message<JobMessage>[], env: Env): Promise<void> {
  if (messages.length === 0) return;
  let intakesOf: number[][];
  try {
    intakesOf = await keepAll(
      env,
      messages.map((m) => m.body as LeadJob),
    );
  } catch (e) {
    console.error('keeping lead deliveries failed', e);
    for (const m of messages) retryLater(m);
    return;
  }
  const retry = new Set<number>();
  try {
    const all = [...new Set(intakesOf.flat())];
    for (let i = 0; i < all.length; i += PROCESS_CHUNK) {
      const { transient } = await processIntakes(env, all.slice(i, i + PROCESS_CHUNK));
      for (const t of transient) {
        retry.add(t.intakeId);
        console.error(`lead intake ${t.intakeId} will be retried`, t.error);
      }
    }
  } catch (e) {
    console.error('processing lead intakes failed', e);
    for (const m of messages) retryLater(m);
    return;
  }
  for (const [k, m] of messages.entries()) {
    if (intakesOf[k].some((id) => retry.has(id))) retryLater(m);
    else m.ack();
  }
}

/**
 * A lead message whose retries are spent (called by the dead-letter consumer once the message is safe in R2):
 * keeps a carried delivery that never was, and marks its still-pending intakes FAILED (staff retry them with
 * retryLeadIntake). Returns the intakes' last errors, the reason the retries failed when one was recorded.
 * Throws when D1 fails; the dead letter then stays PENDING for a replay.
 */
export async function settleDeadLeadJob(env: Env, job: LeadJob, attempts: number): Promise<string[]> {
  const [intakes] = await keepAll(env, [job]);
  return giveUpIntakes(env.DB, intakes, attempts);
}

/**
 * Keeps every carried delivery in one batch, then removes them from the lead inbox (one R2 call); the pending
 * intake ids of each message.
 */
async function keepAll(env: Env, jobs: readonly LeadJob[]): Promise<number[][]> {
  const carried: QueuedDelivery[] = [];
  for (const job of jobs) if (job.kind === 'leads.intake') carried.push(job.delivery);
  const kept = carried.length > 0 ? await keepDeliveries(env.DB, carried) : [];
  await removeFromInbox(env.FILES, carried);
  let at = 0;
  return jobs.map((job) => (job.kind === 'leads.process' ? [job.intakeId] : kept[at++]));
}
