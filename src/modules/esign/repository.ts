// Every SQL statement of electronic signature. Status changes are guarded by status_rank (it only grows), so
// repeated and out-of-order callbacks never move a request backwards.
import {
  type DocumentType,
  type EsignProvider,
  RANK,
  type SignatureEventRow,
  type SignatureRequestRow,
  type SignatureStatus,
} from './model';
import type { esignSettings as settingsTable } from './tables';

export type EsignSettingsRow = typeof settingsTable.$inferSelect;

export async function esignSettings(db: D1Database): Promise<EsignSettingsRow> {
  const row = await db.prepare('SELECT * FROM esign_settings WHERE id = 1').first<EsignSettingsRow>();
  if (!row) throw new Error('esign_settings row is missing: migrations not applied?');
  return row;
}

export function requestById(db: D1Database, id: number): Promise<SignatureRequestRow | null> {
  return db.prepare('SELECT * FROM signature_request WHERE id = ?').bind(id).first<SignatureRequestRow>();
}

export function requestOf(
  db: D1Database,
  type: DocumentType,
  subjectId: number,
): Promise<SignatureRequestRow | null> {
  return db
    .prepare('SELECT * FROM signature_request WHERE document_type = ? AND subject_id = ?')
    .bind(type, subjectId)
    .first<SignatureRequestRow>();
}

export function requestByExternal(
  db: D1Database,
  provider: EsignProvider,
  externalId: string,
): Promise<SignatureRequestRow | null> {
  return db
    .prepare('SELECT * FROM signature_request WHERE provider = ? AND external_id = ?')
    .bind(provider, externalId)
    .first<SignatureRequestRow>();
}

export async function requestsBySubjects(
  db: D1Database,
  type: DocumentType,
  ids: readonly number[],
): Promise<SignatureRequestRow[]> {
  const rows = await db
    .prepare(
      'SELECT * FROM signature_request WHERE document_type = ? AND subject_id IN (SELECT value FROM json_each(?))',
    )
    .bind(type, JSON.stringify(ids))
    .all<SignatureRequestRow>();
  return rows.results;
}

export async function eventsOf(db: D1Database, requestId: number): Promise<SignatureEventRow[]> {
  const rows = await db
    .prepare('SELECT * FROM signature_event WHERE request_id = ? ORDER BY id')
    .bind(requestId)
    .all<SignatureEventRow>();
  return rows.results;
}

export interface NewRequest {
  type: DocumentType;
  subjectId: number;
  provider: EsignProvider;
  title: string;
}

/**
 * A signature request of an offer, its signer the offer's customer (for the accept's batch). Inserted only while
 * the offer is ACCEPTED and has none (a repeated accept inserts nothing).
 */
export function offerRequestStatement(db: D1Database, r: NewRequest, now: string): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO signature_request (document_type, subject_id, provider, status, status_rank, signer_email,
         signer_first_name, signer_last_name, language, title, created_at, updated_at)
       SELECT 'OFFER', o.id, ?, 'PENDING', 0, c.email, c.first_name, c.last_name, o.locale, ?, ?, ?
       FROM offer o JOIN customer c ON c.id = o.customer_id
       WHERE o.id = ? AND o.status = 'ACCEPTED' AND c.email IS NOT NULL
       ON CONFLICT (document_type, subject_id) DO NOTHING`,
    )
    .bind(r.provider, r.title, now, now, r.subjectId);
}

/** Moves a request forward to `status` (never back; a final status is never left). */
export function moveStatement(
  db: D1Database,
  id: number,
  status: SignatureStatus,
  now: string,
): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE signature_request SET status = ?, status_rank = ?, updated_at = ? WHERE id = ? AND status_rank < ?`,
    )
    .bind(status, RANK[status], now, id, RANK[status]);
}

/** The provider took the document: its id there and the signer's link (once). */
export function startedStatement(
  db: D1Database,
  id: number,
  externalId: string,
  signingUrl: string | null,
  sourceKey: string | null,
  now: string,
): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE signature_request SET external_id = ?, signing_url = ?, source_key = ?, status = 'SENT', status_rank = 1,
         failure_reason = NULL, updated_at = ?
       WHERE id = ? AND external_id IS NULL AND status_rank < 1`,
    )
    .bind(externalId, signingUrl, sourceKey, now, id);
}

export function completedStatement(
  db: D1Database,
  id: number,
  signedKey: string,
  auditKey: string,
  now: string,
): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE signature_request SET status = 'COMPLETED', status_rank = ?, signed_key = ?, audit_key = ?,
         completed_at = ?, failure_reason = NULL, updated_at = ?
       WHERE id = ? AND status_rank < ?`,
    )
    .bind(RANK.COMPLETED, signedKey, auditKey, now, now, id, RANK.COMPLETED);
}

