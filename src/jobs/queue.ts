import type { Env } from '../env';
import { backoffSeconds } from '../lib/backoff';
import { isDeadLetterQueue } from '../modules/deadLetters/model';
import { receiveDeadLetters } from '../modules/deadLetters/service';
import { handleImportJob } from '../modules/imports/jobs';
import type { ImportJobOf } from '../modules/imports/kind';
import { runTrackedStep } from '../modules/jobs/runner';
import { handleLeadMessages, isLeadJob } from '../modules/leads/jobs';
import type { LeadJob } from '../modules/leads/messages';
import { EMAIL_EVENTS_QUEUE, handleEmailEvents } from '../modules/messaging/emailEvents';
import { OUTBOX_QUEUE } from '../modules/messaging/enqueue';
import { handleOutboxJob } from '../modules/messaging/jobs';
import type { OutboxJob } from '../modules/messaging/messages';
import { handleOutboxBatch } from '../modules/messaging/sendBatch';
import type { JobMessage } from './messages';
import { importKindOf, jobSpecOf, routeOf } from './routes';

/**
 * Routes each queue message to its module; a failure retries that message alone, with backoff. Everything on
 * a dead-letter queue goes to deadLetters/ (kept in R2, then settled per kind). The jobs queue and lead
 * intake's own queue (mlm-crm-leads, batches of 100) share this router: whatever arrives on either is routed
 * by its kind (lead messages still on the jobs queue from before the split included).
 */
export async function handleQueue(
  batch: MessageBatch<JobMessage>,
  env: Env,
  _ctx: ExecutionContext,
): Promise<void> {
  if (isDeadLetterQueue(batch.queue)) return receiveDeadLetters(batch, env, jobSpecOf);
  // Cloudflare Email Service's delivery events (its event subscription writes them; not our messages).
  if (batch.queue === EMAIL_EVENTS_QUEUE) return handleEmailEvents(batch as MessageBatch<unknown>, env);
  // Outbox sends have their own queue: the whole batch is one send step.
  if (batch.queue === OUTBOX_QUEUE) return handleOutboxBatch(batch.messages, env);
  // Lead messages are handled together (a few D1 round trips for the whole batch); they ack or retry
  // themselves. Lead intake keeps its own per-lead record (lead_intake), not a job row.
  await handleLeadMessages(
    batch.messages.filter((m) => isLeadJob(m.body)),
    env,
  );
  // Outbox sends wait on the provider (tens of ms each) and are independent (each claims its own row before
  // sending), so a batch's sends run together rather than one after another.
  await Promise.all(
    batch.messages
      .filter((m) => m.body.kind === 'outbox.send' || m.body.kind === 'broadcast.fanout')
      .map((m) => handleMessagingMessage(env, m as Message<OutboxJob>)),
  );
  for (const message of batch.messages) {
    const body = message.body;
    if (isLeadJob(body) || body.kind === 'outbox.send' || body.kind === 'broadcast.fanout') continue;
    const route = routeOf(body as Exclude<JobMessage, LeadJob>);
    if (!route) {
      message.ack();
      continue;
    }
    const spec = jobSpecOf(route.jobKind);
    if ('jobId' in body && body.jobId && spec) {
      await runTrackedStep(env, message, spec, route.run);
      continue;
    }
    await runUntracked(env, message, route.run);
  }
}

/** A message without a job row: retried with backoff; an import step keeps its own give-up rule. */
async function runUntracked(env: Env, message: Message<JobMessage>, run: (env: Env) => Promise<void>) {
  try {
    const kind = importKindOf(message.body);
    if (kind) await handleImportJob(kind, message, message.body as ImportJobOf<string>, env);
    else await run(env);
    message.ack();
  } catch (e) {
    console.error('job failed', message.body, e);
    message.retry({ delaySeconds: backoffSeconds(message.attempts) });
  }
}

/** Messaging acks, or retries with the delay its step asks for (Retry-After, backoff, a claim's lease). */
async function handleMessagingMessage(env: Env, message: Message<OutboxJob>) {
  try {
    await handleOutboxJob(message, message.body, env);
  } catch (e) {
    console.error('job failed', message.body, e);
    message.retry({ delaySeconds: backoffSeconds(message.attempts) });
  }
}
