// Who may read which scope: staff any (the company, or a distributor's team); a distributor their own team.

import { ForbiddenError, NotFoundError } from '../../lib/errors';
import type { Viewer } from '../auth/viewer';
import type { Scope } from './model';

export async function reportScope(
  db: D1Database,
  viewer: Viewer,
  distributorId: number | null,
): Promise<Scope> {
  if (viewer.kind === 'DISTRIBUTOR') {
    if (distributorId != null && distributorId !== viewer.distributorId)
      throw new ForbiddenError('A distributor sees the reports of their own team only.');
    return { distributorId: viewer.distributorId };
  }
  if (viewer.kind !== 'ADMIN') throw new ForbiddenError('Reports are for staff and distributors.');
  if (distributorId == null) return { distributorId: null };
  const found = await db.prepare('SELECT 1 AS ok FROM distributor WHERE id = ?').bind(distributorId).first();
  if (!found) throw new NotFoundError('Distributor not found.');
  return { distributorId };
}
