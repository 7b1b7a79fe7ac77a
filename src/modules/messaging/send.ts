// The send step of the outbox: one message toward its provider, exactly once. A plain idempotent async
// function of (env, outboxId): the queue consumer calls it, and so can any job mechanism.
//
// - Claim before sending: QUEUED -> SENDING is one guarded UPDATE; a second delivery of the same queue
//   message finds the row SENDING or SENT and sends nothing.
// - A claim whose consumer died (SENDING past its lease) is taken over with a guard too, and then the
//   provider is asked first: an idempotent provider (Resend) gets the same Idempotency-Key again; Twilio is
//   looked up by recipient, sender and text; a provider that can tell neither (GatewayAPI, Cloudflare
//   Email) is not sent to again: the message stays SENDING with the reason, for its delivery notice or staff.
// - 429 and 5xx put the message back to QUEUED with not_before (Retry-After when given, else a short backoff
//   of its own, 1 s doubling: sendBackoffSeconds) and the queue message comes back then; after
//   MAX_SEND_ATTEMPTS tries it is FAILED (MAX_PACED_ATTEMPTS while the provider only asks us to wait).
import type { Env } from '../../env';
import { atomic } from '../../lib/db';
import { applyEarlyEvents } from './events';
import type { OutboxStatus, ProviderName } from './model';
import { adapterFor } from './providers';
import {
  type LookupResult,
  type OutgoingMessage,
  type ProviderAdapter,
  ProviderNotConfigured,
  type SendOutcome,
} from './providers/types';
import {
  claimQueued,
  finalStatements,
  isSuppressed,
  markAccepted,
  markFinal,
  messagingSettings,
  noteQueuedError,
  outboxById,
  reclaimStale,
  retryStatement,
  uncertainStatement,
} from './repository';
import type { MessagingSettingsRow, OutboxRow } from './tables';
import { unsubscribeToken, unsubscribeUrl } from './unsubscribe';

/** How long a SENDING claim is trusted before its consumer is taken for dead. */
export const SENDING_LEASE_SECONDS = 120;
/**
 * A send whose answer was lost (connection reset, timeout) is over as far as this consumer is concerned: it
 * gives up its claim at once rather than holding it for the whole lease, and the recovery path asks the
 * provider after this short pause (time for the provider to have recorded a message it took).
 */
export const UNCERTAIN_SETTLE_SECONDS = 10;
/**
 * Tries toward the provider before a message is given up as FAILED. With sendBackoffSeconds the waits between
 * them add up to 16-32 min, so a provider outage of a quarter of an hour is still survived.
 */
export const MAX_SEND_ATTEMPTS = 12;
/**
 * Tries allowed while the provider paces us (a 429 or a throttling code with its own wait): a rate limit is
 * not a failure of the message, so twelve quick "Retry-After: 1" answers must not give it up after 12 s.
 */
export const MAX_PACED_ATTEMPTS = 60;
/** No wait between two tries of one message is longer. */
export const SEND_BACKOFF_CAP_SECONDS = 900;
const NOT_CONFIGURED_DELAY_SECONDS = 3600;

export type StepResult =
  /** Nothing more to do for this queue message (sent, final, or in someone else's hands). */
  | { done: true; status: OutboxStatus | null }
  /** Deliver the queue message again after this delay. */
  | { done: false; delaySeconds: number };

/**
 * The wait before the next try of one message after `attempt` tries (a 5xx, a 429 without Retry-After): about
 * 1 s, 2 s, 4 s … doubling to a 15 min cap, each drawn between half and all of that (jitter, so that the
 * messages one provider hiccup refused do not all come back in the same second). Short on purpose: one
 * refused message waits seconds, not the job mechanism's minutes, and a broadcast has no long tail.
 */
