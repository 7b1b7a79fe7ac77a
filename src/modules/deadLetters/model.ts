// Dead letters: messages of the jobs queue or the lead queue whose retries were spent, kept in R2 (FILES) one object per message
// so that nothing is dropped and staff can replay them. Types and constants only, no I/O.

/** The dead-letter queue of the jobs queue (wrangler.toml). */
export const DEAD_LETTER_QUEUE = 'mlm-crm-jobs-dlq';
/** The dead-letter queue of lead intake's own queue (mlm-crm-leads), handled the same way. */
export const LEAD_DEAD_LETTER_QUEUE = 'mlm-crm-leads-dlq';

export const isDeadLetterQueue = (queue: string): boolean =>
  queue === DEAD_LETTER_QUEUE || queue === LEAD_DEAD_LETTER_QUEUE;

export const DEAD_LETTER_PREFIX = 'dead-letters/';

export const DEAD_LETTER_STATUSES = ['PENDING', 'SETTLED', 'REPLAYED'] as const;
/**
 * PENDING: kept, not settled (settling failed or has not run); SETTLED: the dead-letter handling of its kind
 * ran (lead intakes marked FAILED); REPLAYED: staff sent it back to its queue.
 */
export type DeadLetterStatus = (typeof DEAD_LETTER_STATUSES)[number];

/** The object's JSON: what arrived on the dead-letter queue and when. */
export interface DeadLetterRecord {
  /** The queue the message was delivered from (the dead-letter queue). */
  queue: string;
  messageId: string;
  /** The message's `kind` ('?' when it has none). */
  kind: string;
  /** Deliveries on the dead-letter queue, as counted by Queues. */
  attempts: number;
  /** Why the retries were spent, or why settling failed, when known. */
  reason: string | null;
  /** The message's timestamp as the dead-letter queue delivers it (the same on every redelivery, so the key is too). */
  receivedAt: string;
  /** When this object was first written. */
  storedAt: string;
  /** The message body as delivered (a carried lead delivery: the raw webhook body, content type, source). */
  body: unknown;
  /** When staff replayed it. */
  replayedAt?: string;
}

/** What a list shows (from the object's metadata, no read of the body). */
export interface DeadLetterSummary {
  key: string;
  queue: string;
  kind: string;
  attempts: number;
  reason: string | null;
  receivedAt: string;
  status: DeadLetterStatus;
}

/** A key as this module writes it: dead-letters/<ISO instant>-<message id>.json. */
export const DEAD_LETTER_KEY =
  /^dead-letters\/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z-[A-Za-z0-9._-]{1,200}\.json$/;

/** The object key of a dead-letter queue message: the same for every redelivery of that message. */
export function deadLetterKey(receivedAt: Date, messageId: string): string {
  return `${DEAD_LETTER_PREFIX}${receivedAt.toISOString()}-${messageId.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 200)}.json`;
}

export function kindOf(body: unknown): string {
  const kind = (body as { kind?: unknown } | null)?.kind;
  return typeof kind === 'string' ? kind.slice(0, 100) : '?';
}
