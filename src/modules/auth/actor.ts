import { ForbiddenError } from '../../lib/errors';
import type { Viewer } from './viewer';

/**
 * Who wrote a row, as stored in created_by / author / actor columns: 'distributor:5', 'staff:1',
 * 'apikey:2', or a SYSTEM actor such as 'autoship:7'. The one spelling of every actor column; an
 * anonymous caller writes nothing.
 */
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
