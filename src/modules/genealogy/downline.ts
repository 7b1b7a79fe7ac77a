import { type KeysetPage, keysetClauses, likeContains, type SortValue } from '../../lib/keyset';
import type { DistributorStatus } from '../auth/accountStatus';
import { DISTRIBUTOR_COLUMNS, type DistributorRow, type TreeKind } from './model';

export type DownlineOrder = 'TREE' | 'DEPTH' | 'JOINED_AT' | 'NAME';

export interface DownlineFilter {
  statuses?: DistributorStatus[] | null;
  countries?: string[] | null;
  joinedFrom?: string | null;
  joinedBefore?: string | null;
  search?: string | null;
  minLifetimeRank?: number | null;
}

export interface DownlineQuery {
  rootId: number;
  tree: TreeKind;
  maxDepth?: number | null;
  filter?: DownlineFilter | null;
  orderBy: DownlineOrder;
  direction: 'ASC' | 'DESC';
}

/** search_name is selected too: it is part of the NAME order's cursor. */
export type DownlineRow = DistributorRow & { level: number; search_name: string };

export function downlineSortColumns(tree: TreeKind, order: DownlineOrder): string[] {
  const path = tree === 'SPONSOR' ? 'sponsor_path' : 'placement_path';
  const depth = tree === 'SPONSOR' ? 'sponsor_depth' : 'placement_depth';
  switch (order) {
    case 'TREE':
      return [path];
    case 'DEPTH':
      return [depth, path];
    case 'JOINED_AT':
      return ['joined_at', 'id'];
    case 'NAME':
      return ['search_name', 'id'];
  }
}

export function downlineSortKey(row: DistributorRow, columns: string[]): SortValue[] {
  return columns.map((c) => (row as unknown as Record<string, SortValue>)[c]);
}

/**
 * One page of a member's downline: a range scan of the subtree's path index plus filters. The root's path
 * and depth are read by scalar subqueries, so the statement can travel in one batch with the root's own
 * row (one round trip for the whole page).
 */
export function downlinePageStatement(
  db: D1Database,
  q: DownlineQuery,
  page: KeysetPage,
): D1PreparedStatement {
  const sponsor = q.tree === 'SPONSOR';
  const pathCol = sponsor ? 'sponsor_path' : 'placement_path';
  const depthCol = sponsor ? 'sponsor_depth' : 'placement_depth';
  const root = (expr: string) => `(SELECT ${expr} FROM distributor WHERE id = ?1)`;
  const hi = sponsor
    ? root("substr(sponsor_path, 1, length(sponsor_path) - 1) || '/'")
    : root("placement_path || '~'");

  const where = [`${pathCol} > ${root(pathCol)}`, `${pathCol} < ${hi}`];
  const params: SortValue[] = [q.rootId];
  if (q.maxDepth != null) {
    where.push(`${depthCol} <= ${root(depthCol)} + ?`);
    params.push(q.maxDepth);
  }
  const f = q.filter ?? {};
  if (f.statuses?.length) {
    where.push('status IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(f.statuses));
  }
  if (f.countries?.length) {
    where.push('country IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(f.countries.map((c) => c.toUpperCase())));
  }
  if (f.joinedFrom) {
    where.push('joined_at >= ?');
    params.push(f.joinedFrom);
  }
  if (f.joinedBefore) {
    where.push('joined_at < ?');
    params.push(f.joinedBefore);
  }
  if (f.search?.trim()) {
    where.push(`(search_name LIKE ? ESCAPE '\\' OR email LIKE ? ESCAPE '\\' OR referral_code = ?)`);
    const pattern = likeContains(f.search.trim());
    params.push(pattern, pattern, f.search.trim().toUpperCase());
  }
  if (f.minLifetimeRank != null) {
    where.push('lifetime_rank >= ?');
    params.push(f.minLifetimeRank);
  }
  const keyset = keysetClauses(downlineSortColumns(q.tree, q.orderBy), q.direction, page);
  where.push(...keyset.where);
  params.push(...keyset.params);

  const sql = `SELECT ${DISTRIBUTOR_COLUMNS}, search_name, ${depthCol} - ${root(depthCol)} AS level FROM distributor
    WHERE ${where.join(' AND ')} ORDER BY ${keyset.orderBy} LIMIT ?`;
  return db.prepare(sql).bind(...params, keyset.limit);
}

export async function downlinePage(
  db: D1Database,
  q: DownlineQuery,
  page: KeysetPage,
): Promise<DownlineRow[]> {
  return (await downlinePageStatement(db, q, page).all<DownlineRow>()).results;
}
