// Every statement of one person's erasure, for one D1 batch. Personal fields are overwritten with the
// pseudonym; free-text columns of the rows about the person, or written by or for them, have every
// occurrence of their names, e-mails and phone numbers replaced. Ids, amounts, volumes and the tree are
// not touched, so the ledger and the genealogy read the same afterwards.
import type { Needle, PersonRef } from './model';
import { pseudonymOf } from './model';
import type { Person } from './people';

/** At most this many needles (two bound parameters each) keep every statement inside D1's 100. */
const MAX_NEEDLES = 16;

export class Scrubber {
  readonly needles: Needle[];
  private readonly params: string[];
  constructor(
    private readonly db: D1Database,
    needles: Needle[],
  ) {
    this.needles = needles.slice(0, MAX_NEEDLES);
    this.params = this.needles.flatMap((n) => [n.find, n.replace]);
  }

  /** The column with every needle replaced (numbered parameters ?1..?2n, shared by every column). */
  expr(column: string): string {
    let e = column;
    this.needles.forEach((_n, i) => {
      e = `replace(${e}, ?${2 * i + 1}, ?${2 * i + 2})`;
    });
    return e;
  }

  /** True (SQL) when any of the columns holds a needle: rows without one are not rewritten. */
  private hit(columns: string[]): string {
    if (this.needles.length === 0) return '0';
    const all = columns.map((c) => `coalesce(${c}, '')`).join(' || char(31) || ');
    return `(${this.needles.map((_n, i) => `instr(${all}, ?${2 * i + 1}) > 0`).join(' OR ')})`;
  }

  /** UPDATE table SET each column scrubbed WHERE scope (scope params are bound after the needles). */
  update(table: string, columns: string[], scope: string, scopeParams: unknown[] = []): D1PreparedStatement {
    const base = this.params.length;
    const numbered = scope.replace(/\?(\d+)/g, (_m, n) => `?${base + Number(n)}`);
    const sets = columns.map((c) => `${c} = ${this.expr(c)}`).join(', ');
    return this.db
      .prepare(`UPDATE ${table} SET ${sets} WHERE (${numbered}) AND ${this.hit(columns)}`)
      .bind(...this.params, ...scopeParams);
  }
}

/** "(subject_type = 'X' AND subject_id = ?1)" for the tables that name a person by type and id. */
const about = (ref: PersonRef, idColumn = 'subject_id', typeColumn = 'subject_type') =>
  `${typeColumn} = '${ref.type}' AND ${idColumn} = ?1`;

/** Statements common to every kind of person: CRM history, messages, notifications, consents' addresses. */
function contactHistory(db: D1Database, s: Scrubber, ref: PersonRef): D1PreparedStatement[] {
  const p = pseudonymOf(ref);
  const addresses = JSON.stringify(
    s.needles.map((n) => n.find).filter((f) => f.includes('@') || /^\+?\d{6,}$/.test(f)),
  );
  return [
    s.update('activity', ['body'], about(ref), [ref.id]),
    s.update('task', ['title', 'notes'], about(ref), [ref.id]),
    // Provider events of the messages to them, and inbound texts from their number (no outbox row).
    s.update(
      'message_event',
      ['payload', 'provider_message_id'],
      `outbox_id IN (SELECT id FROM message_outbox WHERE ${about(ref, 'recipient_id', 'recipient_type')}) OR outbox_id IS NULL`,
      [ref.id],
    ),
    s.update(
      'message_outbox',
      ['subject', 'body', 'html', 'last_error'],
      about(ref, 'recipient_id', 'recipient_type'),
      [ref.id],
    ),
    db
      .prepare(
        `UPDATE message_outbox SET address = CASE channel WHEN 'EMAIL' THEN ?2 ELSE '[phone erased]' END
         WHERE recipient_type = '${ref.type}' AND recipient_id = ?1`,
      )
      .bind(ref.id, p.email),
    // Their addresses are gone from every row that could send to them: the suppression entries go too.
    db
      .prepare('DELETE FROM message_suppression WHERE address IN (SELECT value FROM json_each(?))')
      .bind(addresses),
    s.update('notification', ['payload'], `subject_type = '${ref.type}' AND subject_id = CAST(?1 AS TEXT)`, [
      ref.id,
    ]),
    // Their earlier exports hold everything: marked expired here, the archives deleted after the batch.
    db
      .prepare(
        `UPDATE gdpr_export SET status = 'EXPIRED', file_key = NULL, expires_at = coalesce(expires_at, ?2)
         WHERE subject_type = '${ref.type}' AND subject_id = ?1`,
      )
      .bind(ref.id, new Date().toISOString()),
  ];
}

