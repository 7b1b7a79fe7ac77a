// The recipient's side, through the public link (no login): viewing, accepting, declining.
import { atomic, nowIso } from '../../lib/db';
import { ConflictError } from '../../lib/errors';
import { dayInZone } from '../../lib/time';
import { loadSettings } from '../company/settings';
import { activityStatement } from '../crm/activities';
import { convertLead } from '../leads/pipeline';
import { notificationStatement } from '../notifications/statements';
import { lineVolume } from '../orders/model';
import { type OfferRow, subjectOf } from './model';
import { linesOfOffer, offerById, offerByToken } from './repository';

/** What a link shows. Anything but OPEN / ACCEPTED / DECLINED shows a page that reveals nothing of the offer. */
export type LinkState =
  | { kind: 'UNKNOWN' }
  | { kind: 'REVOKED' }
  | { kind: 'REPLACED'; newToken: string | null }
  | { kind: 'EXPIRED' }
  | { kind: 'OPEN'; offer: OfferRow }
  | { kind: 'ACCEPTED'; offer: OfferRow }
  | { kind: 'DECLINED'; offer: OfferRow };

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export async function linkState(db: D1Database, token: string): Promise<LinkState> {
  if (!TOKEN_SHAPE.test(token)) return { kind: 'UNKNOWN' };
  const o = await offerByToken(db, token);
  if (!o) return { kind: 'UNKNOWN' };
  if (o.status === 'SUPERSEDED') {
    const next = o.superseded_by_id != null ? await offerById(db, o.superseded_by_id) : null;
    const live = next?.public_token && next.link_revoked_at == null ? next.public_token : null;
    return { kind: 'REPLACED', newToken: live };
  }
  if (o.link_revoked_at != null) return { kind: 'REVOKED' };
  if (o.status === 'ACCEPTED' || o.status === 'SIGNED') return { kind: 'ACCEPTED', offer: o };
  if (o.status === 'DECLINED') return { kind: 'DECLINED', offer: o };
  if (o.status === 'EXPIRED') return { kind: 'EXPIRED' };
  const today = dayInZone(new Date(), (await loadSettings(db)).timeZone);
  if (o.valid_until < today) return { kind: 'EXPIRED' };
  return { kind: 'OPEN', offer: o };
}

// The accept/decline forms carry a token bound to the offer and its current link: HMAC-SHA-256 over
// "offer-decision:<id>:<link token>" with the Worker's secret. A form from another offer, or from a revoked
// link, does not verify.
async function hmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  );
}

function base64url(bytes: ArrayBuffer): string {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

export async function formToken(secret: string, o: Pick<OfferRow, 'id' | 'public_token'>): Promise<string> {
  const mac = await crypto.subtle.sign(
    'HMAC',
    await hmacKey(secret),
    new TextEncoder().encode(`offer-decision:${o.id}:${o.public_token}`),
  );
  return base64url(mac);
}

/** Constant-time check of a posted form token (crypto.subtle.verify compares in constant time). */
export async function formTokenValid(
  secret: string,
  o: Pick<OfferRow, 'id' | 'public_token'>,
  posted: string,
): Promise<boolean> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(posted)) return false;
  const b64 = posted.replace(/-/g, '+').replace(/_/g, '/') + '=';
  const mac = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  return crypto.subtle.verify(
    'HMAC',
    await hmacKey(secret),
    mac,
    new TextEncoder().encode(`offer-decision:${o.id}:${o.public_token}`),
  );
}

/** The owner hears of the recipient's decision in the same batch (only when the change above it happened). */
function tellOwner(
  db: D1Database,
  o: Pick<OfferRow, 'id' | 'owner_id'>,
  kind: 'OFFER_VIEWED' | 'OFFER_ACCEPTED' | 'OFFER_DECLINED' | 'OFFER_SIGNED',
  now: string,
): D1PreparedStatement {
  return notificationStatement(db, {
    distributorId: o.owner_id,
    kind,
    subjectType: 'OFFER',
    subjectId: o.id,
    payload: { offerId: o.id },
    dedupeKey: `${kind}:${o.id}`,
    at: now,
    afterChange: true,
  });
}

/** The first view of a SENT offer makes it VIEWED (recorded in the person's history for the owner). */
export async function recordView(db: D1Database, o: OfferRow): Promise<void> {
  if (o.status !== 'SENT') return;
  const now = nowIso();
  await atomic(db, [
    db
      .prepare(
        `UPDATE offer SET status = 'VIEWED', viewed_at = ?, updated_at = ? WHERE id = ? AND status = 'SENT'`,
      )
      .bind(now, now, o.id),
    activityStatement(
      db,
      subjectOf(o),
      `Offer ${o.id} was opened by the recipient.`,
      `offer:${o.id}`,
      null,
      now,
      true,
    ),
    tellOwner(db, o, 'OFFER_VIEWED', now),
  ]);
}

