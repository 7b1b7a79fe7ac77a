import { ForbiddenError } from '../../lib/errors';
import type { Viewer } from '../auth/viewer';

/** The distributor a CRM list belongs to: a distributor's own; staff name one (or all when allowed). */
export function ownerScope(viewer: Viewer, requested: number | null): number | null {
  if (viewer.kind === 'DISTRIBUTOR') {
    if (requested != null && requested !== viewer.distributorId)
      throw new ForbiddenError('You see only your own CRM data.');
    return viewer.distributorId;
  }
  if (viewer.kind === 'ADMIN') return requested;
  throw new ForbiddenError();
}
