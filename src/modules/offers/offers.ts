// Use cases of the owner and staff: draft an offer (or a revision), send it (the public link), revoke the link.
import { z } from 'zod';
import { atomic, nowIso } from '../../lib/db';
import {
  ConflictError,
  type FieldIssue,
  ForbiddenError,
  NotFoundError,
  ValidationError,
} from '../../lib/errors';
import { quantity } from '../../lib/limits';
import { freeText } from '../../lib/text';
import { addDays, dayInZone } from '../../lib/time';
import { parseInput } from '../../lib/validate';
import { actorOf } from '../auth/actor';
import type { Viewer } from '../auth/viewer';
import { pricesOf, productsByIds } from '../catalog/repository';
import { loadSettings } from '../company/settings';
import { activityStatement } from '../crm/activities';
import { canViewCustomer, customersByIds } from '../customers/repository';
import { leadsByIds } from '../leads/repository';
import { type OfferLocale, type OfferRow, subjectOf } from './model';
import { linesOfOffer, marketOf, offerById, offerSettings, requireOffer } from './repository';
import { formatMoney, priceLines } from './rules';

const lineSchema = z.object({
  productId: z.number().int().positive(),
  quantity: quantity(),
  discountBp: z.number().int().min(0, 'At least 0.').max(10_000, 'At most 10000 (100 %).').nullish(),
});

const contentSchema = z.object({
  lines: z
    .array(lineSchema)
    .min(1, 'At least one line.')
    .max(100, 'At most 100 lines per call; add more with addOfferLines.'),
  validUntil: z.iso.date('Use a date like 2026-12-31.'),
  note: freeText().nullish(),
  terms: freeText().nullish(),
});

const createSchema = contentSchema.extend({
  customerId: z.number().int().positive().nullish(),
  leadId: z.number().int().positive().nullish(),
});

const LOCALE_OF_COUNTRY: Record<string, OfferLocale> = { DK: 'da', PL: 'pl', DE: 'de', AT: 'de', CH: 'de' };

function requireWorker(viewer: Viewer): void {
  if (viewer.kind !== 'ADMIN' && viewer.kind !== 'DISTRIBUTOR')
    throw new ForbiddenError('Only distributors and staff make offers.');
}

interface Recipient {
  ownerId: number;
  customerId: number | null;
  leadId: number | null;
  country: string;
  locale: OfferLocale;
}

async function recipientOf(
  db: D1Database,
  viewer: Viewer,
  customerId: number | null,
  leadId: number | null,
): Promise<Recipient> {
  if ((customerId == null) === (leadId == null))
    throw new ValidationError('An offer is for one customer or one lead.', [
      {
        path: customerId == null ? 'customerId' : 'leadId',
        message: 'Give exactly one of customerId and leadId.',
      },
    ]);
  if (customerId != null) {
    const [c] = await customersByIds(db, [customerId]);
    if (!c) throw new NotFoundError('Customer not found.');
    if (!canViewCustomer(viewer, c) || viewer.kind === 'INTEGRATION')
      throw new ForbiddenError('That customer belongs to another distributor.');
    return { ownerId: c.owner_id, customerId, leadId: null, country: c.country, locale: c.locale };
  }
  const [l] = await leadsByIds(db, [leadId!]);
  if (!l) throw new NotFoundError('Lead not found.');
  if (viewer.kind === 'DISTRIBUTOR' && l.assigned_distributor_id !== viewer.distributorId)
    throw new ForbiddenError('That lead is assigned to another distributor.');
  if (l.assigned_distributor_id == null)
    throw new ConflictError('Assign the lead to a distributor before making an offer.', 'LEAD_UNASSIGNED');
  if (l.status === 'CONVERTED')
    throw new ConflictError(
      'The lead is already a customer: make the offer for the customer.',
      'ALREADY_CONVERTED',
    );
  if (l.status === 'LOST') throw new ConflictError('The lead is lost; reopen it first.', 'LEAD_NOT_OPEN');
  const country = l.country_code?.toUpperCase() ?? '';
  if (!country)
    throw new ValidationError('The lead has no country, so no market and currency.', [
      { path: 'leadId', message: 'Set the lead’s country first.', code: 'INVALID_VALUE' },
    ]);
  return {
    ownerId: l.assigned_distributor_id,
    customerId: null,
    leadId: l.id,
    country,
    locale: LOCALE_OF_COUNTRY[country] ?? 'en',
  };
}