export function sendBackoffSeconds(attempt: number, random: () => number = Math.random): number {
  const n = Number.isFinite(attempt) && attempt >= 1 ? Math.min(Math.floor(attempt), 20) : 1;
  const full = Math.min(SEND_BACKOFF_CAP_SECONDS, 2 ** (n - 1));
  return Math.max(1, Math.ceil(full * (0.5 + random() / 2)));
}

const iso = (ms: number) => new Date(ms).toISOString();

function providerOf(row: OutboxRow, settings: MessagingSettingsRow): ProviderName | null {
  if (row.provider) return row.provider;
  return row.channel === 'SMS' ? settings.sms_provider : settings.email_provider;
}

const CALLBACK_PATH: Record<ProviderName, string | null> = {
  TWILIO: '/webhooks/messaging/twilio',
  GATEWAYAPI: '/webhooks/messaging/gatewayapi',
  RESEND: null, // configured once at Resend
  CLOUDFLARE: null, // delivery events arrive on a queue
};

async function outgoing(
  env: Env,
  row: OutboxRow,
  settings: MessagingSettingsRow,
  provider: ProviderName,
): Promise<OutgoingMessage> {
  const from = row.channel === 'SMS' ? settings.sms_sender : settings.email_from;
  const base = env.PUBLIC_BASE_URL?.replace(/\/+$/, '');
  const path = CALLBACK_PATH[provider];
  const headers: Record<string, string> = {};
  // Marketing goes to people only (staff get transactional mail: their password resets).
  if (row.channel === 'EMAIL' && row.purpose === 'MARKETING' && row.recipient_type !== 'STAFF') {
    // RFC 8058 one-click unsubscribe: mail clients POST "List-Unsubscribe=One-Click" to the link.
    const token = await unsubscribeToken(env.JWT_SECRET, {
      channel: 'EMAIL',
      type: row.recipient_type,
      id: row.recipient_id,
      locale: row.locale,
    });
    headers['List-Unsubscribe'] = `<${unsubscribeUrl(env.PUBLIC_BASE_URL, token)}>`;
    headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
  }
  return {
    outboxId: row.id,
    idempotencyKey: row.idempotency_key,
    to: row.address,
    from: from ?? '',
    subject: row.subject,
    text: row.body,
    html: row.html,
    headers,
    smsEncoding: row.sms_encoding,
    statusCallbackUrl: base && path ? `${base}${path}` : null,
  };
}

export async function sendOutboxMessage(
  env: Env,
  outboxId: number,
  now = new Date(),
  known?: { row: OutboxRow | null; settings: MessagingSettingsRow },
): Promise<StepResult> {
  const db = env.DB;
  const t = now.getTime();
  const row = known ? known.row : await outboxById(db, outboxId);
  if (!row) {
    console.error(`outbox message ${outboxId} does not exist`);
    return { done: true, status: null };
  }
  if (row.status !== 'QUEUED' && row.status !== 'SENDING') return { done: true, status: row.status };

  const settings = known?.settings ?? (await messagingSettings(db));
  const provider = providerOf(row, settings);
  const sender = row.channel === 'SMS' ? settings.sms_sender : settings.email_from;
  if (!provider || !sender) {
    const error = `No ${row.channel} ${provider ? 'sender' : 'provider'} is configured (messaging_settings).`;
    await noteQueuedError(db, row.id, iso(t + NOT_CONFIGURED_DELAY_SECONDS * 1000), error, iso(t));
    return { done: false, delaySeconds: NOT_CONFIGURED_DELAY_SECONDS };
  }
  const adapter = adapterFor(env, provider);

  if (row.status === 'SENDING') {
    const leaseEnds = Date.parse(row.claimed_at ?? '1970-01-01T00:00:00Z') + SENDING_LEASE_SECONDS * 1000;
    if (leaseEnds > t) return { done: false, delaySeconds: Math.ceil((leaseEnds - t) / 1000) };
    const taken = await reclaimStale(db, row, iso(t));
    if (!taken) return { done: false, delaySeconds: SENDING_LEASE_SECONDS };
    return sendClaimed(env, adapter, taken, settings, t, row.claimed_at ?? row.created_at);
  }

  if (row.not_before && Date.parse(row.not_before) > t)
    return { done: false, delaySeconds: Math.ceil((Date.parse(row.not_before) - t) / 1000) };
  if (await isSuppressed(db, row.channel, row.address)) {
    await markFinal(db, row.id, ['QUEUED'], 'SUPPRESSED', 'The address is suppressed.', null, iso(t));
    return { done: true, status: 'SUPPRESSED' };
  }
  const claimed = await claimQueued(db, row.id, provider, iso(t));
  if (!claimed) {
    // Another consumer claimed it between our read and our claim: it is in their hands now.
    const current = await outboxById(db, row.id);
    return current?.status === 'QUEUED'
      ? { done: false, delaySeconds: sendBackoffSeconds(1) }
      : { done: true, status: current?.status ?? null };
  }
  return sendClaimed(env, adapter, claimed, settings, t, null);
}

