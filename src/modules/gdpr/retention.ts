// Retention policies (a number of days per kind of record; null = keep) and the nightly run that enforces
// them in bounded chunks: each run does at most RETENTION_CHUNKS_PER_RUN chunks per kind and resumes where
// it stopped on the next night. What "enforce" means per kind:
// - LEAD_EVENTS: the raw webhook body is replaced by a marker (the row stays: intakes reference it);
// - MESSAGES: a message in a final status loses its address and content, its provider events their payload
//   (the row and status stay: counts and reports still add up);
// - LOST_LEADS, INACTIVE_PROSPECTS: the person is erased like an erasure by staff (pseudonymized, recorded).
import { z } from 'zod';
import { nowIso } from '../../lib/db';
import { NotFoundError } from '../../lib/errors';
import { parseInput } from '../../lib/validate';
import { actorOf } from '../auth/actor';
import type { Viewer } from '../auth/viewer';
import { carryOutErasure } from './erasure';
import { RETENTION_CHUNK, RETENTION_CHUNKS_PER_RUN, RETENTION_KINDS, type RetentionKind } from './model';
import { loadPerson } from './people';
import type { RetentionPolicyRow } from './tables';

export async function retentionPolicies(db: D1Database): Promise<RetentionPolicyRow[]> {
  const { results } = await db
    .prepare('SELECT * FROM retention_policy ORDER BY kind')
    .all<RetentionPolicyRow>();
  return results;
}

const policySchema = z.object({
  kind: z.enum(RETENTION_KINDS),
  days: z
    .number()
    .int('A whole number of days.')
    .min(1, 'At least 1 day.')
    .max(36_500, 'At most 36500 days (100 years).')
    .nullable(),
});

export async function setRetentionPolicy(
  db: D1Database,
  viewer: Viewer,
  raw: { kind: string; days: number | null },
): Promise<RetentionPolicyRow> {
  const p = parseInput(policySchema, raw, 'input');
  const row = await db
    .prepare(
      'UPDATE retention_policy SET days = ?, updated_by = ?, updated_at = ? WHERE kind = ? RETURNING *',
    )
    .bind(p.days, actorOf(viewer), nowIso(), p.kind)
    .first<RetentionPolicyRow>();
  if (!row) throw new NotFoundError(`No retention policy ${p.kind}.`);
  return row;
}

const MARKER = '{"erased":"retention"}';
const FINAL = "('SENT', 'DELIVERED', 'FAILED', 'BOUNCED', 'UNDELIVERABLE', 'SUPPRESSED')";

/** Walks a table by id from the policy's cursor: the chunk's ids older than the cutoff, and the new cursor. */
async function nextChunk(
  db: D1Database,
  table: string,
  timeColumn: string,
  cursor: number,
  cutoff: string,
): Promise<{ ids: number[]; cursor: number; more: boolean }> {
  const { results } = await db
    .prepare(`SELECT id, ${timeColumn} < ? AS old FROM ${table} WHERE id > ? ORDER BY id LIMIT ?`)
    .bind(cutoff, cursor, RETENTION_CHUNK)
    .all<{ id: number; old: number }>();
  // Ids grow with time: the walk stops at the first row still inside the retention period.
  const young = results.findIndex((r) => !r.old);
  const done = young < 0 ? results : results.slice(0, young);
  return {
    ids: done.map((r) => r.id),
    cursor: done.length ? done[done.length - 1].id : cursor,
    more: young < 0 && results.length === RETENTION_CHUNK,
  };
}

async function saveCursor(db: D1Database, kind: RetentionKind, cursor: number) {
  await db.prepare('UPDATE retention_policy SET cursor = ? WHERE kind = ?').bind(cursor, kind).run();
}

async function leadEvents(db: D1Database, policy: RetentionPolicyRow, cutoff: string): Promise<number> {
  let cursor = policy.cursor;
  let n = 0;
  for (let i = 0; i < RETENTION_CHUNKS_PER_RUN; i++) {
    const c = await nextChunk(db, 'lead_event', 'received_at', cursor, cutoff);
    if (c.ids.length) {
      const r = await db
        .prepare(`UPDATE lead_event SET body = ? WHERE id IN (SELECT value FROM json_each(?)) AND body <> ?`)
        .bind(MARKER, JSON.stringify(c.ids), MARKER)
        .run();
      n += r.meta.changes ?? 0;
    }
    cursor = c.cursor;
    await saveCursor(db, 'LEAD_EVENTS', cursor);
    if (!c.more) break;
  }
  return n;
}