/** A lead row and what came with it: the raw webhook event, the intake, status changes, assignments. */
function leadStatements(db: D1Database, s: Scrubber, leadId: number): D1PreparedStatement[] {
  const p = pseudonymOf({ type: 'LEAD', id: leadId });
  const ref: PersonRef = { type: 'LEAD', id: leadId };
  return [
    db
      .prepare(
        `UPDATE lead SET full_name = ?2, first_name = ?3, last_name = ?4, email = NULL, phone = NULL,
           street_address = NULL, postal_code = NULL, city = NULL, region = NULL, company_name = NULL, job_title = NULL,
           gcl_id = NULL, answers = '[]', lost_reason = ${s.expr('lost_reason').replace(/\?(\d+)/g, (_m, n) => `?${Number(n) + 4}`)}
         WHERE id = ?1`,
      )
      .bind(leadId, p.full, p.first, p.last, ...s.needles.flatMap((n) => [n.find, n.replace])),
    // The raw delivery: wiped when it carried this lead alone, scrubbed when it carried others too.
    db
      .prepare(
        `UPDATE lead_event SET body = '{"erased":"gdpr"}', content_type = 'application/json'
         WHERE id IN (SELECT event_id FROM lead_intake WHERE lead_id = ?1)
           AND (SELECT count(*) FROM lead_intake i WHERE i.event_id = lead_event.id AND i.lead_id IS NOT ?1) = 0`,
      )
      .bind(leadId),
    s.update('lead_event', ['body'], 'id IN (SELECT event_id FROM lead_intake WHERE lead_id = ?1)', [leadId]),
    s.update('lead_intake', ['last_error', 'ref'], 'lead_id = ?1', [leadId]),
    s.update('lead_status_change', ['reason'], 'lead_id = ?1', [leadId]),
    s.update('lead_assignment', ['detail'], 'lead_id = ?1', [leadId]),
    s.update('offer', ['note', 'terms'], 'lead_id = ?1', [leadId]),
    db
      .prepare('UPDATE offer SET decision_ip = NULL, decision_user_agent = NULL WHERE lead_id = ?1')
      .bind(leadId),
    ...contactHistory(db, s, ref),
  ];
}

/** Offers made to the person: free text scrubbed, decision evidence pseudonymized, public links revoked. */
function offerStatements(db: D1Database, s: Scrubber, column: 'customer_id', id: number, now: string) {
  return [
    s.update('offer', ['note', 'terms'], `${column} = ?1`, [id]),
    db
      .prepare(
        `UPDATE offer SET decision_ip = NULL, decision_user_agent = NULL, link_revoked_at = coalesce(link_revoked_at, ?2)
         WHERE ${column} = ?1`,
      )
      .bind(id, now),
  ];
}

/** Signature requests (an offer's, a distributor's agreement): the signer is pseudonymized. */
function signatureStatements(db: D1Database, s: Scrubber, ref: PersonRef, scope: string, id: number) {
  const p = pseudonymOf(ref);
  return [
    s.update(
      'signature_event',
      ['detail'],
      `request_id IN (SELECT id FROM signature_request WHERE ${scope})`,
      [id],
    ),
    s.update('signature_request', ['title', 'failure_reason'], scope, [id]),
    db
      .prepare(
        `UPDATE signature_request SET signer_email = ?2, signer_first_name = ?3, signer_last_name = ?4, signing_url = NULL
         WHERE ${scope}`,
      )
      .bind(id, p.email, p.first, p.last),
  ];
}

/** The staging rows of imports that carried the person (matched by their e-mail). */
function importRows(db: D1Database, ref: PersonRef, emails: string[]): D1PreparedStatement[] {
  if (emails.length === 0) return [];
  const p = pseudonymOf(ref);
  const list = JSON.stringify(emails);
  return [
    db
      .prepare(
        `UPDATE genealogy_import_row SET first_name = ?2, last_name = ?3, email = ?4, phone = NULL, search_name = lower(?5)
         WHERE email IN (SELECT value FROM json_each(?1))`,
      )
      .bind(list, p.first, p.last, p.email, p.full),
    db
      .prepare(
        `UPDATE prospect_import_row SET first_name = ?2, last_name = ?3, email = NULL, phone = NULL, notes = NULL
         WHERE email IN (SELECT value FROM json_each(?1))`,
      )
      .bind(list, p.first, p.last),
  ];
}

