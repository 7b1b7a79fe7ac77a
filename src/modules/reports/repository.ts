// Every read of the reports: a handful of rows of the maintained counters, keyed by scope and month — never
// the orders, leads, messages or the tree themselves. The company reads the live counters (scope 0, migration
// 0024); a team reads the rollups of its committed periods (report_team_*, migration 0031, scope = its top member).
import { ValidationError } from '../../lib/errors';
import type { MonthRange, Scope } from './model';
import { scopeId } from './model';

type Counter = 'cohort' | 'lead_funnel' | 'lead_contact' | 'message' | 'message_ordered';

/** The counter table a scope reads: the company's live one, or the teams' rollup. */
const counterTable = (s: Scope, name: Counter) =>
  s.distributorId == null ? `report_${name}` : `report_team_${name}`;

export interface SalesRow {
  period: string;
  market: string;
  productId: number;
  sku: string;
  currency: string;
  kind: string;
  quantity: number;
  amount: number;
  qv: number;
  cv: number;
}

/** Sales per period × market × product × currency × order kind: the company's, or a team's rollup. */
export async function sales(db: D1Database, s: Scope, r: MonthRange): Promise<SalesRow[]> {
  const team = s.distributorId != null;
  const { results } = await db
    .prepare(
      `SELECT s.period, s.market, s.product_id AS productId, coalesce(p.sku, '') AS sku, s.currency, s.kind, s.quantity,
         s.amount, s.qv, s.cv
       FROM ${team ? 'report_team_sales' : 'report_sales'} s LEFT JOIN product p ON p.id = s.product_id
       WHERE ${team ? 's.scope_id = ?3 AND ' : ''}s.period BETWEEN ?1 AND ?2
       ORDER BY s.period, s.market, p.sku, s.currency, s.kind`,
    )
    .bind(...[r.from, r.to, ...(team ? [scopeId(s)] : [])])
    .all<SalesRow>();
  return results;
}

export interface TeamVolumeRow {
  period: string;
  /** The whole team's QV/CV (the distributor included). */
  groupQv: number;
  groupCv: number;
  /** The distributor's own QV/CV, and the part of it from their customers' orders. */
  ownQv: number;
  ownCv: number;
  ownCustomerQv: number;
  ownCustomerCv: number;
}

/** A distributor's team volume per period: the live volume rows the orders and the tree keep. */
export async function teamVolumes(
  db: D1Database,
  distributorId: number,
  r: MonthRange,
): Promise<TeamVolumeRow[]> {
  const { results } = await db
    .prepare(
      `SELECT period, gv AS groupQv, gcv AS groupCv, pv AS ownQv, cv AS ownCv, customer_pv AS ownCustomerQv,
         customer_cv AS ownCustomerCv
       FROM volume WHERE distributor_id = ? AND period BETWEEN ? AND ? ORDER BY period`,
    )
    .bind(distributorId, r.from, r.to)
    .all<TeamVolumeRow>();
  return results;
}

/**
 * Enrollments by join month: the members of the scope's downline (kept by the genealogy in downline_joins);
 * for the company, the root's downline plus the root itself (`root`: its id and join month).
 */
export async function enrollments(
  db: D1Database,
  s: Scope,
  r: MonthRange,
  root: { id: number; month: string } | null,
): Promise<Map<string, number>> {
  const ancestor = s.distributorId ?? root?.id ?? 0;
  const { results } = await db
    .prepare('SELECT month, members FROM downline_joins WHERE ancestor_id = ? AND month BETWEEN ? AND ?')
    .bind(ancestor, r.from, r.to)
    .all<{ month: string; members: number }>();
  const out = new Map(results.map((x) => [x.month, x.members]));
  if (s.distributorId == null && root && root.month >= r.from && root.month <= r.to)
    out.set(root.month, (out.get(root.month) ?? 0) + 1);
  return out;
}

/** The root member: its id and when it joined. */
export async function rootMember(db: D1Database): Promise<{ id: number; joined_at: string } | null> {
  return db
    .prepare('SELECT id, joined_at FROM distributor WHERE sponsor_id IS NULL ORDER BY id LIMIT 1')
    .first<{ id: number; joined_at: string }>();
}