async function messages(db: D1Database, policy: RetentionPolicyRow, cutoff: string): Promise<number> {
  let cursor = policy.cursor;
  let n = 0;
  for (let i = 0; i < RETENTION_CHUNKS_PER_RUN; i++) {
    const c = await nextChunk(db, 'message_outbox', 'created_at', cursor, cutoff);
    // A message still on its way stops the walk there (it is looked at again next night).
    const ids = JSON.stringify(c.ids);
    const pending = await db
      .prepare(
        `SELECT min(id) AS id FROM message_outbox WHERE id IN (SELECT value FROM json_each(?)) AND status NOT IN ${FINAL}`,
      )
      .bind(ids)
      .first<{ id: number | null }>();
    const upTo = pending?.id != null ? pending.id - 1 : c.cursor;
    const take = JSON.stringify(c.ids.filter((id) => id <= upTo));
    const [, outbox] = await db.batch([
      db
        .prepare(
          `UPDATE message_event SET payload = ? WHERE outbox_id IN (SELECT value FROM json_each(?)) AND payload <> ?`,
        )
        .bind(MARKER, take, MARKER),
      db
        .prepare(
          `UPDATE message_outbox SET address = '[deleted]', subject = NULL, body = '[deleted after the retention period]',
             html = NULL, last_error = NULL WHERE id IN (SELECT value FROM json_each(?)) AND address <> '[deleted]'`,
        )
        .bind(take),
      db
        .prepare('UPDATE retention_policy SET cursor = ? WHERE kind = ?')
        .bind(Math.max(cursor, upTo), 'MESSAGES'),
    ]);
    n += outbox.meta.changes ?? 0;
    cursor = Math.max(cursor, upTo);
    if (!c.more || pending?.id != null) break;
  }
  return n;
}

/** People to erase under a policy: at most a chunk per run (each erasure is a batch of its own). */
async function erasePeople(
  env: { DB: D1Database; FILES: R2Bucket },
  kind: 'LOST_LEADS' | 'INACTIVE_PROSPECTS',
  cutoff: string,
): Promise<number> {
  const sql =
    kind === 'LOST_LEADS'
      ? `SELECT id FROM lead l WHERE status = 'LOST' AND updated_at < ?1
           AND NOT EXISTS (SELECT 1 FROM gdpr_erasure e WHERE e.subject_type = 'LEAD' AND e.subject_id = l.id)
         ORDER BY id LIMIT ?2`
      : `SELECT id FROM prospect p WHERE status <> 'CONVERTED' AND updated_at < ?1
           AND NOT EXISTS (SELECT 1 FROM activity a WHERE a.subject_type = 'PROSPECT' AND a.subject_id = p.id
                             AND a.occurred_at >= ?1)
           AND NOT EXISTS (SELECT 1 FROM gdpr_erasure e WHERE e.subject_type = 'PROSPECT' AND e.subject_id = p.id)
         ORDER BY id LIMIT ?2`;
  const { results } = await env.DB.prepare(sql)
    .bind(cutoff, RETENTION_CHUNKS_PER_RUN * 5)
    .all<{ id: number }>();
  let n = 0;
  for (const { id } of results) {
    const person = await loadPerson(env.DB, { type: kind === 'LOST_LEADS' ? 'LEAD' : 'PROSPECT', id });
    if (!person) continue;
    await carryOutErasure(
      env,
      person,
      `Retention policy ${kind}: inactive since before ${cutoff}.`,
      'retention',
    );
    n++;
  }
  return n;
}

/** The nightly enforcement of every policy with a number of days; answers what each kind did. */
export async function enforceRetention(
  env: { DB: D1Database; FILES: R2Bucket },
  now: Date,
): Promise<Record<RetentionKind, number>> {
  const out: Record<RetentionKind, number> = {
    LEAD_EVENTS: 0,
    MESSAGES: 0,
    LOST_LEADS: 0,
    INACTIVE_PROSPECTS: 0,
  };
  for (const policy of await retentionPolicies(env.DB)) {
    if (policy.days == null) continue;
    const cutoff = new Date(now.getTime() - policy.days * 86_400_000).toISOString();
    try {
      if (policy.kind === 'LEAD_EVENTS') out.LEAD_EVENTS = await leadEvents(env.DB, policy, cutoff);
      else if (policy.kind === 'MESSAGES') out.MESSAGES = await messages(env.DB, policy, cutoff);
      else out[policy.kind] = await erasePeople(env, policy.kind, cutoff);
    } catch (e) {
      // One kind failing (a closing period, D1 hiccup) does not stop the others; next night resumes.
      console.error(`retention ${policy.kind} failed`, e);
    }
  }
  return out;
}
