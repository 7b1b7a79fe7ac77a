// Queue entry point of lead intake: the lead messages of a batch are handled together (a few D1 round trips
// for the whole batch, not a few per lead); handling a message twice changes nothing.
import type { Env } from '../../env';
import type { JobMessage } from '../../jobs/messages';
import { backoffSeconds } from '../../lib/backoff';
import { readInboxObject, removeFromInbox, settledInboxKeys } from './inbox';
import { keepDeliveries } from './intake';
import type { LeadJob, QueuedDelivery } from './messages';
import { giveUpIntakes, processIntakes } from './process';

export type { LeadJob };

export const isLeadJob = (body: JobMessage): body is LeadJob =>
  body.kind === 'leads.intake' || body.kind === 'leads.process';

/** Intakes processed together at most (one claim, one routing round, one write batch each). */
const PROCESS_CHUNK = 100;

/** Messages kept one by one that fail in a row, with none kept, before the rest of the batch is not tried. */
const GIVE_UP_AFTER = 3;

/** A transient failure: the message comes back after backoffSeconds(its deliveries so far). */
const retryLater = (m: Message<unknown>) => m.retry({ delaySeconds: backoffSeconds(m.attempts) });

/**
 * On the lead queue (and the jobs queue, for lead messages sent there before the lead queue existed): keep
 * the carried deliveries (and drop their lead-inbox copies), process every pending intake, ack each message
 * whose intakes are settled and retry each one with a transient failure, later each time (after the last
 * retry Queues moves it to its dead-letter queue, see deadLetters/).
 */
export async function handleLeadMessages(
  batchMessages: readonly Message<JobMessage>[],
  env: Env,
): Promise<void> {
  let messages = batchMessages;
  if (messages.length === 0) return;
  const kept = await keepEach(env, messages);
  messages = kept.messages;
  const intakesOf = kept.intakesOf;
  if (messages.length === 0) return;
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
 * Keeps the batch's carried deliveries in one D1 batch. When that fails, each message is kept alone, so that
 * one message D1 refuses (or a malformed one) is retried by itself instead of holding back the other 99; a
 * message that cannot be kept is retried later (a D1 outage retries them all). The messages kept, with the
 * pending intake ids of each.
 */
async function keepEach(
  env: Env,
  messages: readonly Message<JobMessage>[],
): Promise<{ messages: Message<JobMessage>[]; intakesOf: number[][] }> {
  try {
    return {
      messages: [...messages],
      intakesOf: await keepAll(
        env,
        messages.map((m) => m.body as LeadJob),
      ),
    };
  } catch (e) {
    if (messages.length === 1) {
      console.error('keeping a lead delivery failed', e);
      retryLater(messages[0]);
      return { messages: [], intakesOf: [] };
    }
    console.error('keeping a batch of lead deliveries failed; keeping them one by one', e);
  }
  const kept: Message<JobMessage>[] = [];
  const intakesOf: number[][] = [];
  let failedInARow = 0;
  for (const m of messages) {
    // Nothing kept after a few tries: D1 itself is failing, so the rest wait for their retry untried.
    if (failedInARow >= GIVE_UP_AFTER && kept.length === 0) {
      retryLater(m);
      continue;
    }
    try {
      intakesOf.push((await keepAll(env, [m.body as LeadJob], false))[0]);
      kept.push(m);
      failedInARow = 0;
    } catch (e) {
      console.error(`keeping lead message ${m.id} failed; retried`, e);
      retryLater(m);
      failedInARow++;
    }
  }
  return { messages: kept, intakesOf };
}

/**
 * A lead message whose retries are spent (called by the dead-letter consumer once the message is safe in R2):
 * keeps a carried delivery that never was, and marks its still-pending intakes FAILED (staff retry them with
 * retryLeadIntake). Returns the intakes' last errors, the reason the retries failed when one was recorded.
 * Throws when D1 fails; the dead letter then stays PENDING for a replay.
 */
export async function settleDeadLeadJob(env: Env, job: LeadJob, attempts: number): Promise<string[]> {
  const [intakes] = await keepAll(env, [job], false);
  return giveUpIntakes(env.DB, intakes, attempts);
}

/**
 * Keeps every carried delivery in one batch, then removes the inbox objects whose deliveries are all kept (one
 * R2 call); the pending intake ids of each message. A group object only part of which is in the batch is read
 * and its other deliveries kept in the same D1 batch, so that it can go now too (keeping is idempotent; their
 * own messages still process them). `wholeGroups: false` (a message kept alone) keeps only the batch's own
 * deliveries and leaves such objects to a later batch or the sweep.
 */
async function keepAll(env: Env, jobs: readonly LeadJob[], wholeGroups = true): Promise<number[][]> {
  const carried: Extract<LeadJob, { kind: 'leads.intake' }>[] = [];
  for (const job of jobs) if (job.kind === 'leads.intake') carried.push(job);
  const { complete, incomplete } = await settledInboxKeys(carried);
  const rest = wholeGroups
    ? await restOfGroups(env.FILES, incomplete, carried)
    : { deliveries: [], keys: [] };
  const deliveries = [...carried.map((c) => c.delivery), ...rest.deliveries];
  const kept = deliveries.length > 0 ? await keepDeliveries(env.DB, deliveries) : [];
  await removeFromInbox(env.FILES, [...complete, ...rest.keys]);
  let at = 0;
  return jobs.map((job) => (job.kind === 'leads.process' ? [job.intakeId] : kept[at++]));
}

/**
 * At most this many deliveries of partly carried groups are kept along with a batch, so that its D1 batch stays
 * near what 100 messages make; a group beyond it is left to the batch carrying its last members or the sweep.
 */
const MAX_REST_DELIVERIES = 100;

/**
 * The deliveries of the given group objects that the batch does not carry, and the keys that may be deleted
 * once they are kept (a group already gone is done; one that cannot be read, or beyond MAX_REST_DELIVERIES,
 * is left for a later batch or the sweep).
 */
async function restOfGroups(
  bucket: R2Bucket,
  keys: readonly string[],
  carried: readonly Extract<LeadJob, { kind: 'leads.intake' }>[],
): Promise<{ deliveries: QueuedDelivery[]; keys: string[] }> {
  const deliveries: QueuedDelivery[] = [];
  const done: string[] = [];
  for (const key of keys) {
    const present = new Set(carried.filter((c) => c.inbox?.key === key).map((c) => c.inbox?.index));
    const size = carried.find((c) => c.inbox?.key === key)?.inbox?.size ?? 0;
    if (deliveries.length + size - present.size > MAX_REST_DELIVERIES) continue;
    let group: QueuedDelivery[] | null;
    try {
      group = await readInboxObject(bucket, key);
    } catch (e) {
      console.error(`lead inbox object ${key} could not be read; left for the sweep`, e);
      continue;
    }
    done.push(key);
    if (group) deliveries.push(...group.filter((_, i) => !present.has(i)));
  }
  return { deliveries, keys: done };
}
