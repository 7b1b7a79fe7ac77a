// The lead inbox (R2, FILES, lead-inbox/): a carried delivery travels in its queue message alone until the
// consumer keeps it in D1, so a lost message (the local queue loses what it holds when the process is killed)
// would lose the lead although the sender got 200. The webhook therefore also writes the delivery here before
// answering; the consumer deletes it once kept; the hourly sweep (housekeeping.ts) keeps and processes whatever
// stayed longer than INBOX_STALE_MS (keeping is idempotent: a delivery already kept adds nothing).
//
// Two object shapes. A group object (lead-inbox/g-<time>-<uuid>.json, written by groupCommit.ts) holds the
// deliveries of webhook requests that arrived together: one R2 write per group instead of one per request.
// Each of its queue messages names it (InboxRef: key, its index, the group's size) so that the consumer
// deletes it once every delivery in it is kept. A single-delivery object (lead-inbox/<sha256>.json) is what
// the webhook wrote before group commit; the consumer, the sweep and erasure still handle those.
import { sha256Hex } from './crypto';
import type { InboxRef, QueuedDelivery } from './messages';

export const INBOX_PREFIX = 'lead-inbox/';
/** An inbox object older than this is taken to have lost its queue message (the consumer takes seconds). */
export const INBOX_STALE_MS = 15 * 60_000;

/** The body of a group object. */
export interface InboxGroup {
  deliveries: QueuedDelivery[];
}

/** What identifies a delivery's bytes: keyed by source name too, as two generic sources may receive identical bodies. */
export function deliverySha256(sourceName: string | null, body: string): Promise<string> {
  return sha256Hex(`${sourceName ?? ''}\u0000${body}`);
}

/** lead-inbox/<sha256 of source name + body>.json: the single-delivery object (written before group commit). */
export async function inboxKey(d: Pick<QueuedDelivery, 'sourceName' | 'body'>): Promise<string> {
  return `${INBOX_PREFIX}${await deliverySha256(d.sourceName, d.body)}.json`;
}

/** A fresh group object key; the time first so that a listing reads oldest first. */
export function groupKey(now: Date = new Date()): string {
  return `${INBOX_PREFIX}g-${now.toISOString().replace(/[:.]/g, '')}-${crypto.randomUUID()}.json`;
}

/** Writes a single-delivery object (the shape before group commit; tests and old deployments). */
export async function putInInbox(bucket: R2Bucket, delivery: QueuedDelivery): Promise<void> {
  await bucket.put(await inboxKey(delivery), JSON.stringify(delivery), {
    httpMetadata: { contentType: 'application/json' },
  });
}

/** Writes one group object holding every delivery of the group; resolves once R2 has it. */
export async function putGroupInInbox(
  bucket: R2Bucket,
  key: string,
  deliveries: readonly QueuedDelivery[],
): Promise<void> {
  await bucket.put(key, JSON.stringify({ deliveries: [...deliveries] } satisfies InboxGroup), {
    httpMetadata: { contentType: 'application/json' },
  });
}

/** The deliveries an inbox object holds (either shape), or null when it is gone. Throws on a foreign body. */
export async function readInboxObject(bucket: R2Bucket, key: string): Promise<QueuedDelivery[] | null> {
  const object = await bucket.get(key);
  if (!object) return null;
  const parsed = JSON.parse(await object.text()) as InboxGroup | QueuedDelivery;
  if ('deliveries' in parsed && Array.isArray(parsed.deliveries)) return parsed.deliveries;
  if ('body' in parsed && typeof parsed.body === 'string' && Array.isArray(parsed.items)) return [parsed];
  throw new Error('not a lead delivery nor a group of them');
}

/**
 * The inbox keys the consumer may delete once the given deliveries are kept: a grouped delivery's group
 * object when every member of the group is among them, a single-delivery object always. `incomplete`: the
 * group objects of which only some members are there (their other deliveries must be kept first).
 */
export async function settledInboxKeys(
  carried: readonly { delivery: QueuedDelivery; inbox?: InboxRef }[],
): Promise<{ complete: string[]; incomplete: string[] }> {
  const single = new Set<string>();
  const seen = new Map<string, { size: number; indices: Set<number> }>();
  for (const c of carried) {
    if (!c.inbox) {
      single.add(await inboxKey(c.delivery));
      continue;
    }
    const g = seen.get(c.inbox.key) ?? { size: c.inbox.size, indices: new Set<number>() };
    g.indices.add(c.inbox.index);
    seen.set(c.inbox.key, g);
  }
  const complete = [...single];
  const incomplete: string[] = [];
  for (const [key, g] of seen) (g.indices.size >= g.size ? complete : incomplete).push(key);
  return { complete, incomplete };
}

/** Deletes inbox objects whose deliveries are all kept, in one call. A failure only leaves work for the sweep. */
export async function removeFromInbox(bucket: R2Bucket, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  try {
    await bucket.delete([...new Set(keys)]);
  } catch (e) {
    console.error('could not delete kept deliveries from the lead inbox (the sweep will)', e);
  }
}
