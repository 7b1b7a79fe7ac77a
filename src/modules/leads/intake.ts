// The webhook side of intake. A verified delivery small enough for a queue message is handed to the queue
// whole (no D1 round trip on the request) and also written to the lead inbox in R2 (inbox.ts), both together
// with the other deliveries arriving at the same time (group commit, groupCommit.ts: one R2 write and one
// sendBatch per group); the consumer keeps the raw delivery and one intake row per new external lead in one
// batch, then processes them. A larger delivery is kept in D1 first and its intakes are enqueued by id.
// Either way a redelivery of a known lead adds nothing.
import type { Env } from '../../env';
import { atomic, nowIso } from '../../lib/db';
import { commitDelivery } from './groupCommit';
import { deliverySha256 } from './inbox';
import type { IntakeItem, LeadJob, QueuedDelivery } from './messages';
import type { LeadSource } from './model';

/**
 * Queue messages hold at most 128 KB: a delivery whose message (body and the intake items it names, which
 * for a big Meta batch weigh as much as the body) would not fit with room to spare is kept in D1 first.
 */
export const QUEUED_MESSAGE_LIMIT = 100 * 1024;
/**
 * A carried delivery names at most this many leads, so that a consumer batch (100 messages on the lead
 * queue) stays inside a Worker invocation's subrequest and D1 query limits (a Meta lead is one Graph API
 * call); a bigger batch of leads (Meta may send one) is kept in D1 first and processed one intake per message.
 */
export const MAX_CARRIED_LEADS = 5;
const encoder = new TextEncoder();

/**
 * Accepts a verified delivery: into the queue whole (and the inbox) with its group when it fits, else kept in
 * D1 and its intakes enqueued. Resolves once the delivery is durable (its group's inbox object is written and
 * its message sent, or the D1 write and the sends have succeeded).
 */
export async function acceptDelivery(
  env: Env,
  ctx: Pick<ExecutionContext, 'waitUntil'>,
  source: LeadSource,
  sourceName: string | null,
  contentType: string | null,
  body: string,
  bodyBytes: number,
  items: IntakeItem[],
): Promise<void> {
  if (items.length === 0) return;
  if (bodyBytes <= QUEUED_MESSAGE_LIMIT && items.length <= MAX_CARRIED_LEADS) {
    const delivery: QueuedDelivery = { source, sourceName, contentType, body, items, receivedAt: nowIso() };
    const message = { kind: 'leads.intake', delivery } satisfies LeadJob;
    const bytes = encoder.encode(JSON.stringify(message)).byteLength;
    if (bytes <= QUEUED_MESSAGE_LIMIT) {
      // Two durable copies before the answer: the queue message carries it to the consumer, the group's inbox
      // object (R2) brings it back if that message is ever lost (the hourly sweep, inbox.ts).
      await commitDelivery(env, ctx, delivery, bytes);
      return;
    }
  }
  await storeDelivery(env, source, sourceName, contentType, body, items);
}

/**
 * Keeps carried deliveries in one D1 batch (raw events and intakes, see keepStatements); for each, the ids of
 * its intakes still PENDING. Keeping a delivery again adds nothing.
 */
export async function keepDeliveries(
  db: D1Database,
  deliveries: readonly QueuedDelivery[],
): Promise<number[][]> {
  const plans = await Promise.all(deliveries.map((d) => keepStatements(db, d)));
  const results = await atomic(db, plans.flat());
  let at = 0;
  return plans.map((p) => {
    at += p.length;
    // The last statement of a delivery's plan lists its pending intakes.
    return (results[at - 1].results as { id: number }[]).map((r) => r.id);
  });
}

/**
 * The statements that keep a delivery (raw event + one intake row per lead not seen before), for one batch;
 * the last one lists its intakes still PENDING (new ones, and ones an earlier delivery left unprocessed).
 */
export async function keepStatements(
  db: D1Database,
  d: Omit<QueuedDelivery, 'receivedAt'> & { receivedAt?: string },
): Promise<D1PreparedStatement[]> {
  const now = nowIso();
  const sha = await deliverySha256(d.sourceName, d.body);
  const rows = JSON.stringify(d.items.map((it) => ({ id: it.externalId, ref: JSON.stringify(it.ref) })));
  const ids = JSON.stringify(d.items.map((it) => it.externalId));
  return [
    // The raw event only when it brings at least one lead not seen before.
    db
      .prepare(
        `INSERT INTO lead_event (source, source_name, content_type, body, body_sha256, received_at)
         SELECT ?, ?, ?, ?, ?, ?
         WHERE EXISTS (SELECT 1 FROM json_each(?) j
                       WHERE NOT EXISTS (SELECT 1 FROM lead_intake i WHERE i.source = ? AND i.external_id = j.value))
         ON CONFLICT (source, body_sha256) DO NOTHING`,
      )
      .bind(d.source, d.sourceName, d.contentType, d.body, sha, d.receivedAt ?? now, ids, d.source),
    db
      .prepare(
        `INSERT INTO lead_intake (source, external_id, event_id, ref, created_at, updated_at)
         SELECT ?, json_extract(j.value, '$.id'), (SELECT id FROM lead_event WHERE source = ? AND body_sha256 = ?), json_extract(j.value, '$.ref'), ?, ?
         FROM json_each(?) j
         WHERE NOT EXISTS (SELECT 1 FROM lead_intake i WHERE i.source = ? AND i.external_id = json_extract(j.value, '$.id'))
         ON CONFLICT (source, external_id) DO NOTHING`,
      )
      .bind(d.source, d.source, sha, now, now, rows, d.source),
    db
      .prepare(
        `SELECT id FROM lead_intake WHERE source = ? AND status = 'PENDING'
           AND external_id IN (SELECT value FROM json_each(?))`,
      )
      .bind(d.source, ids),
  ];
}

/** Keeps a delivery in D1 and enqueues its pending intakes by id (deliveries too big for a message). */
async function storeDelivery(
  env: Env,
  source: LeadSource,
  sourceName: string | null,
  contentType: string | null,
  body: string,
  items: IntakeItem[],
): Promise<void> {
  const statements = await keepStatements(env.DB, { source, sourceName, contentType, body, items });
  const results = await atomic(env.DB, statements);
  const pending = results[results.length - 1].results as { id: number }[];
  await enqueueIntakes(
    env,
    pending.map((r) => r.id),
  );
}

/** Queues one job per intake (sendBatch takes at most 100 messages). */
export async function enqueueIntakes(env: Env, intakeIds: number[]): Promise<void> {
  for (let i = 0; i < intakeIds.length; i += 100) {
    const chunk = intakeIds.slice(i, i + 100);
    await env.LEADS.sendBatch(
      chunk.map((intakeId) => ({ body: { kind: 'leads.process', intakeId } satisfies LeadJob })),
    );
  }
}

/** A refused delivery: why, with what status, how big. Never the body or the secret. */
export async function logRejection(
  env: Env,
  endpoint: string,
  reason: string,
  status: number,
  bodyBytes: number | null,
): Promise<void> {
  console.warn(`webhook ${endpoint} refused (${status}): ${reason}`);
  try {
    await env.DB.prepare(
      'INSERT INTO lead_rejection (endpoint, reason, http_status, body_bytes, received_at) VALUES (?, ?, ?, ?, ?)',
    )
      .bind(endpoint, reason.slice(0, 500), status, bodyBytes, nowIso())
      .run();
  } catch (e) {
    console.error('could not log a webhook rejection', e);
  }
}
