// Every SQL statement of the compliance module: thresholds, the retail-versus-internal figures of a period,
// the below-threshold list, and the inputs of the income disclosure statement.
import { type KeysetPage, selectPage } from '../../lib/keyset';
import { COUNTS_AS_RETAIL_CUSTOMER } from '../commissions/periods/inputs';
import { sponsorSubtreeRange } from '../genealogy/paths';
import type { RetailVolume, Thresholds } from './model';
import type { complianceSettings } from './tables';

export type ComplianceSettingsRow = typeof complianceSettings.$inferSelect;

export async function loadThresholds(db: D1Database): Promise<Thresholds> {
  const row = await db
    .prepare('SELECT * FROM compliance_settings WHERE id = 1')
    .first<ComplianceSettingsRow>();
  if (!row) throw new Error('compliance_settings row is missing: migrations not applied?');
  return { minCustomerVolumeBp: row.min_customer_volume_bp, minRetailCustomers: row.min_retail_customers };
}

export function saveThresholds(db: D1Database, t: Thresholds, now: string): D1PreparedStatement {
  return db
    .prepare(
      'UPDATE compliance_settings SET min_customer_volume_bp = ?, min_retail_customers = ?, updated_at = ? WHERE id = 1',
    )
    .bind(t.minCustomerVolumeBp, t.minRetailCustomers, now);
}

const SUMS = `coalesce(sum(v.pv), 0) AS pv, coalesce(sum(v.cv), 0) AS cv,
  coalesce(sum(v.customer_pv), 0) AS customerPv, coalesce(sum(v.customer_cv), 0) AS customerCv`;

/** The company's volumes of a period (the live volume table: payments and refunds as they entered it). */
export async function companyVolume(
  db: D1Database,
  period: string,
): Promise<RetailVolume & { distributors: number; retailCustomers: number }> {
  const row = await db
    .prepare(
      `SELECT ${SUMS}, coalesce(sum(v.pv != 0 OR v.cv != 0), 0) AS distributors,
         (SELECT count(DISTINCT o.customer_id) FROM sales_order o WHERE o.period = ?1 AND ${COUNTS_AS_RETAIL_CUSTOMER})
           AS retailCustomers
       FROM volume v WHERE v.period = ?1`,
    )
    .bind(period)
    .first<RetailVolume & { distributors: number; retailCustomers: number }>();
  return row!;
}

/** The same per market (the distributor's country), markets with volume only. */
export async function marketVolumes(
  db: D1Database,
  period: string,
): Promise<(RetailVolume & { market: string; distributors: number })[]> {
  const { results } = await db
    .prepare(
      `SELECT d.country AS market, ${SUMS}, sum(v.pv != 0 OR v.cv != 0) AS distributors
       FROM volume v JOIN distributor d ON d.id = v.distributor_id
       WHERE v.period = ? AND (v.pv != 0 OR v.cv != 0) GROUP BY d.country ORDER BY d.country`,
    )
    .bind(period)
    .all<RetailVolume & { market: string; distributors: number }>();
  return results;
}

/** A member's own volumes of a period, and their distinct paying retail customers. */
export async function memberVolume(
  db: D1Database,
  distributorId: number,
  period: string,
): Promise<RetailVolume & { retailCustomers: number }> {
  const row = await db
    .prepare(
      `SELECT coalesce(v.pv, 0) AS pv, coalesce(v.cv, 0) AS cv, coalesce(v.customer_pv, 0) AS customerPv,
         coalesce(v.customer_cv, 0) AS customerCv,
         (SELECT count(DISTINCT o.customer_id) FROM sales_order o
          WHERE o.distributor_id = ?1 AND o.period = ?2 AND ${COUNTS_AS_RETAIL_CUSTOMER}) AS retailCustomers
       FROM (SELECT 1) LEFT JOIN volume v ON v.distributor_id = ?1 AND v.period = ?2`,
    )
    .bind(distributorId, period)
    .first<RetailVolume & { retailCustomers: number }>();
  return row!;
}

/** The volumes of a member's whole sponsor team (the member included) in a period. */
export async function teamVolume(
  db: D1Database,
  sponsorPath: string,
  period: string,
): Promise<RetailVolume & { distributors: number }> {
  const [lo, hi] = sponsorSubtreeRange(sponsorPath);
  const row = await db
    .prepare(
      `SELECT ${SUMS}, coalesce(sum(v.pv != 0 OR v.cv != 0), 0) AS distributors
       FROM distributor d JOIN volume v ON v.distributor_id = d.id AND v.period = ?3
       WHERE d.sponsor_path >= ?1 AND d.sponsor_path < ?2`,
    )
    .bind(lo, hi, period)
    .first<RetailVolume & { distributors: number }>();
  return row!;
}