/**
 * Where the batch path collects the writes of many messages, to run them as one D1 batch; without one, each
 * write runs at once.
 */
export interface Sink {
  accepted(a: Accepted): void;
  write(statements: D1PreparedStatement[]): void;
}

async function write(db: D1Database, sink: Sink | undefined, statements: D1PreparedStatement[]) {
  if (sink) sink.write(statements);
  else await atomic(db, statements);
}

/**
 * The send of a row this consumer has just claimed. `reclaimedFrom`: the claim time of a dead consumer whose
 * claim was taken over (null for a claim of a QUEUED row). A status check before any resend: a taken-over
 * claim may have reached the provider, and so may an earlier try that the provider answered with an error;
 * an idempotent provider (Resend) is simply sent the same Idempotency-Key again.
 */
export async function sendClaimed(
  env: Env,
  adapter: ProviderAdapter,
  row: OutboxRow,
  settings: MessagingSettingsRow,
  t: number,
  reclaimedFrom: string | null,
  sink?: Sink,
): Promise<StepResult> {
  if (!adapter.idempotent && (reclaimedFrom !== null || row.attempts > 1)) {
    const found = await lookupOrRelease(
      env,
      adapter,
      row,
      settings,
      reclaimedFrom ?? row.created_at,
      t,
      sink,
    );
    if ('done' in found) return found;
    if (found.kind === 'found')
      return accepted(env.DB, row, adapter.name, found.providerMessageId, found.providerStatus, t, sink);
    if (found.kind === 'unknown' && reclaimedFrom !== null) {
      await write(env.DB, sink, [
        uncertainStatement(
          env.DB,
          row.id,
          `The send was interrupted after reaching ${adapter.name}, which cannot tell whether it took the message: not sent again.`,
          iso(t),
        ),
      ]);
      return { done: true, status: 'SENDING' };
    }
  }
  return attempt(env, adapter, row, settings, t, sink);
}

/**
 * Asks the provider whether it has the message. A lookup that fails (the connection, the provider) sends
 * nothing, so the claim is released after the short settle and the question is asked again then, instead of
 * holding the claim for the whole lease.
 */
async function lookupOrRelease(
  env: Env,
  adapter: ProviderAdapter,
  row: OutboxRow,
  settings: MessagingSettingsRow,
  since: string,
  t: number,
  sink?: Sink,
): Promise<LookupResult | StepResult> {
  try {
    return await adapter.lookup(await outgoing(env, row, settings, adapter.name), since);
  } catch (e) {
    await write(env.DB, sink, [
      settleStatement(env.DB, row.id, `Lookup failed, asked again: ${String(e)}`, t),
    ]);
    return { done: false, delaySeconds: UNCERTAIN_SETTLE_SECONDS };
  }
}

/** Keeps the row SENDING with the reason, its claim moved back so that it ends after the short settle. */
function settleStatement(db: D1Database, id: number, error: string, t: number) {
  return uncertainStatement(
    db,
    id,
    error,
    iso(t),
    iso(t - (SENDING_LEASE_SECONDS - UNCERTAIN_SETTLE_SECONDS) * 1000),
  );
}

