// Checking staged orders against the catalog, the markets, the periods and the members they name. Validation
// checks every order once and keeps the checked rows (checkedChunks.ts); apply writes those, and checks again
// only what changed since (a catalog, market or period change: the context's digest; a member: a guard in SQL).
import { atomic } from '../../../lib/db';
import { loadSettings } from '../../company/settings';
import { isCanonicalInstant } from '../../imports/instants';
import { monthResolver } from '../../imports/months';
import { nextMonth } from '../../volumes/periods';
import { lineVolume } from '../model';
import type { StagedOrder } from './parse';

interface Product {
  id: number;
  sku: string;
  qv: number;
  cv: number;
  kit: number;
  prices: Map<string, { retail: number; wholesale: number }>;
}

export interface CheckContext {
  products: Map<string, Product>;
  markets: Map<string, string>;
  periodOf: (iso: string) => string;
  now: number;
  /** now + 1 minute as a canonical instant (the latest accepted paidAt or createdAt). */
  latest: string;
  /** Digest of everything above but `now`: equal digests check an order the same way. */
  digest: string;
}

async function sha256(text: string): Promise<string> {
  const hash = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(hash)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Catalog, markets and the period rule (closed periods send volume to the next open one), read once. */
export async function loadCheckContext(db: D1Database): Promise<CheckContext> {
  const [products, prices, markets, closed] = await atomic(db, [
    db.prepare('SELECT id, sku, qv, cv, is_starter_kit FROM product ORDER BY id'),
    db.prepare(
      'SELECT product_id, currency, retail, wholesale FROM product_price ORDER BY product_id, currency',
    ),
    db.prepare('SELECT country, currency FROM market ORDER BY country'),
    db.prepare("SELECT id FROM commission_period WHERE status != 'OPEN' ORDER BY id"),
  ]);
  const byId = new Map<number, Product>();
  const bySku = new Map<string, Product>();
  for (const p of products.results as {
    id: number;
    sku: string;
    qv: number;
    cv: number;
    is_starter_kit: number;
  }[]) {
    const product = { id: p.id, sku: p.sku, qv: p.qv, cv: p.cv, kit: p.is_starter_kit, prices: new Map() };
    byId.set(p.id, product);
    bySku.set(p.sku.toLowerCase(), product);
  }
  for (const r of prices.results as {
    product_id: number;
    currency: string;
    retail: number;
    wholesale: number;
  }[])
    byId.get(r.product_id)?.prices.set(r.currency, { retail: r.retail, wholesale: r.wholesale });
  const now = Date.now();
  const settings = await loadSettings(db);
  const month = monthResolver(settings.timeZone);
  const closedSet = new Set((closed.results as { id: string }[]).map((r) => r.id));
  const digest = await sha256(
    JSON.stringify([products.results, prices.results, markets.results, closed.results, settings.timeZone]),
  );
  return {
    products: bySku,
    markets: new Map(
      (markets.results as { country: string; currency: string }[]).map((m) => [m.country, m.currency]),
    ),
    periodOf: (iso) => {
      let p = month(iso);
      while (closedSet.has(p)) p = nextMonth(p);
      return p;
    },
    now,
    latest: new Date(now + 60_000).toISOString(),
    digest,
  };
}

/** The members a staged order names, as the database holds them now. */
export type Refs = [
  distributorId: number | null,
  distributorStatus: string | null,
  distributorCountry: string | null,
  customerId: number | null,
  customerOwner: number | null,
  customerCountry: string | null,
];

// Read from the staged pack itself (nothing is bound), answered as one row holding every order's references as
// JSON: 10,000 result rows would each become an object on the way to the Worker.
const RESOLVE = `SELECT json_group_array(json_array(j.key, d.id, d.status, d.country, c.id, c.owner_id, c.country))
    AS refs
  FROM order_import_row p CROSS JOIN jsonb_each(jsonb(p.orders)) j
  LEFT JOIN distributor d
    ON d.id = coalesce(j.value->>3, (SELECT x.id FROM distributor x WHERE x.external_id = j.value->>2))
  LEFT JOIN customer c
    ON c.id = coalesce(j.value->>5, (SELECT y.id FROM customer y WHERE y.external_id = j.value->>4))
  WHERE p.import_id = ?1 AND p.part_no = ?2 AND p.pack = ?3`;

/** The statement resolving the references of a staged pack's orders (all of them, by position). */
export function resolveStatement(db: D1Database, importId: number, partNo: number, pack: number) {
  return db.prepare(RESOLVE).bind(importId, partNo, pack);
}

/** The references of that statement's result, by position. */
export function refsOf(result: D1Result): Refs[] {
  const out: Refs[] = [];
  const [row] = result.results as { refs: string }[];
  for (const [k, ...refs] of JSON.parse(row.refs) as [number, ...Refs][]) out[k] = refs as Refs;
  return out;
}

/** A checked line as written: [productId, quantity, unitPrice, unitQv, unitCv]. */
export type CheckedLine = [number, number, number, number, number];

/**
 * A checked order as apply writes it: [externalId, distributorId, customerId, kind, currency, status, total,
 * qv, cv, createdAt, paidAt, period, paymentReference, country, lines]. `country` (the buyer's) lets apply
 * see, in SQL, whether the members changed since.
 */
export type CheckedOrder = [
  string,
  number,
  number | null,
  string,
  string,
  string,
  number,
  number,
  number,
  string,
  string | null,
  string | null,
  string | null,
  string | null,
  CheckedLine[],
];

/**
 * Whether an instant is after `limitIso` (= `limitMs`): canonical instants are compared as text, a Date.parse
 * for each of 3M orders being a fifth of the check; anything else is parsed.
 */
const later = (iso: string, limitIso: string, limitMs: number) =>
  isCanonicalInstant(iso) ? iso > limitIso : Date.parse(iso) > limitMs;

/**
 * Checks one staged order (not a bad one) with its references; returns it checked, or null with its issues
 * added as [line within the part, message]. `createdBy` does not enter: the import writes what the file says
 * happened.
 */
export function checkOrder(
  r: StagedOrder,
  refs: Refs,
  ctx: CheckContext,
  issues: [number, string][],
): CheckedOrder | null {
  const [
    line,
    externalId,
    distExt,
    distIdIn,
    custExt,
    custIdIn,
    kind,
    currencyIn,
    status,
    paidAt,
    createdAt,
  ] = r;
  const [distId, distStatus, distCountry, custId, custOwner, custCountry] = refs;
  const distRef = distExt ?? distIdIn;
  const custRef = custExt ?? custIdIn;
  const before = issues.length;
  const q = JSON.stringify;
  if (distId == null) issues.push([line, `Unknown distributor ${q(distRef)}.`]);
  else if (distStatus === 'TERMINATED') issues.push([line, `Distributor ${q(distRef)} is terminated.`]);
  if (custRef != null) {
    if (custId == null) issues.push([line, `Unknown customer ${q(custRef)}.`]);
    else if (distId != null && custOwner !== distId)
      issues.push([line, `Customer ${q(custRef)} belongs to another distributor.`]);
  }
  const country = kind === 'CUSTOMER' ? custCountry : distCountry;
  let currency = currencyIn;
  if (country != null) {
    const market = ctx.markets.get(country);
    if (!market) issues.push([line, `No market sells in ${country}.`]);
    else if (currency != null && currency !== market)
      issues.push([line, `The ${country} market sells in ${market}, not ${currency}.`]);
    else currency = market;
  }
  if (paidAt != null && later(paidAt, ctx.latest, ctx.now + 60_000))
    issues.push([line, 'paidAt is in the future.']);
  else if (later(createdAt, ctx.latest, ctx.now + 60_000)) issues.push([line, 'createdAt is in the future.']);
  else if (
    paidAt != null &&
    !(isCanonicalInstant(createdAt) && isCanonicalInstant(paidAt) && createdAt <= paidAt) &&
    Date.parse(createdAt) > Date.parse(paidAt) + 60_000
  )
    issues.push([line, 'createdAt is after paidAt: a payment cannot precede its order.']);
  let total = 0;
  let qv = 0;
  let cv = 0;
  const lines: CheckedLine[] = [];
  for (const [sku, quantity, unitPrice, unitQv, unitCv, at] of r[12] ?? []) {
    const p = ctx.products.get(sku.toLowerCase());
    if (!p) {
      issues.push([at, `Unknown SKU ${q(sku)}.`]);
      continue;
    }
    const price = currency == null ? undefined : p.prices.get(currency);
    if (currency != null && !price) {
      issues.push([at, `${p.sku} has no ${currency} price.`]);
      continue;
    }
    if (!price) continue;
    const unit = unitPrice ?? (kind === 'CUSTOMER' ? price.retail : price.wholesale);
    const lineQv = unitQv ?? p.qv;
    const lineCv = unitCv ?? p.cv;
    total += quantity * unit;
    lines.push([p.id, quantity, unit, lineQv, lineCv]);
    const v = lineVolume({ unit_qv: lineQv, unit_cv: lineCv, is_starter_kit: p.kit }, quantity);
    qv += v.qv;
    cv += v.cv;
  }
  if (issues.length > before) return null;
  return [
    externalId,
    distId!,
    custId,
    kind,
    currency!,
    status,
    total,
    qv,
    cv,
    createdAt,
    paidAt,
    status === 'PAID' ? ctx.periodOf(paidAt!) : null,
    r[11],
    country,
    lines,
  ];
}
