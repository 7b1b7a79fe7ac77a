// Every SQL statement of the outbox's send step and of provider events. Status changes are guarded in SQL
// (WHERE status = ...), so two consumers, or a consumer and a callback, never both move a message.
import { atomic } from '../../lib/db';
import type { Viewer } from '../auth/viewer';
import type { Channel, OutboxStatus, ProviderName, SuppressionReason } from './model';
import type { MessagingSettingsRow, OutboxRow } from './tables';

export async function messagingSettings(db: D1Database): Promise<MessagingSettingsRow> {
  const row = await db.prepare('SELECT * FROM messaging_settings WHERE id = 1').first<MessagingSettingsRow>();
  if (!row) throw new Error('messaging_settings row is missing: migrations not applied?');
  return row;
}

export function outboxById(db: D1Database, id: number): Promise<OutboxRow | null> {
  return db.prepare('SELECT * FROM message_outbox WHERE id = ?').bind(id).first<OutboxRow>();
}

export async function isSuppressed(db: D1Database, channel: Channel, address: string): Promise<boolean> {
  const row = await db
    .prepare('SELECT 1 AS hit FROM message_suppression WHERE channel = ? AND address = ?')
    .bind(channel, address)
    .first<{ hit: number }>();
  return row !== null;
}

/** QUEUED -> SENDING, if still QUEUED and due; fixes the provider on the row. Null when not claimed. */
export function claimQueued(db: D1Database, id: number, provider: ProviderName, now: string) {
  return db
    .prepare(
      `UPDATE message_outbox SET status = 'SENDING', provider = coalesce(provider, ?), claimed_at = ?,
         attempts = attempts + 1, updated_at = ?
       WHERE id = ? AND status = 'QUEUED' AND (not_before IS NULL OR not_before <= ?) RETURNING *`,
    )
    .bind(provider, now, now, id, now)
    .first<OutboxRow>();
}

/** Takes over a SENDING claim that outlived its lease (its consumer died): only if nobody else did. */
export function reclaimStale(db: D1Database, row: OutboxRow, now: string) {
  return db
    .prepare(
      `UPDATE message_outbox SET claimed_at = ?, attempts = attempts + 1, updated_at = ?
       WHERE id = ? AND status = 'SENDING' AND claimed_at = ? RETURNING *`,
    )
    .bind(now, now, row.id, row.claimed_at)
    .first<OutboxRow>();
}

/** The provider took the message: SENDING -> SENT (a callback that came first keeps its later status). */
export async function markAccepted(
  db: D1Database,
  id: number,
  provider: ProviderName,
  providerMessageId: string,
  providerStatus: string,
  now: string,
): Promise<void> {
  await acceptedStatement(db, id, provider, providerMessageId, providerStatus, now).run();
}

/** Not taken, try again at `notBefore`: SENDING -> QUEUED. */
export function retryStatement(db: D1Database, id: number, notBefore: string, error: string, now: string) {
  return db
    .prepare(
      `UPDATE message_outbox SET status = 'QUEUED', not_before = ?, last_error = ?, claimed_at = NULL, updated_at = ?
       WHERE id = ? AND status = 'SENDING'`,
    )
    .bind(notBefore, error, now, id);
}

/** Waiting before the first try (no provider configured yet): stays QUEUED. */
export async function noteQueuedError(
  db: D1Database,
  id: number,
  notBefore: string,
  error: string,
  now: string,
) {
  await db
    .prepare(
      `UPDATE message_outbox SET not_before = ?, last_error = ?, updated_at = ? WHERE id = ? AND status = 'QUEUED'`,
    )
    .bind(notBefore, error, now, id)
    .run();
}

/** Refused for good (from SENDING, or QUEUED for a suppressed address); the address suppressed if asked. */
export async function markFinal(
  db: D1Database,
  id: number,
  from: readonly OutboxStatus[],
  status: FinalFailure,
  error: string | null,
  suppress: SuppressionReason | null,
  now: string,
): Promise<void> {
  await atomic(db, finalStatements(db, id, from, status, error, suppress, now));
}