export async function terminations(db: D1Database, s: Scope, r: MonthRange): Promise<Map<string, number>> {
  const { results } = await db
    .prepare('SELECT month, members FROM report_terminations WHERE scope_id = ? AND month BETWEEN ? AND ?')
    .bind(scopeId(s), r.from, r.to)
    .all<{ month: string; members: number }>();
  return new Map(results.map((x) => [x.month, x.members]));
}

export async function cohortCounts(db: D1Database, s: Scope, r: MonthRange) {
  const { results } = await db
    .prepare(
      `SELECT cohort, month, customers FROM ${counterTable(s, 'cohort')}
       WHERE scope_id = ? AND cohort BETWEEN ? AND ? AND month <= ? AND customers != 0`,
    )
    .bind(scopeId(s), r.from, r.to, r.to)
    .all<{ cohort: string; month: string; customers: number }>();
  return results;
}

export interface RankRow {
  period: string;
  rank: string | null;
  members: number;
}

/**
 * Paid-as ranks of the committed periods of the range. A range without a committed period is a
 * ValidationError (there is nothing to report, not zero members).
 */
export async function rankDistribution(db: D1Database, s: Scope, r: MonthRange): Promise<RankRow[]> {
  const { results } = await db
    .prepare(
      `SELECT p.id AS period, x.rank, x.members FROM commission_period p
       LEFT JOIN report_rank x ON x.period = p.id AND x.scope_id = ?1
       WHERE p.id BETWEEN ?2 AND ?3 AND p.status IN ('COMMITTED', 'PAID') ORDER BY p.id, x.rank`,
    )
    .bind(scopeId(s), r.from, r.to)
    .all<{ period: string; rank: string | null; members: number | null }>();
  if (results.length === 0)
    throw new ValidationError(`No committed period between ${r.from} and ${r.to}.`, [
      { path: 'from', message: 'No committed period in the range.', code: 'INVALID_VALUE' },
    ]);
  return results
    .filter((x) => x.members != null)
    .map((x) => ({ period: x.period, rank: x.rank === '' ? null : x.rank, members: x.members! }));
}

export async function leadFunnelCounts(db: D1Database, s: Scope, r: MonthRange) {
  const id = scopeId(s);
  const [funnel, contact] = await db.batch<Record<string, string | number>>([
    db
      .prepare(
        `SELECT source, campaign, stage, sum(leads) AS leads FROM ${counterTable(s, 'lead_funnel')}
         WHERE scope_id = ? AND month BETWEEN ? AND ? GROUP BY source, campaign, stage`,
      )
      .bind(id, r.from, r.to),
    db
      .prepare(
        `SELECT source, campaign, hours, sum(leads) AS leads FROM ${counterTable(s, 'lead_contact')}
         WHERE scope_id = ? AND month BETWEEN ? AND ? GROUP BY source, campaign, hours`,
      )
      .bind(id, r.from, r.to),
  ]);
  return {
    funnel: funnel.results as { source: string; campaign: string; stage: number; leads: number }[],
    contact: contact.results as { source: string; campaign: string; hours: number; leads: number }[],
  };
}

export interface MessageRow {
  channel: string;
  template: string;
  sent: number;
  delivered: number;
  failed: number;
  optedOut: number;
  replied: number;
  ordered: number;
}

/** Message counters of the months queued in the range, per channel and template. */
export async function messageCounts(
  db: D1Database,
  s: Scope,
  r: MonthRange,
  days: number,
): Promise<MessageRow[]> {
  const { results } = await db
    .prepare(
      `SELECT channel, template, sum(sent) AS sent, sum(delivered) AS delivered, sum(failed) AS failed,
         sum(opted_out) AS optedOut, sum(replied) AS replied, sum(ordered) AS ordered FROM (
         SELECT channel, template, sent, delivered, failed, opted_out, replied, 0 AS ordered FROM ${counterTable(s, 'message')}
         WHERE scope_id = ?1 AND month BETWEEN ?2 AND ?3
         UNION ALL
         SELECT channel, template, 0, 0, 0, 0, 0, messages FROM ${counterTable(s, 'message_ordered')}
         WHERE scope_id = ?1 AND month BETWEEN ?2 AND ?3 AND days <= ?4
       ) GROUP BY channel, template ORDER BY channel, template`,
    )
    .bind(scopeId(s), r.from, r.to, days)
    .all<MessageRow>();
  return results;
}