export interface Decision {
  ip: string | null;
  userAgent: string | null;
}

const OPEN_SQL = `status IN ('SENT', 'VIEWED') AND link_revoked_at IS NULL AND public_token = ? AND valid_until >= ?`;

/** Extra writes of an accept that asks for a signature first (the signature request and its job). */
export interface SignatureStart {
  /** Writes for the accept's batch (they must do nothing when the offer was accepted before). */
  statements(customerId: number, now: string): D1PreparedStatement[];
  /** After the batch, when this accept was the one that accepted the offer. */
  afterAccept(): Promise<void>;
}

/**
 * Accepts an open offer and creates its order (PENDING, a CUSTOMER order for the offer's customer at the
 * offer's unit prices), exactly once however often the accept arrives: the status change is guarded, the
 * order is inserted only while the offer has none, and its idempotency key ('offer:<id>', 'accept') is unique.
 * A lead's offer first converts the lead into a customer (the leads module's conversion).
 *
 * When the company requires a signature (`signature` given), the accept records the decision and, in the same
 * batch, the writes that start the signature; the order is created when the signature completes
 * (`signedOfferStatements`).
 */
export async function acceptOffer(
  db: D1Database,
  o: OfferRow,
  d: Decision,
  signature?: SignatureStart,
): Promise<OfferRow> {
  const today = dayInZone(new Date(), (await loadSettings(db)).timeZone);
  let customerId = o.customer_id;
  if (customerId == null) customerId = await customerOfLead(db, o);
  const now = nowIso();
  const actor = `offer:${o.id}`;
  const results = await atomic(db, [
    db
      .prepare(
        `UPDATE offer SET status = 'ACCEPTED', customer_id = ?, decided_at = ?, decision_ip = ?, decision_user_agent = ?,
           updated_at = ? WHERE id = ? AND ${OPEN_SQL}`,
      )
      .bind(customerId, now, d.ip, d.userAgent?.slice(0, 500) ?? null, now, o.id, o.public_token, today),
    activityStatement(
      db,
      { type: 'CUSTOMER', id: customerId },
      signature
        ? `Offer ${o.id} accepted by the recipient; waiting for the signature.`
        : `Offer ${o.id} accepted by the recipient; an order was created.`,
      actor,
      null,
      now,
      true,
    ),
    tellOwner(db, o, 'OFFER_ACCEPTED', now),
    ...(signature
      ? signature.statements(customerId, now)
      : orderStatements(db, o.id, 'ACCEPTED', await offerVolume(db, o.id), now)),
  ]);
  const accepted = (results[0].meta?.changes ?? 0) === 1;
  const now2 = (await offerById(db, o.id))!;
  if (!accepted && now2.status !== 'ACCEPTED')
    throw new ConflictError('The offer can no longer be accepted.', 'OFFER_CLOSED');
  if (accepted) await signature?.afterAccept();
  return now2;
}

/** The order's volume: the offer's lines at the products' QV and CV. */
async function offerVolume(db: D1Database, offerId: number): Promise<{ qv: number; cv: number }> {
  const lines = await linesOfOffer(db, offerId);
  const products = await db
    .prepare(
      `SELECT id, qv, cv, is_starter_kit FROM product WHERE id IN (SELECT product_id FROM offer_line WHERE offer_id = ?)`,
    )
    .bind(offerId)
    .all<{ id: number; qv: number; cv: number; is_starter_kit: number }>();
  const byId = new Map(products.results.map((p) => [p.id, p]));
  return lines.reduce(
    (s, l) => {
      const p = byId.get(l.product_id)!;
      const v = lineVolume({ unit_qv: p.qv, unit_cv: p.cv, is_starter_kit: p.is_starter_kit }, l.quantity);
      return { qv: s.qv + v.qv, cv: s.cv + v.cv };
    },
    { qv: 0, cv: 0 },
  );
}