/** A start that failed for good: FAILED with the reason (only before the provider took it). */
export function failedStatement(
  db: D1Database,
  id: number,
  reason: string,
  now: string,
): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE signature_request SET status = 'FAILED', status_rank = ?, failure_reason = ?, updated_at = ?
       WHERE id = ? AND status_rank < 1`,
    )
    .bind(RANK.FAILED, reason.slice(0, 2000), now, id);
}

/** A later step failed for good (the status stays; the reason is kept for staff). */
export function failureReasonStatement(db: D1Database, id: number, reason: string | null, now: string) {
  return db
    .prepare('UPDATE signature_request SET failure_reason = ?, updated_at = ? WHERE id = ?')
    .bind(reason?.slice(0, 2000) ?? null, now, id);
}

/** Staff retry a failed start: back to PENDING. */
export function reopenStatement(db: D1Database, id: number, now: string) {
  return db
    .prepare(
      `UPDATE signature_request SET status = 'PENDING', status_rank = 0, failure_reason = NULL, updated_at = ?
       WHERE id = ? AND status = 'FAILED'`,
    )
    .bind(now, id);
}

/** One provider event, taken once per delivery id (its `changes` say whether it is new). */
export function eventStatement(
  db: D1Database,
  requestId: number,
  provider: EsignProvider,
  deliveryId: string,
  event: string,
  detail: string | null,
  now: string,
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO signature_event (request_id, provider, delivery_id, event, detail, received_at)
       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (provider, delivery_id) DO NOTHING`,
    )
    .bind(requestId, provider, deliveryId, event, detail?.slice(0, 4000) ?? null, now);
}

export async function eventSeen(
  db: D1Database,
  provider: EsignProvider,
  deliveryId: string,
): Promise<boolean> {
  const row = await db
    .prepare('SELECT 1 AS y FROM signature_event WHERE provider = ? AND delivery_id = ?')
    .bind(provider, deliveryId)
    .first();
  return row != null;
}

/** A distributor's agreement request, its signer the member (nothing when one exists or no e-mail is known). */
export function agreementRequestStatement(
  db: D1Database,
  distributorId: number,
  provider: EsignProvider,
  title: string,
  now: string,
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO signature_request (document_type, subject_id, provider, status, status_rank, signer_email,
         signer_first_name, signer_last_name, language, title, created_at, updated_at)
       SELECT 'AGREEMENT', d.id, ?, 'PENDING', 0, d.email, d.first_name, d.last_name, d.locale, ?, ?, ?
       FROM distributor d WHERE d.id = ? AND d.email IS NOT NULL
       ON CONFLICT (document_type, subject_id) DO NOTHING`,
    )
    .bind(provider, title, now, now, distributorId);
}

/** Active members with an e-mail whose agreement was never sent (oldest first). */
export async function membersWithoutAgreement(db: D1Database, limit: number): Promise<number[]> {
  const rows = await db
    .prepare(
      `SELECT d.id FROM distributor d
       WHERE d.status = 'ACTIVE' AND d.email IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM signature_request r WHERE r.document_type = 'AGREEMENT' AND r.subject_id = d.id)
       ORDER BY d.id LIMIT ?`,
    )
    .bind(limit)
    .all<{ id: number }>();
  return rows.results.map((r) => r.id);
}

/**
 * Members who have not signed their agreement (no request, or one not COMPLETED): all for staff, a sponsor's
 * own enrollees for a sponsor. At most `limit`, by id.
 */
export async function unsignedMembers(
  db: D1Database,
  sponsorId: number | null,
  limit: number,
): Promise<number[]> {
  const rows = await db
    .prepare(
      `SELECT d.id FROM distributor d
       WHERE d.status != 'TERMINATED' AND (?1 IS NULL OR d.sponsor_id = ?1)
         AND NOT EXISTS (SELECT 1 FROM signature_request r WHERE r.document_type = 'AGREEMENT' AND r.subject_id = d.id
           AND r.status = 'COMPLETED')
       ORDER BY d.id LIMIT ?2`,
    )
    .bind(sponsorId, limit)
    .all<{ id: number }>();
  return rows.results.map((r) => r.id);
}

export function storedFile(
  db: D1Database,
  key: string | null,
): Promise<{ key: string; sha256: string; size: number } | null> {
  if (!key) return Promise.resolve(null);
  return db
    .prepare('SELECT key, sha256, size FROM stored_file WHERE key = ?')
    .bind(key)
    .first<{ key: string; sha256: string; size: number }>();
}

/** Requests at a provider with no news for a while (SENT to SIGNED, changed between `from` and `to`). */
export async function quietRequests(db: D1Database, from: string, to: string, limit: number) {
  const rows = await db
    .prepare(
      `SELECT * FROM signature_request WHERE status_rank BETWEEN 1 AND 3 AND external_id IS NOT NULL
         AND updated_at >= ? AND updated_at < ? ORDER BY updated_at LIMIT ?`,
    )
    .bind(from, to, limit)
    .all<SignatureRequestRow>();
  return rows.results;
}