type FinalFailure = Exclude<OutboxStatus, 'QUEUED' | 'SENDING' | 'SENT' | 'DELIVERED'>;

export function finalStatements(
  db: D1Database,
  id: number,
  from: readonly OutboxStatus[],
  status: FinalFailure,
  error: string | null,
  suppress: SuppressionReason | null,
  now: string,
): D1PreparedStatement[] {
  const statements = [
    db
      .prepare(
        `UPDATE message_outbox SET status = ?, last_error = ?, final_at = ?, claimed_at = NULL, updated_at = ?
         WHERE id = ? AND status IN (SELECT value FROM json_each(?))`,
      )
      .bind(status, error, now, now, id, JSON.stringify(from)),
  ];
  if (suppress) statements.push(suppressStatement(db, id, suppress, error, now));
  return statements;
}

/**
 * An outcome we cannot know (the request may have reached the provider): kept SENDING, never resent blindly.
 * `claimedAt` moves the claim back so that its lease ends sooner (the consumer is done with the request).
 */
export function uncertainStatement(
  db: D1Database,
  id: number,
  error: string,
  now: string,
  claimedAt?: string,
): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE message_outbox SET last_error = ?, updated_at = ?, claimed_at = coalesce(?, claimed_at)
       WHERE id = ? AND status = 'SENDING'`,
    )
    .bind(error, now, claimedAt ?? null, id);
}

/**
 * The claims of a whole batch, as three statements of one D1 batch (one round trip with the settings read):
 * the rows as they were, then every due QUEUED row claimed (QUEUED -> SENDING, provider fixed, not suppressed,
 * its channel's provider and sender configured and the row not bound to another provider), then every
 * SENDING row whose claim outlived its lease taken over. Each UPDATE is guarded in SQL and D1 runs a batch as
 * one transaction, so no two consumers claim one row.
 */
export function claimStatements(
  db: D1Database,
  ids: readonly number[],
  now: string,
  leaseCutoff: string,
): { before: D1PreparedStatement; claim: D1PreparedStatement; reclaim: D1PreparedStatement } {
  const json = JSON.stringify(ids);
  const configured = `EXISTS (SELECT 1 FROM messaging_settings s WHERE s.id = 1 AND CASE message_outbox.channel
      WHEN 'SMS' THEN s.sms_sender IS NOT NULL AND coalesce(message_outbox.provider, s.sms_provider) = s.sms_provider
      ELSE s.email_from IS NOT NULL AND coalesce(message_outbox.provider, s.email_provider) = s.email_provider END)`;
  return {
    before: db
      .prepare('SELECT * FROM message_outbox WHERE id IN (SELECT value FROM json_each(?))')
      .bind(json),
    claim: db
      .prepare(
        `UPDATE message_outbox SET status = 'SENDING',
           provider = coalesce(provider, (SELECT CASE message_outbox.channel WHEN 'SMS' THEN s.sms_provider
             ELSE s.email_provider END FROM messaging_settings s WHERE s.id = 1)),
           claimed_at = ?1, attempts = attempts + 1, updated_at = ?1
         WHERE id IN (SELECT value FROM json_each(?2)) AND status = 'QUEUED'
           AND (not_before IS NULL OR not_before <= ?1) AND ${configured}
           AND NOT EXISTS (SELECT 1 FROM message_suppression x
                           WHERE x.channel = message_outbox.channel AND x.address = message_outbox.address)
         RETURNING id`,
      )
      .bind(now, json),
    reclaim: db
      .prepare(
        `UPDATE message_outbox SET claimed_at = ?1, attempts = attempts + 1, updated_at = ?1
         WHERE id IN (SELECT value FROM json_each(?2)) AND status = 'SENDING'
           AND coalesce(claimed_at, '') <= ?3 AND ${configured}
         RETURNING id`,
      )
      .bind(now, json, leaseCutoff),
  };
}

/** The rows of many outbox messages by id. */
export async function outboxByIds(db: D1Database, ids: readonly number[]): Promise<OutboxRow[]> {
  if (ids.length === 0) return [];
  const { results } = await db
    .prepare('SELECT * FROM message_outbox WHERE id IN (SELECT value FROM json_each(?))')
    .bind(JSON.stringify(ids))
    .all<OutboxRow>();
  return results;
}

/** The statement of markAccepted, for a batch of them. */
export function acceptedStatement(
  db: D1Database,
  id: number,
  provider: ProviderName,
  providerMessageId: string,
  providerStatus: string,
  now: string,
): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE message_outbox SET provider = ?, provider_message_id = ?,
         provider_status = CASE WHEN status = 'SENDING' THEN ? ELSE provider_status END,
         status = CASE WHEN status = 'SENDING' THEN 'SENT' ELSE status END,
         sent_at = coalesce(sent_at, ?), last_error = NULL, claimed_at = NULL, updated_at = ?
       WHERE id = ? AND status NOT IN ('QUEUED', 'SUPPRESSED')`,
    )
    .bind(provider, providerMessageId, providerStatus, now, now, id);
}