type Content = z.infer<typeof contentSchema>;

/** Prices the lines in the recipient's market: catalogue retail in its currency, discounts within the limit. */
async function pricedContent(db: D1Database, r: Recipient, input: Content) {
  const market = await marketOf(db, r.country);
  if (!market)
    throw new ValidationError(`No market sells in ${r.country}, the recipient's country.`, [
      {
        path: r.customerId != null ? 'customerId' : 'leadId',
        message: `No market in ${r.country}.`,
        code: 'INVALID_VALUE',
      },
    ]);
  const settings = await loadSettings(db);
  const today = dayInZone(new Date(), settings.timeZone);
  if (input.validUntil < today || input.validUntil > addDays(today, 366))
    throw new ValidationError('The validity date is out of range.', [
      { path: 'validUntil', message: `From today (${today}) to a year ahead.`, code: 'INVALID_VALUE' },
    ]);
  const limit = (await offerSettings(db)).max_discount_bp;
  const ids = [...new Set(input.lines.map((l) => l.productId))];
  const [products, prices] = await Promise.all([productsByIds(db, ids), pricesOf(db, ids)]);
  const issues: FieldIssue[] = [];
  const lines = input.lines.map((l, i) => {
    const p = products.find((x) => x.id === l.productId);
    const price = prices.find((x) => x.product_id === l.productId && x.currency === market.currency);
    const discountBp = l.discountBp ?? 0;
    if (!p) issues.push({ path: `lines.${i}.productId`, message: 'Unknown product.' });
    else if (!p.active) issues.push({ path: `lines.${i}.productId`, message: `${p.sku} is not for sale.` });
    else if (!price)
      issues.push({
        path: `lines.${i}.productId`,
        message: `${p.sku} is not sold in the ${r.country} market (no ${market.currency} price).`,
      });
    if (discountBp > limit)
      issues.push({
        path: `lines.${i}.discountBp`,
        message: `At most ${limit} basis points (the company's limit).`,
        code: 'TOO_LARGE',
        params: { max: limit },
      });
    const names = p ? (JSON.parse(p.names) as Record<string, string>) : {};
    return {
      productId: l.productId,
      sku: p?.sku ?? '',
      name: names[r.locale] ?? names.en ?? p?.sku ?? '',
      quantity: l.quantity,
      unitPrice: price?.retail ?? 0,
      discountBp,
    };
  });
  if (issues.length) throw new ValidationError('Invalid offer lines.', issues);
  return { market, ...priceLines(lines, market.vat_rate_bp) };
}