export interface MemberFigureRow {
  distributor_id: number;
  pv: number;
  cv: number;
  customer_pv: number;
  customer_cv: number;
  retail_customers: number;
}

/**
 * One page (distributor id order) of the members with PV > 0 in the period who fall short of a threshold.
 * The retail customers of the period are counted once per page in one grouped statement.
 */
export function belowThresholdPage(
  db: D1Database,
  period: string,
  t: Thresholds,
  page: KeysetPage,
): Promise<MemberFigureRow[]> {
  const from = `(SELECT v.distributor_id, v.pv, v.cv, v.customer_pv, v.customer_cv, coalesce(rc.n, 0) AS retail_customers
    FROM volume v LEFT JOIN (SELECT o.distributor_id AS id, count(DISTINCT o.customer_id) AS n FROM sales_order o
      WHERE o.period = ? AND ${COUNTS_AS_RETAIL_CUSTOMER} GROUP BY o.distributor_id) rc ON rc.id = v.distributor_id
    WHERE v.period = ? AND v.pv > 0
      AND ((? IS NOT NULL AND 10000 * v.customer_pv < ? * v.pv) OR (? IS NOT NULL AND coalesce(rc.n, 0) < ?))) AS below`;
  const bp = t.minCustomerVolumeBp;
  const rc = t.minRetailCustomers;
  return selectPage<MemberFigureRow>(
    db,
    from,
    ['distributor_id'],
    'ASC',
    { where: [], params: [period, period, bp, bp, rc, rc].map((v) => v ?? (null as unknown as number)) },
    page,
  );
}

/**
 * What the period's orders say about starter kits and own purchases (net of the period's refunds): retail
 * profit on starter-kit units sold to customers, and CV of own (PERSONAL) and customer orders. For one member
 * (as the one the orders are attributed to) or the company (null).
 */
export async function orderAttribution(
  db: D1Database,
  period: string,
  distributorId: number | null,
): Promise<{ kitRetailProfit: number; kitCv: number; personalCv: number; customerCv: number }> {
  const row = await db
    .prepare(
      `WITH l AS (
         SELECT o.kind, ol.is_starter_kit AS kit, ol.quantity AS q, ol.unit_retail - ol.unit_wholesale AS profit, ol.unit_cv AS cv
         FROM sales_order o JOIN order_line ol ON ol.order_id = o.id
         WHERE o.period = ?1 AND o.paid_at IS NOT NULL AND (?2 IS NULL OR o.distributor_id = ?2)
         UNION ALL
         SELECT o.kind, ol.is_starter_kit, -json_extract(e.value, '$.quantity'), ol.unit_retail - ol.unit_wholesale, ol.unit_cv
         FROM refund r JOIN sales_order o ON o.id = r.order_id, json_each(r.lines) e
           JOIN order_line ol ON ol.id = json_extract(e.value, '$.lineId')
         WHERE r.period = ?1 AND (?2 IS NULL OR o.distributor_id = ?2))
       SELECT coalesce(sum(CASE WHEN kind = 'CUSTOMER' AND kit = 1 THEN q * profit END), 0) AS kitRetailProfit,
         coalesce(sum(CASE WHEN kit = 1 THEN q * cv END), 0) AS kitCv,
         coalesce(sum(CASE WHEN kind = 'PERSONAL' AND kit = 0 THEN q * cv END), 0) AS personalCv,
         coalesce(sum(CASE WHEN kind = 'CUSTOMER' AND kit = 0 THEN q * cv END), 0) AS customerCv
       FROM l`,
    )
    .bind(period, distributorId)
    .first<{ kitRetailProfit: number; kitCv: number; personalCv: number; customerCv: number }>();
  return row!;
}

/** Σ of a period's commission lines by kind of bonus: retail, and every volume-based part together. */
export async function commissionSplit(
  db: D1Database,
  period: string,
  distributorId: number | null,
): Promise<{ retail: number; volumeBased: number }> {
  const row = await db
    .prepare(
      `SELECT coalesce(sum(CASE WHEN bonus = 'retail' THEN amount END), 0) AS retail,
         coalesce(sum(CASE WHEN bonus != 'retail' THEN amount END), 0) AS volumeBased
       FROM commission_line WHERE period_id = ?1 AND (?2 IS NULL OR distributor_id = ?2)`,
    )
    .bind(period, distributorId)
    .first<{ retail: number; volumeBased: number }>();
  return row!;
}

export interface CommittedPeriod {
  id: string;
  starts_at: string;
  ends_at: string;
  plan_version_id: number;
  cap_applied: number;
}

