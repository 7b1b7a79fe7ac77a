// Cloudflare Email Service delivery events: the account's event subscription publishes them to a queue
// (wrangler.toml, EMAIL_EVENTS_QUEUE). Each message is one event in the event-subscription envelope
// {type, source: {type: 'email.sending', zoneId, domain}, payload, metadata: {accountId, eventSubscriptionId,
// eventSchemaVersion, eventTimestamp}}: type `cf.email.sending.message.<delivered|deferred|bounced|failed|
// rejected|complained>`, payload {eventId, messageId (what the send returned), sender, recipient, subject,
// terminal, delivery: {status, smtpStatusCode, smtpResponse}, and per type bounce: {type: hard|soft, ...},
// complaint, failure: {reason}, rejection: {detail}}. Applied like every other provider event (events.ts):
// kept once per eventId, monotonic, unknown types kept and logged; a hard bounce or complaint suppresses the
// address.
import type { Env } from '../../env';
import { backoffSeconds } from '../../lib/backoff';
import { nowIso } from '../../lib/db';
import { type ProviderEvent, recordProviderEvent, suppressionOf } from './events';
import type { EventStatus } from './model';

/** The queue the event subscription writes to (wrangler.toml). */
export const EMAIL_EVENTS_QUEUE = 'mlm-crm-email-events';

const PREFIX = 'cf.email.sending.message.';

const STATUS: Record<string, EventStatus | null> = {
  delivered: 'DELIVERED',
  deferred: null, // a temporary delay: the receiving server will be tried again
  bounced: null, // BOUNCED for a hard bounce, below
  failed: 'FAILED',
  rejected: 'FAILED', // refused before sending (policy, suppression list)
  complained: null, // suppresses; the status stays
};

interface Envelope {
  type?: unknown;
  payload?: {
    eventId?: unknown;
    messageId?: unknown;
    message_id?: unknown;
    bounce?: { type?: unknown; reason?: unknown };
    reason?: unknown;
  };
  metadata?: { eventTimestamp?: unknown };
}

/** The provider event of one queue message, or null for a message that is no e-mail event at all. */
export function emailEventOf(body: unknown): ProviderEvent | null {
  if (typeof body !== 'object' || body === null) return null;
  const e = body as Envelope;
  const type = typeof e.type === 'string' ? e.type : '';
  const messageId = e.payload?.messageId ?? e.payload?.message_id;
  if (!type.startsWith(PREFIX) || typeof messageId !== 'string' || messageId === '') return null;
  const name = type.slice(PREFIX.length);
  const known = Object.hasOwn(STATUS, name);
  let mapped = known ? STATUS[name] : null;
  const bounce = String(e.payload?.bounce?.type ?? '').toLowerCase();
  if (name === 'bounced' && bounce === 'hard') mapped = 'BOUNCED';
  return {
    provider: 'CLOUDFLARE',
    // A redelivered message is the same event (its eventId). Without one: a soft and a later hard bounce are two.
    dedupeKey:
      typeof e.payload?.eventId === 'string' && e.payload.eventId !== ''
        ? `event:${e.payload.eventId}`
        : `${messageId}:${name}${name === 'bounced' ? `:${bounce}` : ''}`,
    providerMessageId: messageId,
    outboxHint: null,
    rawStatus: name,
    mapped,
    known,
    errorCode: name === 'bounced' ? bounce || null : null,
    suppress: name === 'complained' ? 'COMPLAINT' : mapped ? suppressionOf(mapped) : null,
    payload: JSON.stringify(body),
  };
}

/** The queue consumer: each event applied once; a D1 failure retries that message with backoff. */
export async function handleEmailEvents(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    const event = emailEventOf(message.body);
    if (!event) {
      // Retrying cannot make it readable: logged and acknowledged.
      console.warn(
        'not a Cloudflare Email delivery event, dropped',
        JSON.stringify(message.body).slice(0, 500),
      );
      message.ack();
      continue;
    }
    try {
      await recordProviderEvent(env.DB, event, nowIso());
      message.ack();
    } catch (e) {
      console.error('e-mail event not applied', event.dedupeKey, e);
      message.retry({ delaySeconds: backoffSeconds(message.attempts) });
    }
  }
}
