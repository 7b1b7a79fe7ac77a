// Reads behind the commission API: statements, their lines, results pages, balances, bank accounts and
// the lists staff browse — with the rule of who may read a member's money.

import { decodeCursor, type KeysetPage, keysetClauses, type SortValue } from '../../lib/keyset';
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

/**
 * One page of a period's results, highest total first (total, then distributor id, both descending).
 * The index behind it (period_result_earned, migration 0035) holds only the rows with a total: most members
 * earn nothing, and the close should not maintain an index entry for each of them. So a page is read in up to
 * three parts in page order — totals above zero from that index, the zero totals by primary key (distributor id),
 * totals below zero from that index — each part only for what the ones before it left of the page.
 */
export async function periodResultsPage(
  db: D1Database,
  periodId: string,
  page: KeysetPage,
): Promise<ResultRow[]> {
  const parts = page.inverted ? [below, zero, above] : [above, zero, below];
  const rows: ResultRow[] = [];
  for (const part of parts) {
    const want = page.limit - rows.length;
    if (want <= 0) break;
    const query = part(db, periodId, page, want);
    if (query) rows.push(...(await query.all<ResultRow>()).results);
  }
  return rows;
}

const above = (db: D1Database, periodId: string, page: KeysetPage, limit: number) =>
  earnedPart(db, periodId, page, limit, 'total > 0');
const below = (db: D1Database, periodId: string, page: KeysetPage, limit: number) =>
  earnedPart(db, periodId, page, limit, 'total < 0');

/** Rows with a total of one sign, from the partial index (its condition `total != 0` is repeated so it is used). */
function earnedPart(db: D1Database, periodId: string, page: KeysetPage, limit: number, sign: string) {
  const k = keysetClauses(['total', 'distributor_id'], 'DESC', page);
  const where = ['period_id = ?', 'total != 0', sign, ...k.where].join(' AND ');
  return db
    .prepare(`SELECT * FROM period_result WHERE ${where} ORDER BY ${k.orderBy} LIMIT ?`)
    .bind(periodId, ...k.params, limit);
}

/** Rows with a zero total, in distributor id order within the page's cursors (null: the cursors leave none). */
function zero(db: D1Database, periodId: string, page: KeysetPage, limit: number) {
  const where = ['period_id = ?', 'total = 0'];
  const params: SortValue[] = [periodId];
  // Descending order: after (t, d) keeps (0, id) < (t, d); before (t, d) keeps (0, id) > (t, d).
  for (const [cursor, keep] of [
    [page.after, 'below'],
    [page.before, 'above'],
  ] as const) {
    if (!cursor) continue;
    const [total, id] = decodeCursor(cursor, 2);
    const zeroIsBelow = Number(total) > 0;
    if (Number(total) === 0) {
      where.push(keep === 'below' ? 'distributor_id < ?' : 'distributor_id > ?');
      params.push(id);
    } else if (zeroIsBelow !== (keep === 'below')) return null;
  }
  const order = page.inverted ? 'ASC' : 'DESC';
  return db
    .prepare(
      `SELECT * FROM period_result WHERE ${where.join(' AND ')} ORDER BY distributor_id ${order} LIMIT ?`,
    )
    .bind(...params, limit);
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
