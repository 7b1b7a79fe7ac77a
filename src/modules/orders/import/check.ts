// Reading staged orders with their references resolved, and checking each one against the catalog, the
// markets and the periods. The same check runs at validation and again when a chunk is applied, so that
// what is written is what was checked, with the prices and periods of that moment.
import { atomic } from '../../../lib/db';
import { loadSettings } from '../../company/settings';
import { monthResolver } from '../../imports/months';
import { nextMonth } from '../../volumes/periods';
import { lineVolume } from '../model';
import type { StagedLine } from './parse';

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
}

/** Catalog, markets and the period rule (closed periods send volume to the next open one), read once. */
export async function loadCheckContext(db: D1Database): Promise<CheckContext> {
  const [products, prices, markets, closed] = await atomic(db, [
    db.prepare('SELECT id, sku, qv, cv, is_starter_kit FROM product'),
    db.prepare('SELECT product_id, currency, retail, wholesale FROM product_price'),
    db.prepare('SELECT country, currency FROM market'),
    db.prepare("SELECT id FROM commission_period WHERE status != 'OPEN'"),
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
  const settings = await loadSettings(db);
  const month = monthResolver(settings.timeZone);
  const closedSet = new Set((closed.results as { id: string }[]).map((r) => r.id));
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
    now: Date.now(),
  };
}

/** A staged order with its references resolved in SQL. */
export type ResolvedRow = [
  part: number,
  line: number,
  bad: number,
  externalId: string,
  kind: string,
  currency: string | null,
  status: string,
  paidAt: string | null,
  createdAt: string,
  lines: string | null,
  distributorRef: string | null,
  distributorId: number | null,
  distributorStatus: string | null,
  distributorCountry: string | null,
  customerRef: string | null,
  customerId: number | null,
  customerOwner: number | null,
  customerCountry: string | null,
];

const RESOLVE = `SELECT r.part_no, r.line, r.bad, r.external_id, r.kind, r.currency, r.status, r.paid_at, r.created_at,
    r.lines, coalesce(r.distributor_ext, r.distributor_id), d.id, d.status, d.country,
    coalesce(r.customer_ext, r.customer_id), c.id, c.owner_id, c.country
  FROM order_import_row r
  LEFT JOIN distributor d
    ON d.id = coalesce(r.distributor_id, (SELECT x.id FROM distributor x WHERE x.external_id = r.distributor_ext))
  LEFT JOIN customer c
    ON c.id = coalesce(r.customer_id, (SELECT y.id FROM customer y WHERE y.external_id = r.customer_ext))
  WHERE r.import_id = ?1 AND (r.part_no, r.line) > (?2, ?3) AND (r.part_no, r.line) <= (?4, ?5)
  ORDER BY r.part_no, r.line LIMIT ?6`;

export const END = 2 ** 31 - 1;

/** Staged orders after (fromPart, fromLine) up to and including (toPart, toLine), at most `limit`. */
export async function readResolved(
  db: D1Database,
  importId: number,
  from: [number, number],
  to: [number, number],
  limit: number,
): Promise<ResolvedRow[]> {
  return db.prepare(RESOLVE).bind(importId, from[0], from[1], to[0], to[1], limit).raw<ResolvedRow>();
}

/** What an order writes: [part, line, distributorId, customerId, kind, currency, total, qv, cv, period]. */
export type OrderPayload = [
  number,
  number,
  number,
  number | null,
  string,
  string,
  number,
  number,
  number,
  string | null,
];

/** Receives each line of an order as written (product id, quantity, unit price, unit QV, unit CV). */
export type LineSink = (
  productId: number,
  quantity: number,
  unitPrice: number,
  unitQv: number,
  unitCv: number,
) => void;

/**
 * Checks one order; returns its payload, or its issues as [line within the part, message]. `createdBy`
 * does not enter: the import writes what the file says happened.
 */
export function checkOrder(
  r: ResolvedRow,
  ctx: CheckContext,
  issues: [number, string][],
  onLine?: LineSink,
): OrderPayload | null {
  const [part, line, , , kind, currencyIn, status, paidAt, createdAt, linesJson] = r;
  const [distRef, distId, distStatus, distCountry, custRef, custId, custOwner, custCountry] = r.slice(10) as [
    string | null,
    number | null,
    string | null,
    string | null,
    string | null,
    number | null,
    number | null,
    string | null,
  ];
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
  const paid = paidAt == null ? null : Date.parse(paidAt);
  if (paid != null && paid > ctx.now + 60_000) issues.push([line, 'paidAt is in the future.']);
  else if (Date.parse(createdAt) > ctx.now + 60_000) issues.push([line, 'createdAt is in the future.']);
  else if (paid != null && Date.parse(createdAt) > paid + 60_000)
    issues.push([line, 'createdAt is after paidAt: a payment cannot precede its order.']);
  let total = 0;
  let qv = 0;
  let cv = 0;
  for (const [sku, quantity, unitPrice, unitQv, unitCv, at] of JSON.parse(
    linesJson ?? '[]',
  ) as StagedLine[]) {
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
    total += quantity * unit;
    onLine?.(p.id, quantity, unit, unitQv ?? p.qv, unitCv ?? p.cv);
    const v = lineVolume(
      { unit_qv: unitQv ?? p.qv, unit_cv: unitCv ?? p.cv, is_starter_kit: p.kit },
      quantity,
    );
    qv += v.qv;
    cv += v.cv;
  }
  if (issues.length > before) return null;
  return [
    part,
    line,
    distId!,
    custId,
    kind,
    currency!,
    total,
    qv,
    cv,
    status === 'PAID' ? ctx.periodOf(paidAt!) : null,
  ];
}
