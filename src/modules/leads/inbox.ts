// The lead inbox (R2, FILES, lead-inbox/): a carried delivery travels in its queue message alone until the
// consumer keeps it in D1, so a lost message (the local queue loses what it holds when the process is killed)
// would lose the lead although the sender got 200. The webhook therefore also writes the delivery here before
// answering; the consumer deletes it once kept; the hourly sweep (housekeeping.ts) keeps and processes whatever stayed longer
// than INBOX_STALE_MS (keeping is idempotent: a delivery already kept adds nothing).
import { sha256Hex } from './crypto';
import type { QueuedDelivery } from './messages';

export const INBOX_PREFIX = 'lead-inbox/';
/** An inbox object older than this is taken to have lost its queue message (the consumer takes seconds). */
export const INBOX_STALE_MS = 15 * 60_000;

/** What identifies a delivery's bytes: keyed by source name too, as two generic sources may receive identical bodies. */
export function deliverySha256(sourceName: string | null, body: string): Promise<string> {
  return sha256Hex(`${sourceName ?? ''}\u0000${body}`);
}

/** lead-inbox/<sha256 of source name + body>.json: a redelivery of the same bytes writes the same object. */
export async function inboxKey(d: Pick<QueuedDelivery, 'sourceName' | 'body'>): Promise<string> {
  return `${INBOX_PREFIX}${await deliverySha256(d.sourceName, d.body)}.json`;
}

export async function putInInbox(bucket: R2Bucket, delivery: QueuedDelivery): Promise<void> {
  await bucket.put(await inboxKey(delivery), JSON.stringify(delivery), {
    httpMetadata: { contentType: 'application/json' },
  });
}

/** Removes kept deliveries from the inbox in one call. A failure only leaves work for the sweep. */
export async function removeFromInbox(
  bucket: R2Bucket,
  deliveries: readonly QueuedDelivery[],
): Promise<void> {
  if (deliveries.length === 0) return;
  const keys = [...new Set(await Promise.all(deliveries.map(inboxKey)))];
  try {
    await bucket.delete(keys);
  } catch (e) {
    console.error('could not delete kept deliveries from the lead inbox (the sweep will)', e);
  }
}