/** acceptedStatement for many sends in one set-based statement (the batch path records a whole batch so). */
export function acceptedManyStatement(
  db: D1Database,
  accepted: readonly {
    id: number;
    provider: ProviderName;
    providerMessageId: string;
    providerStatus: string;
  }[],
  now: string,
): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE message_outbox AS o SET provider = j.value ->> '$.provider', provider_message_id = j.value ->> '$.sid',
         provider_status = CASE WHEN o.status = 'SENDING' THEN j.value ->> '$.status' ELSE o.provider_status END,
         status = CASE WHEN o.status = 'SENDING' THEN 'SENT' ELSE o.status END,
         sent_at = coalesce(o.sent_at, ?1), last_error = NULL, claimed_at = NULL, updated_at = ?1
       FROM json_each(?2) AS j
       WHERE o.id = j.value ->> '$.id' AND o.status NOT IN ('QUEUED', 'SUPPRESSED')`,
    )
    .bind(
      now,
      JSON.stringify(
        accepted.map((a) => ({
          id: a.id,
          provider: a.provider,
          sid: a.providerMessageId,
          status: a.providerStatus,
        })),
      ),
    );
}

export function suppressStatement(
  db: D1Database,
  outboxId: number,
  reason: SuppressionReason,
  detail: string | null,
  now: string,
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO message_suppression (channel, address, reason, outbox_id, detail, created_at)
       SELECT channel, address, ?, id, ?, ? FROM message_outbox WHERE id = ?
       ON CONFLICT (channel, address) DO NOTHING`,
    )
    .bind(reason, detail, now, outboxId);
}

/** Staff read every message; a distributor those in their threads (their people) and those they sent. */
export function canReadMessage(viewer: Viewer, m: OutboxRow): boolean {
  if (viewer.kind === 'ADMIN') return true;
  if (viewer.kind !== 'DISTRIBUTOR') return false;
  return (
    m.owner_distributor_id === viewer.distributorId || m.sender === `distributor:${viewer.distributorId}`
  );
}

/** A page of the messages to one person that the viewer may read, newest first. */
export async function messagesTo(
  db: D1Database,
  viewer: Viewer,
  recipient: { type: string; id: number },
  page: { where: string[]; params: (string | number)[]; orderBy: string; limit: number },
): Promise<OutboxRow[]> {
  const where = ['recipient_type = ?', 'recipient_id = ?', ...page.where];
  const params: (string | number)[] = [recipient.type, recipient.id, ...page.params];
  if (viewer.kind !== 'ADMIN') {
    const me = viewer.kind === 'DISTRIBUTOR' ? viewer.distributorId : -1;
    where.push('(owner_distributor_id = ? OR sender = ?)');
    params.push(me, `distributor:${me}`);
  }
  const { results } = await db
    .prepare(`SELECT * FROM message_outbox WHERE ${where.join(' AND ')} ORDER BY ${page.orderBy} LIMIT ?`)
    .bind(...params, page.limit)
    .all<OutboxRow>();
  return results;
}
