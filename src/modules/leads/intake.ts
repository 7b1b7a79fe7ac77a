// The webhook side of intake: keep the raw delivery and one intake row per new external lead in one batch,
// enqueue the pending ones, answer. Redelivery of a known lead writes nothing.
import type { Env } from '../../env';
import { nowIso } from '../../lib/db';
import { sha256Hex } from './crypto';
import type { LeadJob } from './jobs';
import type { LeadSource } from './model';

export interface IntakeItem {
  externalId: string;
  ref: Record<string, unknown>;
}

export interface StoredDelivery {
  /** Intake rows created by this delivery. */
  created: number;
  /** Intake rows (new or left pending by an earlier delivery) that were enqueued. */
  enqueued: number;
}

export async function storeDelivery(
  env: Env,
  source: LeadSource,
  sourceName: string | null,
  contentType: string | null,
  body: string,
  items: IntakeItem[],
): Promise<StoredDelivery> {
  if (items.length === 0) return { created: 0, enqueued: 0 };
  const db = env.DB;
  const now = nowIso();
  // Keyed by source name too: two generic sources may receive identical bodies.
  const sha = await sha256Hex(`${sourceName ?? ''}\u0000${body}`);
  const rows = JSON.stringify(items.map((it) => ({ id: it.externalId, ref: JSON.stringify(it.ref) })));
  const ids = JSON.stringify(items.map((it) => it.externalId));
  const [, inserted, pending] = await db.batch([
    // The raw event only when it brings at least one lead not seen before.
    db
      .prepare(
        `INSERT INTO lead_event (source, source_name, content_type, body, body_sha256, received_at)
         SELECT ?, ?, ?, ?, ?, ?
         WHERE EXISTS (SELECT 1 FROM json_each(?) j
                       WHERE NOT EXISTS (SELECT 1 FROM lead_intake i WHERE i.source = ? AND i.external_id = j.value))
         ON CONFLICT (source, body_sha256) DO NOTHING`,
      )
      .bind(source, sourceName, contentType, body, sha, now, ids, source),
    db
      .prepare(
        `INSERT INTO lead_intake (source, external_id, event_id, ref, created_at, updated_at)
         SELECT ?, json_extract(j.value, '$.id'), (SELECT id FROM lead_event WHERE source = ? AND body_sha256 = ?), json_extract(j.value, '$.ref'), ?, ?
         FROM json_each(?) j
         WHERE NOT EXISTS (SELECT 1 FROM lead_intake i WHERE i.source = ? AND i.external_id = json_extract(j.value, '$.id'))
         ON CONFLICT (source, external_id) DO NOTHING`,
      )
      .bind(source, source, sha, now, now, rows, source),
    db
      .prepare(
        `SELECT id FROM lead_intake WHERE source = ? AND status = 'PENDING'
           AND external_id IN (SELECT value FROM json_each(?))`,
      )
      .bind(source, ids),
  ]);
  const pendingIds = (pending.results as { id: number }[]).map((r) => r.id);
  await enqueueIntakes(env, pendingIds);
  return { created: inserted.meta.changes ?? 0, enqueued: pendingIds.length };
}

/** Queues one job per intake (sendBatch takes at most 100 messages). */
export async function enqueueIntakes(env: Env, intakeIds: number[]): Promise<void> {
  for (let i = 0; i < intakeIds.length; i += 100) {
    const chunk = intakeIds.slice(i, i + 100);
    await env.JOBS.sendBatch(
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
