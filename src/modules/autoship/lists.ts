// The autoship lists: a distributor's (their own and their customers'), all for staff, and one
// autoship's order runs.
import { ForbiddenError } from '../../lib/errors';
import { type KeysetPage, type PageFilter, selectPage } from '../../lib/keyset';
import type { Viewer } from '../auth/viewer';
import type { AutoshipRow } from './repository';
import type { autoshipRun } from './tables';

export type AutoshipRunRow = typeof autoshipRun.$inferSelect;

export function autoshipsPage(
  db: D1Database,
  viewer: Viewer,
  customerId: number | null,
  page: KeysetPage,
): Promise<AutoshipRow[]> {
  if (viewer.kind !== 'DISTRIBUTOR' && viewer.kind !== 'ADMIN') throw new ForbiddenError();
  const filter: PageFilter = { where: [], params: [] };
  if (viewer.kind === 'DISTRIBUTOR') {
    filter.where.push('distributor_id = ?');
    filter.params.push(viewer.distributorId);
  }
  if (customerId != null) {
    filter.where.push('customer_id = ?');
    filter.params.push(customerId);
  }
  return selectPage<AutoshipRow>(db, 'autoship', ['id'], 'DESC', filter, page);
}

/** Orders made so far, newest first (at most 24). */
export async function autoshipRuns(db: D1Database, autoshipId: number): Promise<AutoshipRunRow[]> {
  const { results } = await db
    .prepare('SELECT * FROM autoship_run WHERE autoship_id = ? ORDER BY due_date DESC LIMIT 24')
    .bind(autoshipId)
    .all<AutoshipRunRow>();
  return results;
}
