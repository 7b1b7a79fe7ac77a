// Reads behind the commission API: statements, their lines, results pages, balances, bank accounts and
// the lists staff browse — with the rule of who may read a member's money.

import { type KeysetPage, keysetClauses, type SortValue } from '../../lib/keyset';
import { commissionLines } from '../archive/periodRows';
import type { Viewer } from '../auth/viewer';
import { type PeriodRow, periodById } from './periods/repository';
import type { commissionLine, periodResult } from './tables';
import type { PlanVersionRow } from './versions/repository';

export type ResultRow = typeof periodResult.$inferSelect;
export type LineRow = typeof commissionLine.$inferSelect;

/** A member's statement, balance and bank account: the member themself and staff only. */
export function mayReadMoneyOf(viewer: Viewer, distributorId: number): boolean {
  return viewer.kind === 'ADMIN' || (viewer.kind === 'DISTRIBUTOR' && viewer.distributorId === distributorId);
}

/** A member's statement of a period, if the viewer may read it: distributors once it is committed. */
export async function readableStatement(
  db: D1Database,
  viewer: Viewer,
  periodId: string,
  distributorId: number,
): Promise<ResultRow | null> {
  if (!mayReadMoneyOf(viewer, distributorId)) return null;
  const period = await periodById(db, periodId);
  // Distributors see a statement once the period is committed; staff see it in review too.
  if (!period || (viewer.kind !== 'ADMIN' && !['COMMITTED', 'PAID'].includes(period.status))) return null;
  return db
    .prepare('SELECT * FROM period_result WHERE period_id = ? AND distributor_id = ?')
    .bind(periodId, distributorId)
    .first<ResultRow>();
}

/** A statement's lines, live or from the period's archive (archive/periodRows.ts). */
export function statementLines(db: D1Database, files: R2Bucket, statement: ResultRow): Promise<LineRow[]> {
  return commissionLines(db, files, statement.period_id, statement.distributor_id);
}

/** One page of a period's results, highest total first. */
export async function periodResultsPage(
  db: D1Database,
  periodId: string,
  page: KeysetPage,
): Promise<ResultRow[]> {
  const k = keysetClauses(['total', 'distributor_id'], 'DESC', page);
  const params: SortValue[] = [periodId, ...k.params];
  const where = ['period_id = ?', ...k.where].join(' AND ');
  const { results } = await db
    .prepare(`SELECT * FROM period_result WHERE ${where} ORDER BY ${k.orderBy} LIMIT ?`)
    .bind(...params, k.limit)
    .all<ResultRow>();
  return results;
}

/** Ledger balance (earned, adjusted, not yet paid), or null when the viewer may not read it. */
export async function readableBalance(
  db: D1Database,
  viewer: Viewer,
  distributorId: number,
): Promise<number | null> {
  if (!mayReadMoneyOf(viewer, distributorId)) return null;
  const row = await db
    .prepare('SELECT coalesce(sum(amount), 0) AS b FROM ledger_entry WHERE distributor_id = ?')
    .bind(distributorId)
    .first<{ b: number }>();
  return row!.b;
}

export async function readableBankAccount(
  db: D1Database,
  viewer: Viewer,
  distributorId: number,
): Promise<{ iban: string | null; bic: string | null } | null> {
  if (!mayReadMoneyOf(viewer, distributorId)) return null;
  return db
    .prepare('SELECT iban, bic FROM distributor WHERE id = ?')
    .bind(distributorId)
    .first<{ iban: string | null; bic: string | null }>();
}

export async function recentPlanVersions(db: D1Database): Promise<PlanVersionRow[]> {
  return (await db.prepare('SELECT * FROM plan_version ORDER BY id DESC LIMIT 100').all<PlanVersionRow>())
    .results;
}

export async function recentPeriods(db: D1Database): Promise<PeriodRow[]> {
  return (await db.prepare('SELECT * FROM commission_period ORDER BY id DESC LIMIT 36').all<PeriodRow>())
    .results;
}