async function accepted(
  db: D1Database,
  row: OutboxRow,
  provider: ProviderName,
  providerMessageId: string,
  providerStatus: string,
  t: number,
  sink?: Sink,
): Promise<StepResult> {
  if (sink) {
    sink.accepted({ row, provider, providerMessageId, providerStatus });
    return { done: true, status: 'SENT' };
  }
  await markAccepted(db, row.id, provider, providerMessageId, providerStatus, iso(t));
  await applyEarlyEvents(db, row.id, provider, providerMessageId, iso(t));
  return { done: true, status: (await outboxById(db, row.id))?.status ?? 'SENT' };
}

/** An accepted send whose recording the caller does for many at once (the batch path). */
export interface Accepted {
  row: OutboxRow;
  provider: ProviderName;
  providerMessageId: string;
  providerStatus: string;
}

/** One request to the provider for a claimed row, and what its answer means for the row. */
async function attempt(
  env: Env,
  adapter: ProviderAdapter,
  row: OutboxRow,
  settings: MessagingSettingsRow,
  t: number,
  sink?: Sink,
): Promise<StepResult> {
  const db = env.DB;
  let outcome: SendOutcome;
  try {
    outcome = await adapter.send(await outgoing(env, row, settings, adapter.name));
  } catch (e) {
    if (e instanceof ProviderNotConfigured)
      outcome = { kind: 'retry', retryAfterSeconds: NOT_CONFIGURED_DELAY_SECONDS, error: e.message };
    else if (adapter.idempotent) outcome = { kind: 'retry', retryAfterSeconds: null, error: String(e) };
    else {
      // The request may have reached the provider: never resend blindly. The claim is released after a short
      // settle (this consumer is done with the request) and the recovery path asks the provider first.
      await write(db, sink, [settleStatement(db, row.id, `Send interrupted: ${String(e)}`, t)]);
      return { done: false, delaySeconds: UNCERTAIN_SETTLE_SECONDS };
    }
  }
  switch (outcome.kind) {
    case 'accepted':
      return accepted(db, row, adapter.name, outcome.providerMessageId, outcome.providerStatus, t, sink);
    case 'rejected':
      await write(
        db,
        sink,
        finalStatements(db, row.id, ['SENDING'], outcome.status, outcome.error, outcome.suppress, iso(t)),
      );
      return { done: true, status: outcome.status };
    case 'retry': {
      const paced =
        outcome.retryAfterSeconds !== null && outcome.retryAfterSeconds < NOT_CONFIGURED_DELAY_SECONDS;
      if (row.attempts >= (paced ? MAX_PACED_ATTEMPTS : MAX_SEND_ATTEMPTS)) {
        const error = `Gave up after ${row.attempts} attempts: ${outcome.error}`;
        await write(db, sink, finalStatements(db, row.id, ['SENDING'], 'FAILED', error, null, iso(t)));
        return { done: true, status: 'FAILED' };
      }
      const delay = outcome.retryAfterSeconds ?? sendBackoffSeconds(row.attempts);
      await write(db, sink, [retryStatement(db, row.id, iso(t + delay * 1000), outcome.error, iso(t))]);
      return { done: false, delaySeconds: delay };
    }
  }
}

/** The dead-letter queue's last word: a message still waiting is FAILED, with the reason kept. */
export async function giveUpOutboxMessage(env: Env, outboxId: number, now = new Date()): Promise<void> {
  const row = await outboxById(env.DB, outboxId);
  if (row?.status !== 'QUEUED') return;
  await markFinal(
    env.DB,
    outboxId,
    ['QUEUED'],
    'FAILED',
    `Dead-lettered after the queue's retries${row.last_error ? `: ${row.last_error}` : ''}.`,
    null,
    now.toISOString(),
  );
}
