import { type KeysetPage, keysetClauses, likeContains, type SortValue } from '../../lib/keyset';
import { DISTRIBUTOR_COLUMNS, type DistributorRow, type DistributorStatus, type TreeKind } from './model';
import { placementSubtreeRange, sponsorSubtreeRange } from './paths';

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
  root: Pick<DistributorRow, 'sponsor_path' | 'sponsor_depth' | 'placement_path' | 'placement_depth'>;
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

/** One page of a member's downline: a range scan of the subtree's path index plus filters. */
export async function downlinePage(
  db: D1Database,
  q: DownlineQuery,
  page: KeysetPage,
): Promise<DownlineRow[]> {
  const sponsor = q.tree === 'SPONSOR';
  const pathCol = sponsor ? 'sponsor_path' : 'placement_path';
  const depthCol = sponsor ? 'sponsor_depth' : 'placement_depth';
  const rootPath = sponsor ? q.root.sponsor_path : q.root.placement_path;
  const rootDepth = sponsor ? q.root.sponsor_depth : q.root.placement_depth;
  const [lo, hi] = sponsor ? sponsorSubtreeRange(rootPath) : placementSubtreeRange(rootPath);

  const where = [`${pathCol} > ?`, `${pathCol} < ?`];
  const params: SortValue[] = [lo, hi];
  if (q.maxDepth != null) {
    where.push(`${depthCol} <= ?`);
    params.push(rootDepth + q.maxDepth);
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

  const sql = `SELECT ${DISTRIBUTOR_COLUMNS}, search_name, ${depthCol} - ? AS level FROM distributor
    WHERE ${where.join(' AND ')} ORDER BY ${keyset.orderBy} LIMIT ?`;
  const { results } = await db
    .prepare(sql)
    .bind(rootDepth, ...params, keyset.limit)
    .all<DownlineRow>();
  return results;
}