/** All statements of the person's erasure, after the guard that records it. */
export function erasureStatements(
  db: D1Database,
  s: Scrubber,
  person: Person,
  now: string,
  by: string,
): D1PreparedStatement[] {
  const ref: PersonRef = { type: person.type, id: person.id };
  const p = pseudonymOf(ref);
  const emails = person.identities.map((i) => i.email).filter((e): e is string => !!e);
  const out: D1PreparedStatement[] = [];
  switch (person.type) {
    case 'DISTRIBUTOR': {
      const id = person.id;
      out.push(
        db
          .prepare(
            `UPDATE distributor SET first_name = ?2, last_name = ?3, search_name = lower(?4), email = ?5, phone = NULL,
               iban = NULL, bic = NULL, password_hash = NULL, token_version = token_version + 1, updated_at = ?6
             WHERE id = ?1`,
          )
          .bind(id, p.first, p.last, p.full, p.email, now),
        db
          .prepare("DELETE FROM password_reset_token WHERE account_kind = 'distributor' AND account_id = ?")
          .bind(id),
        s.update('activity', ['body'], 'author_distributor_id = ?1', [id]),
        s.update('task', ['title', 'notes'], 'owner_id = ?1', [id]),
        // What they sent to their customers carries their name (signatures): scrubbed, addresses kept.
        s.update('message_outbox', ['subject', 'body', 'html'], 'owner_distributor_id = ?1', [id]),
        s.update('notification', ['payload'], 'distributor_id = ?1', [id]),
        s.update('ledger_entry', ['reason'], 'distributor_id = ?1', [id]),
        s.update('rank_override', ['reason'], 'distributor_id = ?1', [id]),
        s.update('genealogy_event', ['detail'], 'distributor_id = ?1', [id]),
        s.update('feedback', ['comment'], 'distributor_id = ?1', [id]),
        s.update('customer', ['notes'], 'owner_id = ?1', [id]),
        s.update('prospect', ['notes', 'next_step'], 'owner_id = ?1', [id]),
        s.update('offer', ['note', 'terms'], 'owner_id = ?1', [id]),
        s.update('sales_order', ['payment_reference'], 'distributor_id = ?1', [id]),
        ...signatureStatements(db, s, ref, "document_type = 'AGREEMENT' AND subject_id = ?1", id),
        s.update('gdpr_erasure_request', ['reason'], 'distributor_id = ?1', [id]),
        db
          .prepare(
            `UPDATE gdpr_erasure_request SET status = 'DONE', settled_by = ?2, settled_at = ?3
             WHERE distributor_id = ?1 AND status = 'OPEN'`,
          )
          .bind(id, by, now),
      );
      break;
    }
    case 'CUSTOMER': {
      const id = person.id;
      out.push(
        db
          .prepare(
            `UPDATE customer SET first_name = ?2, last_name = ?3, email = NULL, phone = NULL, notes = NULL, updated_at = ?4
             WHERE id = ?1`,
          )
          .bind(id, p.first, p.last, now),
        s.update('feedback', ['comment'], 'customer_id = ?1', [id]),
        s.update('sales_order', ['payment_reference'], 'customer_id = ?1', [id]),
        s.update('refund', ['reason'], 'order_id IN (SELECT id FROM sales_order WHERE customer_id = ?1)', [
          id,
        ]),
        ...offerStatements(db, s, 'customer_id', id, now),
        ...signatureStatements(
          db,
          s,
          ref,
          "document_type = 'OFFER' AND subject_id IN (SELECT id FROM offer WHERE customer_id = ?1)",
          id,
        ),
      );
      break;
    }
    case 'PROSPECT':
      out.push(
        db
          .prepare(
            `UPDATE prospect SET first_name = ?2, last_name = ?3, email = NULL, phone = NULL, notes = NULL,
               next_step = NULL, updated_at = ?4 WHERE id = ?1`,
          )
          .bind(person.id, p.first, p.last, now),
      );
      break;
    case 'LEAD':
      break;
  }
  if (person.type !== 'LEAD') out.push(...contactHistory(db, s, ref));
  // Notifications their owner received about them (an order paid, a reply) name them in the payload.
  const owner = { CUSTOMER: 'customer', PROSPECT: 'prospect', LEAD: null, DISTRIBUTOR: null }[person.type];
  if (owner)
    out.push(
      s.update(
        'notification',
        ['payload'],
        `distributor_id = (SELECT owner_id FROM ${owner} WHERE id = ?1)`,
        [person.id],
      ),
    );
  for (const leadId of person.leadIds)
    out.push(
      s.update(
        'notification',
        ['payload'],
        'distributor_id = (SELECT assigned_distributor_id FROM lead WHERE id = ?1)',
        [leadId],
      ),
    );
  for (const leadId of person.leadIds) out.push(...leadStatements(db, s, leadId));
  out.push(...importRows(db, ref, emails));
  return out;
}