function insertStatements(
  db: D1Database,
  r: Recipient,
  input: Content,
  priced: Awaited<ReturnType<typeof pricedContent>>,
  actor: string,
  now: string,
  supersedesId: number | null,
) {
  return [
    db
      .prepare(
        `INSERT INTO offer (owner_id, customer_id, lead_id, status, country, currency, locale, vat_rate_bp, valid_until,
           note, terms, net, vat, gross, supersedes_id, created_by, created_at, updated_at)
         VALUES (?, ?, ?, 'DRAFT', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      )
      .bind(
        r.ownerId,
        r.customerId,
        r.leadId,
        r.country,
        priced.market.currency,
        r.locale,
        priced.market.vat_rate_bp,
        input.validUntil,
        input.note ?? null,
        input.terms ?? null,
        priced.net,
        priced.vat,
        priced.gross,
        supersedesId,
        actor,
        now,
        now,
      ),
    db
      .prepare(
        `INSERT INTO offer_line (offer_id, position, product_id, sku, name, quantity, unit_price, discount_bp, unit_net,
           line_net)
         SELECT (SELECT max(id) FROM offer), key + 1, json_extract(value, '$.productId'), json_extract(value, '$.sku'),
           json_extract(value, '$.name'), json_extract(value, '$.quantity'), json_extract(value, '$.unitPrice'),
           json_extract(value, '$.discountBp'), json_extract(value, '$.unitNet'), json_extract(value, '$.lineNet')
         FROM json_each(?)`,
      )
      .bind(JSON.stringify(priced.lines)),
  ];
}

function summary(priced: { net: number; gross: number; lines: unknown[] }, currency: string, locale: string) {
  return `${priced.lines.length} lines, ${formatMoney(priced.gross, currency, locale)} gross`;
}

export async function createOffer(db: D1Database, viewer: Viewer, raw: unknown): Promise<OfferRow> {
  requireWorker(viewer);
  const input = parseInput(createSchema, raw, 'offer');
  const r = await recipientOf(db, viewer, input.customerId ?? null, input.leadId ?? null);
  const priced = await pricedContent(db, r, input);
  const now = nowIso();
  const actor = actorOf(viewer);
  const [inserted] = await atomic(db, [
    ...insertStatements(db, r, input, priced, actor, now, null),
    activityStatement(
      db,
      r.customerId != null ? { type: 'CUSTOMER', id: r.customerId } : { type: 'LEAD', id: r.leadId! },
      `Offer drafted: ${summary(priced, priced.market.currency, 'en')}, valid until ${input.validUntil}.`,
      actor,
      viewer.kind === 'DISTRIBUTOR' ? viewer.distributorId : null,
      now,
    ),
  ]);
  return (await offerById(db, (inserted.results[0] as { id: number }).id))!;
}

const reviseSchema = contentSchema.partial({ validUntil: true, note: true, terms: true });

/**
 * A revision: a new DRAFT that supersedes `id` once it is sent (then the old link says it was replaced and
 * links to the new one). Lines are priced again at today's catalogue prices.
 */
export async function reviseOffer(
  db: D1Database,
  viewer: Viewer,
  id: number,
  raw: unknown,
): Promise<OfferRow> {
  requireWorker(viewer);
  const old = await requireOffer(db, viewer, id);
  if (!['DRAFT', 'SENT', 'VIEWED'].includes(old.status))
    throw new ConflictError(`A ${old.status} offer cannot be revised.`, 'OFFER_CLOSED');
  const input = parseInput(reviseSchema, raw, 'offer');
  const content: Content = {
    lines: input.lines,
    validUntil: input.validUntil ?? old.valid_until,
    note: input.note === undefined ? old.note : input.note,
    terms: input.terms === undefined ? old.terms : input.terms,
  };
  const r: Recipient = {
    ownerId: old.owner_id,
    customerId: old.customer_id,
    leadId: old.customer_id == null ? old.lead_id : null,
    country: old.country,
    locale: old.locale,
  };
  const priced = await pricedContent(db, r, content);
  const now = nowIso();
  const actor = actorOf(viewer);
  try {
    const [inserted] = await atomic(db, [
      ...insertStatements(db, { ...r, leadId: old.lead_id }, content, priced, actor, now, old.id),
      activityStatement(
        db,
        subjectOf(old),
        `Offer ${old.id} revised: ${summary(priced, priced.market.currency, 'en')} (draft).`,
        actor,
        viewer.kind === 'DISTRIBUTOR' ? viewer.distributorId : null,
        now,
      ),
    ]);
    return (await offerById(db, (inserted.results[0] as { id: number }).id))!;
  } catch (e) {
    if (String(e).includes('UNIQUE constraint failed: offer.supersedes_id'))
      throw new ConflictError('That offer already has a revision; revise the revision.', 'ALREADY_REVISED');
    throw e;
  }
}

const addLinesSchema = z.object({
  lines: z.array(lineSchema).min(1, 'At least one line.').max(100, 'At most 100 lines per call.'),
});

/** The most lines an offer may have (lines come in calls of at most 100: the API's list limit). */
export const MAX_OFFER_LINES = 500;

/**
 * Adds lines to a DRAFT (a long offer is built in calls of up to 100 lines). The new lines are priced like the
 * first ones; net, VAT and gross are computed again over all lines.
 */
export async function addOfferLines(
  db: D1Database,
  viewer: Viewer,
  id: number,
  raw: unknown,
): Promise<OfferRow> {
  requireWorker(viewer);
  const o = await requireOffer(db, viewer, id);
  if (o.status !== 'DRAFT')
    throw new ConflictError('Only a DRAFT offer takes more lines; revise it.', 'OFFER_NOT_DRAFT');
  const input = parseInput(addLinesSchema, raw, 'offer');
  const existing = await linesOfOffer(db, o.id);
  if (existing.length + input.lines.length > MAX_OFFER_LINES)
    throw new ValidationError(`An offer has at most ${MAX_OFFER_LINES} lines.`, [
      { path: 'lines', message: `At most ${MAX_OFFER_LINES - existing.length} more.`, code: 'TOO_MANY' },
    ]);
  const r: Recipient = {
    ownerId: o.owner_id,
    customerId: o.customer_id,
    leadId: o.customer_id == null ? o.lead_id : null,
    country: o.country,
    locale: o.locale,
  };
  const priced = await pricedContent(db, r, { lines: input.lines, validUntil: o.valid_until });
  const all = priceLines(
    [
      ...existing.map((l) => ({ unitPrice: l.unit_price, discountBp: l.discount_bp, quantity: l.quantity })),
      ...priced.lines,
    ],
    o.vat_rate_bp,
  );
  const now = nowIso();
  const [updated] = await atomic(db, [
    db
      .prepare(
        `UPDATE offer SET net = ?, vat = ?, gross = ?, updated_at = ? WHERE id = ? AND status = 'DRAFT' AND updated_at = ?`,
      )
      .bind(all.net, all.vat, all.gross, now, o.id, o.updated_at),
    db
      .prepare(
        `INSERT INTO offer_line (offer_id, position, product_id, sku, name, quantity, unit_price, discount_bp, unit_net,
           line_net)
         SELECT ?, ? + key + 1, json_extract(value, '$.productId'), json_extract(value, '$.sku'),
           json_extract(value, '$.name'), json_extract(value, '$.quantity'), json_extract(value, '$.unitPrice'),
           json_extract(value, '$.discountBp'), json_extract(value, '$.unitNet'), json_extract(value, '$.lineNet')
         FROM json_each(?) WHERE changes() = 1`,
      )
      .bind(o.id, existing.length, JSON.stringify(priced.lines)),
  ]);
  if ((updated.meta?.changes ?? 0) === 0)
    throw new ConflictError('The offer changed meanwhile; reload it.', 'STALE');
  return (await offerById(db, o.id))!;
}

/** 256 random bits, base64url: the public link's secret. */
function newToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

export function publicPath(token: string): string {
  return `/o/${token}`;
}

/**
 * Sends an offer: DRAFT → SENT with a new public link; on a sent offer whose link was revoked, issues a new
 * link. Sending a revision marks the offer it revises SUPERSEDED in the same batch. The SMS/e-mail carrying
 * the link is the messaging outbox's (see `offerLinkMessage` in notify.ts).
 */
export async function sendOffer(db: D1Database, viewer: Viewer, id: number): Promise<OfferRow> {
  requireWorker(viewer);
  const o = await requireOffer(db, viewer, id);
  const reissue = (o.status === 'SENT' || o.status === 'VIEWED') && o.link_revoked_at != null;
  if (o.status !== 'DRAFT' && !reissue)
    throw new ConflictError(
      o.status === 'SENT' || o.status === 'VIEWED'
        ? 'The offer is already sent and its link is live.'
        : `A ${o.status} offer cannot be sent.`,
      'OFFER_NOT_SENDABLE',
    );
  const settings = await loadSettings(db);
  if (o.valid_until < dayInZone(new Date(), settings.timeZone))
    throw new ConflictError('The offer’s validity has passed; revise it with a new date.', 'OFFER_EXPIRED');
  const now = nowIso();
  const actor = actorOf(viewer);
  const author = viewer.kind === 'DISTRIBUTOR' ? viewer.distributorId : null;
  const token = newToken();
  const statements: D1PreparedStatement[] = [];
  if (o.supersedes_id != null && !reissue)
    statements.push(
      db
        .prepare(
          `UPDATE offer SET status = 'SUPERSEDED', superseded_by_id = ?, updated_at = ?
           WHERE id = ? AND status IN ('DRAFT', 'SENT', 'VIEWED')`,
        )
        .bind(o.id, now, o.supersedes_id),
    );
  statements.push(
    db
      .prepare(
        `UPDATE offer SET status = CASE WHEN status = 'DRAFT' THEN 'SENT' ELSE status END, public_token = ?,
           link_revoked_at = NULL, sent_at = coalesce(sent_at, ?), updated_at = ?
         WHERE id = ? AND status = ? AND link_revoked_at IS ?
           AND (supersedes_id IS NULL OR ? OR EXISTS (SELECT 1 FROM offer p WHERE p.id = offer.supersedes_id
             AND p.superseded_by_id = offer.id))`,
      )
      .bind(token, now, now, o.id, o.status, o.link_revoked_at, reissue ? 1 : 0),
    activityStatement(
      db,
      subjectOf(o),
      reissue
        ? `Offer ${o.id}: a new link was issued.`
        : `Offer ${o.id} sent (${formatMoney(o.gross, o.currency, 'en')} gross).`,
      actor,
      author,
      now,
      true,
    ),
  );
  const results = await atomic(db, statements);
  if ((results[statements.length - 2].meta?.changes ?? 0) === 0) {
    if (o.supersedes_id != null && (results[0].meta?.changes ?? 0) === 0)
      throw new ConflictError(
        'The offer this revises is no longer open (accepted, declined or expired).',
        'OFFER_CLOSED',
      );
    throw new ConflictError('The offer changed meanwhile; reload it.', 'STALE');
  }
  return (await offerById(db, o.id))!;
}

/** Revokes the public link: it then shows a clear page and reveals nothing. `sendOffer` issues a new one. */
export async function revokeOfferLink(db: D1Database, viewer: Viewer, id: number): Promise<OfferRow> {
  requireWorker(viewer);
  const o = await requireOffer(db, viewer, id);
  if (o.public_token == null || o.link_revoked_at != null)
    throw new ConflictError('The offer has no live link.', 'NO_LINK');
  const now = nowIso();
  await atomic(db, [
    db
      .prepare(
        'UPDATE offer SET link_revoked_at = ?, updated_at = ? WHERE id = ? AND link_revoked_at IS NULL',
      )
      .bind(now, now, o.id),
    activityStatement(
      db,
      subjectOf(o),
      `Offer ${o.id}: the link was revoked.`,
      actorOf(viewer),
      viewer.kind === 'DISTRIBUTOR' ? viewer.distributorId : null,
      now,
      true,
    ),
  ]);
  return (await offerById(db, o.id))!;
}

const settingsSchema = z.object({
  maxDiscountBp: z.number().int().min(0, '0 to 10000.').max(10_000, '0 to 10000.').nullish(),
  brandColor: z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/, 'Use #rrggbb.')
    .nullish(),
  accentColor: z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/, 'Use #rrggbb.')
    .nullish(),
});

export async function updateOfferSettings(db: D1Database, viewer: Viewer, raw: unknown) {
  if (viewer.kind !== 'ADMIN') throw new ForbiddenError('Staff only.');
  const input = parseInput(settingsSchema, raw, 'offerSettings');
  await db
    .prepare(
      `UPDATE offer_settings SET max_discount_bp = coalesce(?, max_discount_bp), brand_color = coalesce(?, brand_color),
         accent_color = coalesce(?, accent_color), updated_at = ? WHERE id = 1`,
    )
    .bind(input.maxDiscountBp ?? null, input.brandColor ?? null, input.accentColor ?? null, nowIso())
    .run();
  return offerSettings(db);
}
