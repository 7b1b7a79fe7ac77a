import type { Viewer } from '../auth/viewer';
import type { DistributorRow, TreeKind } from './model';
import { isInPlacementSubtree, isInSponsorSubtree } from './paths';

// SPEC §5: a distributor sees themself and their downline in both trees. Of their upline they see only
// the sponsor's public profile, which is a separate type (PublicProfile) and never a Distributor.

type Located = Pick<DistributorRow, 'sponsor_path' | 'placement_path'>;

export function canViewDistributor(viewer: Viewer, target: Located): boolean {
  switch (viewer.kind) {
    case 'ADMIN':
      return true;
    case 'INTEGRATION':
      return viewer.scopes.includes('genealogy:read');
    case 'DISTRIBUTOR':
      return (
        isInSponsorSubtree(viewer.sponsorPath, target.sponsor_path) ||
        isInPlacementSubtree(viewer.placementPath, target.placement_path)
      );
    default:
      return false;
  }
}

/**
 * Whose public profile the viewer may see as someone's sponsor: anyone they can see, and a distributor's
 * own sponsor. Not the sponsor of any visible member — a spillover member placed in the viewer's
 * placement downline may have been enrolled by the viewer's grand-sponsor or further up.
 */
export function canViewPublicProfile(viewer: Viewer, target: Located & Pick<DistributorRow, 'id'>): boolean {
  if (viewer.kind === 'DISTRIBUTOR' && viewer.sponsorId === target.id) return true;
  return canViewDistributor(viewer, target);
}

/** A distributor may list the downline of a root only inside their own subtree of the same tree. */
export function canBrowseSubtree(viewer: Viewer, root: Located, tree: TreeKind): boolean {
  if (viewer.kind !== 'DISTRIBUTOR') return canViewDistributor(viewer, root);
  return tree === 'SPONSOR'
    ? isInSponsorSubtree(viewer.sponsorPath, root.sponsor_path)
    : isInPlacementSubtree(viewer.placementPath, root.placement_path);
}

/** How far up a viewer may follow an upline chain: a distributor stops at themself. */
export function uplineStopDepth(viewer: Viewer, tree: TreeKind): number {
  if (viewer.kind !== 'DISTRIBUTOR') return 0;
  return tree === 'SPONSOR' ? viewer.sponsorPath.split('.').length - 2 : viewer.placementPath.length;
}