/** The order of an offer in `status` that has none yet: inserted, its lines copied, linked to the offer. */
function orderStatements(
  db: D1Database,
  offerId: number,
  status: 'ACCEPTED' | 'SIGNED',
  volume: { qv: number; cv: number },
  now: string,
): D1PreparedStatement[] {
  const actor = `offer:${offerId}`;
  const orderIdSql = `(SELECT id FROM sales_order WHERE created_by = '${actor}' AND idempotency_key = 'accept')`;
  return [
    db
      .prepare(
        `INSERT INTO sales_order (kind, distributor_id, customer_id, status, currency, total, qv, cv, idempotency_key,
           created_by, created_at)
         SELECT 'CUSTOMER', owner_id, customer_id, 'PENDING', currency, net, ?, ?, 'accept', ?, ?
         FROM offer WHERE id = ? AND status = '${status}' AND order_id IS NULL`,
      )
      .bind(volume.qv, volume.cv, actor, now, offerId),
    db
      .prepare(
        `INSERT INTO order_line (order_id, product_id, sku, quantity, unit_price, unit_retail, unit_wholesale, unit_qv,
           unit_cv, is_starter_kit)
         SELECT ${orderIdSql}, l.product_id, l.sku, l.quantity, l.unit_net, l.unit_price, coalesce(pp.wholesale, 0),
           CASE WHEN p.is_starter_kit = 1 THEN 0 ELSE p.qv END, CASE WHEN p.is_starter_kit = 1 THEN 0 ELSE p.cv END,
           p.is_starter_kit
         FROM offer_line l JOIN offer o ON o.id = l.offer_id JOIN product p ON p.id = l.product_id
           LEFT JOIN product_price pp ON pp.product_id = l.product_id AND pp.currency = o.currency
         WHERE l.offer_id = ? AND o.order_id IS NULL AND o.status = '${status}'
         ORDER BY l.position`,
      )
      .bind(offerId),
    db
      .prepare(
        `UPDATE offer SET order_id = ${orderIdSql} WHERE id = ? AND order_id IS NULL AND status = '${status}'`,
      )
      .bind(offerId),
  ];
}

/**
 * The writes of a completed signature of an accepted offer (for the signature's batch): SIGNED, in the
 * customer's history, and its order, exactly once (guarded by the status and the missing order).
 */
export async function signedOfferStatements(
  db: D1Database,
  offerId: number,
  now: string,
): Promise<D1PreparedStatement[]> {
  const o = await offerById(db, offerId);
  if (o?.status !== 'ACCEPTED' || o.customer_id == null) return [];
  return [
    db
      .prepare(`UPDATE offer SET status = 'SIGNED', updated_at = ? WHERE id = ? AND status = 'ACCEPTED'`)
      .bind(now, offerId),
    activityStatement(
      db,
      { type: 'CUSTOMER', id: o.customer_id },
      `Offer ${o.id} signed by the recipient; an order was created.`,
      `offer:${o.id}`,
      null,
      now,
      true,
    ),
    tellOwner(db, o, 'OFFER_SIGNED', now),
    ...orderStatements(db, offerId, 'SIGNED', await offerVolume(db, offerId), now),
  ];
}

/** The recipient refused to sign an accepted offer: it is DECLINED (it has no order yet). */
export function signatureRejectedStatement(
  db: D1Database,
  offerId: number,
  now: string,
): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE offer SET status = 'DECLINED', updated_at = ? WHERE id = ? AND status = 'ACCEPTED' AND order_id IS NULL`,
    )
    .bind(now, offerId);
}

/** The lead's customer: converted now, or already (a repeated or concurrent accept). */
async function customerOfLead(db: D1Database, o: OfferRow): Promise<number> {
  const converted = () => convertedCustomerOf(db, o.lead_id!);
  const already = await converted();
  if (already != null) return already;
  try {
    const lead = await convertLead(db, { kind: 'SYSTEM', actor: `offer:${o.id}` }, o.lead_id!, {
      to: 'CUSTOMER',
      country: o.country,
      locale: o.locale,
    });
    return lead.converted_customer_id!;
  } catch (e) {
    // A concurrent accept converted it first.
    const again = await converted();
    if (again != null) return again;
    throw e;
  }
}

export async function declineOffer(db: D1Database, o: OfferRow, d: Decision): Promise<OfferRow> {
  const today = dayInZone(new Date(), (await loadSettings(db)).timeZone);
  const now = nowIso();
  const [updated] = await atomic(db, [
    db
      .prepare(
        `UPDATE offer SET status = 'DECLINED', decided_at = ?, decision_ip = ?, decision_user_agent = ?, updated_at = ?
         WHERE id = ? AND ${OPEN_SQL}`,
      )
      .bind(now, d.ip, d.userAgent?.slice(0, 500) ?? null, now, o.id, o.public_token, today),
    activityStatement(
      db,
      subjectOf(o),
      `Offer ${o.id} declined by the recipient.`,
      `offer:${o.id}`,
      null,
      now,
      true,
    ),
    tellOwner(db, o, 'OFFER_DECLINED', now),
  ]);
  const row = (await offerById(db, o.id))!;
  if ((updated.meta?.changes ?? 0) === 0 && row.status !== 'DECLINED')
    throw new ConflictError('The offer can no longer be declined.', 'OFFER_CLOSED');
  return row;
}

async function convertedCustomerOf(db: D1Database, leadId: number): Promise<number | null> {
  const row = await db
    .prepare('SELECT converted_customer_id FROM lead WHERE id = ?')
    .bind(leadId)
    .first<{ converted_customer_id: number | null }>();
  return row?.converted_customer_id ?? null;
}
