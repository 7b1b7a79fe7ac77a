// A person's stored files (R2, FILES): which are kept for a legal reason (signed contracts, accepted offers,
// with access limited: public links revoked, the keys and reason recorded on the erasure), and which are
// deleted (offer PDFs never agreed to — for or by the person —, raw lead deliveries still in the inbox, earlier
// export archives). Dead letters in R2 are rewritten, not deleted (erasure.ts).
import { deliverySha256, INBOX_PREFIX } from '../leads/inbox';
import type { Person } from './people';

export interface KeptDocument {
  kind: string;
  key: string;
  reason: string;
}

export interface PersonFiles {
  kept: KeptDocument[];
  /** R2 keys deleted after the erasure's batch (their D1 references are cleared in it). */
  deletable: string[];
  /** Offer PDFs to unlink from their offer and stored_file row in the batch. */
  offerPdfs: string[];
}

const CONTRACT = 'Signed contract: kept for the statutory retention of commercial records (access limited).';
const OFFER_ACCEPTED =
  'Accepted offer (a contract of sale): kept for the statutory retention of commercial records.';

export async function personFiles(db: D1Database, person: Person): Promise<PersonFiles> {
  const kept: KeptDocument[] = [];
  const deletable: string[] = [];
  const offerPdfs: string[] = [];
  const signatureScope =
    person.type === 'DISTRIBUTOR'
      ? "document_type = 'AGREEMENT' AND subject_id = ?1"
      : person.type === 'CUSTOMER'
        ? "document_type = 'OFFER' AND subject_id IN (SELECT id FROM offer WHERE customer_id = ?1)"
        : person.type === 'LEAD'
          ? "document_type = 'OFFER' AND subject_id IN (SELECT id FROM offer WHERE lead_id = ?1)"
          : '0 AND subject_id = ?1';
  const { results: signatures } = await db
    .prepare(
      `SELECT document_type, status, source_key, signed_key, audit_key FROM signature_request WHERE ${signatureScope}`,
    )
    .bind(person.id)
    .all<{
      document_type: string;
      status: string;
      source_key: string | null;
      signed_key: string | null;
      audit_key: string | null;
    }>();
  for (const s of signatures)
    for (const key of [s.source_key, s.signed_key, s.audit_key])
      if (key)
        kept.push({
          kind: `${s.document_type.toLowerCase()} signature (${s.status.toLowerCase()})`,
          key,
          reason:
            s.status === 'COMPLETED' || s.status === 'SIGNED'
              ? CONTRACT
              : 'Part of a signature process at the provider: kept while the provider holds it (access limited).',
        });
  // Offer PDFs name the customer or lead they are for, and the distributor who made them (owner).
  const offerColumn =
    person.type === 'CUSTOMER'
      ? 'customer_id'
      : person.type === 'LEAD'
        ? 'lead_id'
        : person.type === 'DISTRIBUTOR'
          ? 'owner_id'
          : null;
  if (offerColumn) {
    const { results: offers } = await db
      .prepare(
        `SELECT o.status, o.pdf_key, EXISTS (SELECT 1 FROM signature_request r WHERE r.source_key = o.pdf_key
           OR r.signed_key = o.pdf_key) AS in_signature
         FROM offer o WHERE o.${offerColumn} = ? AND o.pdf_key IS NOT NULL`,
      )
      .bind(person.id)
      .all<{ status: string; pdf_key: string; in_signature: number }>();
    for (const o of offers) {
      if (o.status === 'ACCEPTED' || o.status === 'SIGNED' || o.in_signature)
        kept.push({ kind: `offer (${o.status.toLowerCase()})`, key: o.pdf_key, reason: OFFER_ACCEPTED });
      else offerPdfs.push(o.pdf_key);
    }
  }
  deletable.push(...offerPdfs);
  // Raw deliveries of their leads still waiting in the inbox.
  for (const leadId of person.leadIds) {
    const { results } = await db
      .prepare(
        `SELECT e.source_name, e.body FROM lead_event e JOIN lead_intake i ON i.event_id = e.id WHERE i.lead_id = ?`,
      )
      .bind(leadId)
      .all<{ source_name: string | null; body: string }>();
    for (const e of results)
      deletable.push(`${INBOX_PREFIX}${await deliverySha256(e.source_name, e.body)}.json`);
  }
  const { results: exports } = await db
    .prepare(
      'SELECT file_key FROM gdpr_export WHERE subject_type = ? AND subject_id = ? AND file_key IS NOT NULL',
    )
    .bind(person.type, person.id)
    .all<{ file_key: string }>();
  deletable.push(...exports.map((e) => e.file_key));
  return { kept, deletable, offerPdfs };
}

/** Statements of the batch: the deleted offer PDFs are unlinked from their offer and file record. */
export function unlinkOfferPdfs(db: D1Database, keys: string[]): D1PreparedStatement[] {
  if (keys.length === 0) return [];
  const list = JSON.stringify(keys);
  return [
    db
      .prepare('UPDATE offer SET pdf_key = NULL WHERE pdf_key IN (SELECT value FROM json_each(?))')
      .bind(list),
    db.prepare('DELETE FROM stored_file WHERE key IN (SELECT value FROM json_each(?))').bind(list),
  ];
}

/** Deletes the objects (after the batch): R2 deletes are idempotent, a retry is harmless. */
export async function deleteObjects(bucket: R2Bucket, keys: string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 1000) await bucket.delete(keys.slice(i, i + 1000));
}
