// Provider events (status callbacks, webhooks): kept once per dedupe key, applied only when they move a
// message forward (monotonic: a late `sent` never overwrites `delivered`). An event that arrives before the
// send step recorded the provider's message id is kept and applied when the id is recorded.
import { atomic } from '../../lib/db';
import type { EventStatus, ProviderName, SuppressionReason } from './model';
import { STATUS_RANK } from './model';
import { suppressStatement } from './repository';

export interface ProviderEvent {
  provider: ProviderName;
  dedupeKey: string;
  providerMessageId: string;
  /** Our outbox id when the provider echoes it (GatewayAPI's userref). */
  outboxHint: number | null;
  rawStatus: string;
  /** Null: a status that moves nothing (queued, opened, ...) or one we do not know. */
  mapped: EventStatus | null;
  /** False for a status word we have never seen: kept and logged. */
  known: boolean;
  errorCode: string | null;
  suppress: SuppressionReason | null;
  payload: string;
}

const RANK_SQL = `CASE status WHEN 'QUEUED' THEN 0 WHEN 'SENDING' THEN 1 WHEN 'SENT' THEN 2 ELSE 3 END`;

async function outboxOf(
  db: D1Database,
  ev: Pick<ProviderEvent, 'provider' | 'providerMessageId' | 'outboxHint'>,
) {
  const byId = await db
    .prepare('SELECT id FROM message_outbox WHERE provider = ? AND provider_message_id = ?')
    .bind(ev.provider, ev.providerMessageId)
    .first<{ id: number }>();
  if (byId) return byId.id;
  if (ev.outboxHint === null) return null;
  const byHint = await db
    .prepare('SELECT id FROM message_outbox WHERE id = ? AND provider = ? AND provider_message_id IS NULL')
    .bind(ev.outboxHint, ev.provider)
    .first<{ id: number }>();
  return byHint?.id ?? null;
}

/** The statements that move an outbox row by one event (when it advances) and mark the event applied. */
function applyStatements(
  db: D1Database,
  outboxId: number,
  ev: Pick<ProviderEvent, 'provider' | 'dedupeKey' | 'providerMessageId' | 'rawStatus' | 'errorCode'>,
  mapped: EventStatus,
  suppress: SuppressionReason | null,
  now: string,
): D1PreparedStatement[] {
  const final = STATUS_RANK[mapped] === 3 ? 1 : 0;
  const error =
    ev.errorCode && mapped !== 'DELIVERED' ? `${ev.provider} ${ev.rawStatus} (${ev.errorCode})` : null;
  const statements = [
    db
      .prepare(
        `UPDATE message_outbox SET status = ?1, provider_status = ?2,
           provider_message_id = coalesce(provider_message_id, ?3), sent_at = coalesce(sent_at, ?4),
           delivered_at = CASE WHEN ?1 = 'DELIVERED' THEN ?4 ELSE delivered_at END,
           final_at = CASE WHEN ?5 = 1 THEN ?4 ELSE final_at END,
           last_error = coalesce(?6, last_error), claimed_at = NULL, updated_at = ?4
         WHERE id = ?7 AND ${RANK_SQL} < ?8`,
      )
      .bind(mapped, ev.rawStatus, ev.providerMessageId, now, final, error, outboxId, STATUS_RANK[mapped]),
    db
      .prepare('UPDATE message_event SET applied = 1 WHERE provider = ? AND dedupe_key = ? AND changes() = 1')
      .bind(ev.provider, ev.dedupeKey),
  ];
  if (suppress) statements.push(suppressStatement(db, outboxId, suppress, error ?? ev.rawStatus, now));
  return statements;
}

export interface EventResult {
  outboxId: number | null;
  duplicate: boolean;
  applied: boolean;
}

/** Keeps one event (a redelivery is a no-op) and applies it to its message when that moves it forward. */
export async function recordProviderEvent(
  db: D1Database,
  ev: ProviderEvent,
  now: string,
): Promise<EventResult> {
  if (!ev.known)
    console.warn(`unknown ${ev.provider} status "${ev.rawStatus}" for ${ev.providerMessageId}: kept`);
  const outboxId = await outboxOf(db, ev);
  const statements = [
    db
      .prepare(
        `INSERT INTO message_event (provider, dedupe_key, provider_message_id, outbox_id, raw_status, mapped_status,
           error_code, applied, payload, received_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?) ON CONFLICT (provider, dedupe_key) DO NOTHING`,
      )
      .bind(
        ev.provider,
        ev.dedupeKey,
        ev.providerMessageId,
        outboxId,
        ev.rawStatus,
        ev.mapped,
        ev.errorCode,
        ev.payload,
        now,
      ),
  ];
  const inserted = 0;
  if (outboxId !== null && ev.mapped)
    statements.push(...applyStatements(db, outboxId, ev, ev.mapped, null, now));
  if (outboxId !== null && ev.suppress)
    statements.push(suppressStatement(db, outboxId, ev.suppress, ev.rawStatus, now));
  const results = await atomic(db, statements);
  const duplicate = (results[inserted].meta.changes ?? 0) === 0;
  const applied = outboxId !== null && ev.mapped !== null && (results[1].meta.changes ?? 0) === 1;
  return { outboxId, duplicate, applied };
}

/**
 * Events that arrived before the send step recorded the provider's message id: now that it is known, they
 * are attached to the message and applied in the order received (monotonic, so order does not matter).
 */
export async function applyEarlyEvents(
  db: D1Database,
  outboxId: number,
  provider: ProviderName,
  providerMessageId: string,
  now: string,
): Promise<void> {
  const { results } = await db
    .prepare(
      `SELECT dedupe_key, raw_status, mapped_status, error_code FROM message_event
       WHERE provider = ? AND provider_message_id = ? AND outbox_id IS NULL ORDER BY id`,
    )
    .bind(provider, providerMessageId)
    .all<{
      dedupe_key: string;
      raw_status: string;
      mapped_status: EventStatus | null;
      error_code: string | null;
    }>();
  for (const e of results) {
    const ev = {
      provider,
      dedupeKey: e.dedupe_key,
      providerMessageId,
      rawStatus: e.raw_status,
      errorCode: e.error_code,
    };
    await atomic(db, [
      db
        .prepare('UPDATE message_event SET outbox_id = ? WHERE provider = ? AND dedupe_key = ?')
        .bind(outboxId, provider, e.dedupe_key),
      ...(e.mapped_status
        ? applyStatements(db, outboxId, ev, e.mapped_status, suppressionOf(e.mapped_status), now)
        : []),
    ]);
  }
}

/** The suppression a final status implies (complaints are suppressed when they arrive). */
export function suppressionOf(status: EventStatus): SuppressionReason | null {
  if (status === 'UNDELIVERABLE') return 'UNDELIVERABLE';
  if (status === 'BOUNCED') return 'HARD_BOUNCE';
  return null;
}
