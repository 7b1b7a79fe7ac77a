// The dead-letter consumer and staff replay. Nothing that reaches the dead-letter queue is dropped: each message
// is first written to R2 (one object per message) and acked only once that object exists; then the handling of
// its kind runs (lead intakes marked FAILED, settleDeadJob for the rest) and the outcome goes into the object's
// status. Replaying sends the kept body back once: to the lead queue for lead messages, else the jobs queue.
import type { Env } from '../../env';
import type { JobMessage } from '../../jobs/messages';
import { backoffSeconds } from '../../lib/backoff';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors';
import { reopenForReplay } from '../jobs/deadLetter';
import { isLeadJob, settleDeadLeadJob } from '../leads/jobs';
import {
  DEAD_LETTER_KEY,
  type DeadLetterRecord,
  type DeadLetterStatus,
  type DeadLetterSummary,
  deadLetterKey,
  kindOf,
} from './model';
import { headDeadLetter, readDeadLetter, type StoredDeadLetter, writeDeadLetter } from './repository';
import { type SpecOf, settleDeadJob } from './settle';

/** Handles a batch of the dead-letter queue, one message at a time (dead letters are few). */
export async function receiveDeadLetters(
  batch: MessageBatch<JobMessage>,
  env: Env,
  specOf: SpecOf,
): Promise<void> {
  for (const message of batch.messages) await receiveDeadLetter(message, batch.queue, env, specOf);
}

async function receiveDeadLetter(
  message: Message<JobMessage>,
  queue: string,
  env: Env,
  specOf: SpecOf,
): Promise<void> {
  const key = deadLetterKey(message.timestamp, message.id);
  const record: DeadLetterRecord = {
    queue,
    messageId: message.id,
    kind: kindOf(message.body),
    attempts: message.attempts,
    reason: null,
    receivedAt: message.timestamp.toISOString(),
    storedAt: new Date().toISOString(),
    body: message.body,
  };
  let stored: StoredDeadLetter;
  try {
    // A redelivery of this message finds its object and keeps its status.
    stored =
      (await headDeadLetter(env.FILES, key)) ??
      (await writeDeadLetter(env.FILES, key, record, 'PENDING', null))!;
  } catch (e) {
    // Not kept: the message must not go. It comes back later (the consumer's max_retries is large).
    console.error(`could not keep dead letter ${key}; retried`, e);
    message.retry({ delaySeconds: backoffSeconds(message.attempts) });
    return;
  }
  if (stored.status === 'PENDING') await settle(env, key, stored, message.body, message.attempts, specOf);
  message.ack();
}

/** Runs the dead-letter handling of the message's kind and records the outcome; never throws. */
async function settle(
  env: Env,
  key: string,
  stored: StoredDeadLetter,
  body: JobMessage,
  attempts: number,
  specOf: SpecOf,
): Promise<void> {
  let status: DeadLetterStatus = 'SETTLED';
  let reason: string | null = null;
  try {
    if (isLeadJob(body)) {
      const errors = await settleDeadLeadJob(env, body, attempts);
      if (errors.length > 0) reason = [...new Set(errors)].join('; ');
    } else {
      await settleDeadJob(env, body, attempts, specOf);
    }
  } catch (e) {
    status = 'PENDING';
    reason = `Settling failed (kept for a replay): ${(e as Error)?.message ?? String(e)}`;
    console.error(`dead letter ${key} kept but not settled`, e);
  }
  try {
    const current = await readDeadLetter(env.FILES, key);
    if (!current || current.etag !== stored.etag) return; // replayed meanwhile: leave it
    await writeDeadLetter(
      env.FILES,
      key,
      { ...current.record, reason: reason ?? current.record.reason },
      status,
      stored.etag,
    );
  } catch (e) {
    // The object exists (PENDING); settling again is harmless, so a replay or a redelivery may redo it.
    console.error(`could not record the outcome of dead letter ${key}`, e);
  }
}

/** Refuses anything but a key this module writes (a key names an object in the shared bucket). */
function checkKey(key: string): void {
  if (!DEAD_LETTER_KEY.test(key))
    throw new ValidationError('Not a dead-letter key.', [
      {
        path: 'key',
        message: 'A key as listed by deadLetters: dead-letters/<ISO instant>-<message id>.json.',
        code: 'INVALID_FORMAT',
        params: { format: 'dead-letter key' },
      },
    ]);
}

/**
 * Sends the kept message body back to the jobs queue (processing is idempotent) and marks the object
 * REPLAYED. The mark is written first, conditional on the version read, so a second replay — even a
 * concurrent one — is refused with ALREADY_REPLAYED and sends nothing; if the send fails the mark is undone.
 */
export async function replayDeadLetter(env: Env, key: string, specOf: SpecOf): Promise<DeadLetterSummary> {
  checkKey(key);
  const current = await readDeadLetter(env.FILES, key);
  if (!current) throw new NotFoundError('No dead letter with that key.');
  const alreadyReplayed = () =>
    new ConflictError('This dead letter was replayed already.', 'ALREADY_REPLAYED');
  if (current.status === 'REPLAYED') throw alreadyReplayed();
  const replayed = { ...current.record, replayedAt: new Date().toISOString() };
  const marked = await writeDeadLetter(env.FILES, key, replayed, 'REPLAYED', current.etag);
  if (!marked) throw alreadyReplayed();
  try {
    // A tracked job that the dead letter left FAILED takes its step again (a finished one acks it as stale).
    await reopenForReplay(env, current.record.body as JobMessage, specOf);
    const body = current.record.body as JobMessage;
    // Lead messages go back to lead intake's own queue, the rest to the jobs queue.
    if (isLeadJob(body)) await env.LEADS.send(body);
    else await env.JOBS.send(body);
  } catch (e) {
    await writeDeadLetter(env.FILES, key, current.record, current.status, marked.etag).catch(() => {});
    throw e;
  }
  return {
    key,
    queue: current.record.queue,
    kind: current.record.kind,
    attempts: current.record.attempts,
    reason: current.record.reason,
    receivedAt: current.record.receivedAt,
    status: 'REPLAYED',
  };
}

/** The message body of a dead letter as JSON text (null when the object is gone). */
export async function deadLetterBody(env: Env, key: string): Promise<string | null> {
  const current = await readDeadLetter(env.FILES, key);
  return current ? JSON.stringify(current.record.body) : null;
}
