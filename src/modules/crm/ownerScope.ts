import { listOwner } from '../auth/listOwner';
import type { Viewer } from '../auth/viewer';

/** The distributor a CRM list belongs to: a distributor's own; staff name one (or all when allowed). */
export function ownerScope(viewer: Viewer, requested: number | null): number | null {
  return listOwner(viewer, requested, 'CRM data');
}
