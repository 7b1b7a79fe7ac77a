// Browsing the trees with the access rules applied: a downline page and an upline chain, each read in one
// round trip together with the member it starts from (needed for the access check).

import { atomic } from '../../lib/db';
import { ForbiddenError, NotFoundError } from '../../lib/errors';
import type { KeysetPage } from '../../lib/keyset';
import type { Viewer } from '../auth/viewer';
import { canBrowseSubtree, canViewDistributor, uplineStopDepth } from './access';
import { type DownlineQuery, type DownlineRow, downlinePageStatement } from './downline';
import { DISTRIBUTOR_COLUMNS, type DistributorRow, type TreeKind } from './model';
import { uplineFrom, uplineStatement } from './team';

/** Refuses a start member the viewer may not see, or whose subtree in that tree they may not browse. */
function checkBrowsable(viewer: Viewer, member: DistributorRow | undefined, tree: TreeKind): void {
  if (!member || !canViewDistributor(viewer, member)) throw new NotFoundError('Distributor not found.');
  if (!canBrowseSubtree(viewer, member, tree)) throw new ForbiddenError('Not in your downline in that tree.');
}

export async function browseDownline(
  db: D1Database,
  viewer: Viewer,
  q: DownlineQuery,
  page: KeysetPage,
): Promise<DownlineRow[]> {
  const [rootResult, pageResult] = await atomic(db, [
    db.prepare(`SELECT ${DISTRIBUTOR_COLUMNS} FROM distributor WHERE id = ?`).bind(q.rootId),
    downlinePageStatement(db, q, page),
  ]);
  checkBrowsable(viewer, rootResult.results[0] as DistributorRow | undefined, q.tree);
  return pageResult.results as DownlineRow[];
}

/** The chain above a member, parent first; a distributor sees it up to themself. */
export async function browseUpline(
  db: D1Database,
  viewer: Viewer,
  id: number,
  tree: TreeKind,
): Promise<DistributorRow[]> {
  const [memberResult, chain] = await atomic(db, [
    db.prepare(`SELECT ${DISTRIBUTOR_COLUMNS} FROM distributor WHERE id = ?`).bind(id),
    uplineStatement(db, id, tree),
  ]);
  const member = memberResult.results[0] as DistributorRow | undefined;
  checkBrowsable(viewer, member, tree);
  return uplineFrom(
    chain.results as DistributorRow[],
    tree,
    uplineStopDepth(viewer, tree),
    member as DistributorRow,
  );
}
