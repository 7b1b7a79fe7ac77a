import { ForbiddenError } from '../../graphql/errors';
import type { Viewer } from '../auth/viewer';

/** Who wrote a row, as stored in created_by / author columns: 'distributor:5', 'staff:1', 'apikey:2'. */
export function actorOf(viewer: Viewer): string {
  switch (viewer.kind) {
    case 'DISTRIBUTOR':
      return `distributor:${viewer.distributorId}`;
    case 'ADMIN':
      return `staff:${viewer.staffId}`;
    case 'INTEGRATION':
      return `apikey:${viewer.apiKeyId}`;
    case 'SYSTEM':
      return viewer.actor;
    default:
      throw new ForbiddenError('Sign in first.');
  }
}

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
