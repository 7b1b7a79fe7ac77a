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
export async function markRetry(db: D1Database, id: number, notBefore: string, error: string, now: string) {
  await db
    .prepare(
      `UPDATE message_outbox SET status = 'QUEUED', not_before = ?, last_error = ?, claimed_at = NULL, updated_at = ?
       WHERE id = ? AND status = 'SENDING'`,
    )
    .bind(notBefore, error, now, id)
    .run();
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
  status: Exclude<OutboxStatus, 'QUEUED' | 'SENDING' | 'SENT' | 'DELIVERED'>,
  error: string | null,
  suppress: SuppressionReason | null,
  now: string,
): Promise<void> {
  const statements = [
    db
      .prepare(
        `UPDATE message_outbox SET status = ?, last_error = ?, final_at = ?, claimed_at = NULL, updated_at = ?
         WHERE id = ? AND status IN (SELECT value FROM json_each(?))`,
      )
      .bind(status, error, now, now, id, JSON.stringify(from)),
  ];
  if (suppress) statements.push(suppressStatement(db, id, suppress, error, now));
  await atomic(db, statements);
}

/**
 * An outcome we cannot know (the request may have reached the provider): kept SENDING, never resent blindly.
 * `claimedAt` moves the claim back so that its lease ends sooner (the consumer is done with the request).
 */
export async function noteUncertain(
  db: D1Database,
  id: number,
  error: string,
  now: string,
  claimedAt?: string,
): Promise<void> {
  await db
    .prepare(
      `UPDATE message_outbox SET last_error = ?, updated_at = ?, claimed_at = coalesce(?, claimed_at)
       WHERE id = ? AND status = 'SENDING'`,
    )
    .bind(error, now, claimedAt ?? null, id)
    .run();
}

/** Many QUEUED -> SENDING claims at once (the batch path): only rows still QUEUED, due, first tries, not suppressed. */
export async function claimMany(
  db: D1Database,
  ids: readonly number[],
  providers: { sms: ProviderName | null; email: ProviderName | null },
  now: string,
): Promise<OutboxRow[]> {
  if (ids.length === 0) return [];
  const { results } = await db
    .prepare(
      `UPDATE message_outbox SET status = 'SENDING',
         provider = coalesce(provider, CASE channel WHEN 'SMS' THEN ?1 ELSE ?2 END), claimed_at = ?3,
         attempts = attempts + 1, updated_at = ?3
       WHERE id IN (SELECT value FROM json_each(?4)) AND status = 'QUEUED' AND attempts = 0
         AND (not_before IS NULL OR not_before <= ?3)
         AND NOT EXISTS (SELECT 1 FROM message_suppression s
                         WHERE s.channel = message_outbox.channel AND s.address = message_outbox.address)
       RETURNING *`,
    )
    .bind(providers.sms, providers.email, now, JSON.stringify(ids))
    .all<OutboxRow>();
  return results;
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
