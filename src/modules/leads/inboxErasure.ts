// Erasing a person whose raw delivery may still sit in a lead-inbox group object (inbox.ts): the object also
// holds other senders' deliveries, so it is not simply deleted. Before the erasure batch, every group object
// holding one of the person's deliveries is settled the way the consumer settles it: all of its deliveries kept
// (idempotent: kept ones add nothing), then the object deleted. Their intakes are processed by their own queue
// messages, or by the hourly stale-intake sweep should those be lost.
import { deliverySha256, INBOX_PREFIX, readInboxObject, removeFromInbox } from './inbox';
import { keepDeliveries } from './intake';

/** Group objects are written under this prefix (inbox.ts groupKey). */
const GROUP_PREFIX = `${INBOX_PREFIX}g-`;

/** Settles the group objects holding a delivery of these leads; how many objects went. */
export async function settleInboxGroupsOf(
  env: { DB: D1Database; FILES: R2Bucket },
  leadIds: readonly number[],
): Promise<number> {
  if (leadIds.length === 0) return 0;
  const { results } = await env.DB.prepare(
    `SELECT DISTINCT e.source_name, e.body FROM lead_event e JOIN lead_intake i ON i.event_id = e.id
     WHERE i.lead_id IN (SELECT value FROM json_each(?))`,
  )
    .bind(JSON.stringify(leadIds))
    .all<{ source_name: string | null; body: string }>();
  if (results.length === 0) return 0;
  const wanted = new Set(await Promise.all(results.map((e) => deliverySha256(e.source_name, e.body))));
  let settled = 0;
  let cursor: string | undefined;
  do {
    const page = await env.FILES.list({ prefix: GROUP_PREFIX, cursor, limit: 1000 });
    for (const o of page.objects) {
      const deliveries = await readInboxObject(env.FILES, o.key).catch((e) => {
        console.error(`lead inbox object ${o.key} is not a group of deliveries; skipped`, e);
        return null;
      });
      if (!deliveries) continue;
      const shas = await Promise.all(deliveries.map((d) => deliverySha256(d.sourceName, d.body)));
      if (!shas.some((s) => wanted.has(s))) continue;
      await keepDeliveries(env.DB, deliveries);
      await removeFromInbox(env.FILES, [o.key]);
      settled++;
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return settled;
}