/** The committed (or paid) periods between two period ids, inclusive, oldest first. */
export async function committedPeriods(db: D1Database, from: string, to: string): Promise<CommittedPeriod[]> {
  const { results } = await db
    .prepare(
      `SELECT id, starts_at, ends_at, plan_version_id, coalesce(json_extract(totals, '$.capApplied'), 0) AS cap_applied
       FROM commission_period WHERE id >= ? AND id <= ? AND status IN ('COMMITTED', 'PAID') ORDER BY id`,
    )
    .bind(from, to)
    .all<CommittedPeriod>();
  return results;
}

export interface ParticipantRow {
  id: number;
  /** JSON [[period, rankId], ...] of the member's paid-as ranks in the periods. */
  ranks: string;
  earnings: number;
  own_purchases: number;
  starter_kits: number;
}

const PARTICIPANT_PAGE = 5_000;

/**
 * One page (id order) of the participants of a range — everyone who was a distributor at any time in
 * [start, end): joined before its end and not terminated before its start — with their ledger earnings
 * (COMMISSION entries of the committed periods, plus adjustments made in [start, end)), paid-as ranks, and
 * costs: own purchases and starter kits bought in those periods, in the payout currency, net of refunds.
 */
export async function participantsPage(
  db: D1Database,
  q: {
    periods: string[];
    /** Those of `periods` whose order lines are archived: their costs come from archived_member_costs. */
    archived: string[];
    start: string;
    end: string;
    currency: string;
  },
  afterId: number,
): Promise<ParticipantRow[]> {
  const { results } = await db
    .prepare(
      `SELECT d.id,
         (SELECT json_group_array(json_array(r.period_id, r.paid_as_rank)) FROM period_result r
          WHERE r.distributor_id = d.id AND r.period_id IN (SELECT value FROM json_each(?1)) AND r.paid_as_rank IS NOT NULL)
           AS ranks,
         (SELECT coalesce(sum(e.amount), 0) FROM ledger_entry e WHERE e.distributor_id = d.id AND (
            (e.kind = 'COMMISSION' AND e.period_id IN (SELECT value FROM json_each(?1)))
            OR (e.kind = 'ADJUSTMENT' AND e.created_at >= ?2 AND e.created_at < ?3))) AS earnings,
         (SELECT coalesce(sum(CASE WHEN l.is_starter_kit = 0 THEN (l.quantity - l.refunded_quantity) * l.unit_price END), 0)
          FROM sales_order o JOIN order_line l ON l.order_id = o.id
          WHERE o.distributor_id = d.id AND o.kind = 'PERSONAL' AND o.paid_at IS NOT NULL AND o.currency = ?4
            AND o.period IN (SELECT value FROM json_each(?1)) AND o.period NOT IN (SELECT value FROM json_each(?7)))
         + (SELECT coalesce(sum(a.own_purchases), 0) FROM archived_member_costs a WHERE a.distributor_id = d.id
            AND a.currency = ?4 AND a.period_id IN (SELECT value FROM json_each(?7))) AS own_purchases,
         (SELECT coalesce(sum(CASE WHEN l.is_starter_kit = 1 THEN (l.quantity - l.refunded_quantity) * l.unit_price END), 0)
          FROM sales_order o JOIN order_line l ON l.order_id = o.id
          WHERE o.distributor_id = d.id AND o.kind = 'PERSONAL' AND o.paid_at IS NOT NULL AND o.currency = ?4
            AND o.period IN (SELECT value FROM json_each(?1)) AND o.period NOT IN (SELECT value FROM json_each(?7)))
         + (SELECT coalesce(sum(a.starter_kits), 0) FROM archived_member_costs a WHERE a.distributor_id = d.id
            AND a.currency = ?4 AND a.period_id IN (SELECT value FROM json_each(?7))) AS starter_kits
       FROM distributor d
       WHERE d.id > ?5 AND d.joined_at < ?3
         AND NOT (d.status = 'TERMINATED' AND EXISTS (SELECT 1 FROM genealogy_event g
           WHERE g.distributor_id = d.id AND g.kind = 'TERMINATE' AND g.created_at < ?2))
       ORDER BY d.id LIMIT ?6`,
    )
    .bind(
      JSON.stringify(q.periods),
      q.start,
      q.end,
      q.currency,
      afterId,
      PARTICIPANT_PAGE,
      JSON.stringify(q.archived),
    )
    .all<ParticipantRow>();
  return results;
}

/** Own orders in the range's periods paid in another currency than the payout currency (not in the costs). */
export async function otherCurrencyOrders(
  db: D1Database,
  periods: string[],
  currency: string,
): Promise<number> {
  const row = await db
    .prepare(
      `SELECT count(*) AS n FROM sales_order WHERE kind = 'PERSONAL' AND paid_at IS NOT NULL AND currency != ?2
         AND period IN (SELECT value FROM json_each(?1))`,
    )
    .bind(JSON.stringify(periods), currency)
    .first<{ n: number }>();
  return row!.n;
}
