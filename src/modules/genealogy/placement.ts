import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors';
import { type CompanySettings, placementWidth } from '../company/settings';
import type { DistributorRow } from './model';
import { childPlacementPath, isInPlacementSubtree, positionDigit } from './paths';
import { distributorById } from './reads';

export interface PlacementSlot {
  parentId: number;
  parentPath: string;
  position: number;
  path: string;
  depth: number;
  /** Whether the parent has no free position once this slot is taken. */
  parentFullAfter: boolean;
}

export interface PlacementRequest {
  parentId?: number | null;
  position?: number | null;
  leg?: 'LEFT' | 'RIGHT' | null;
}

/** SPEC §1: explicit placement inside the sponsor's placement downline, or auto-placement. */
export async function choosePlacement(
  db: D1Database,
  settings: CompanySettings,
  sponsor: DistributorRow,
  request: PlacementRequest,
): Promise<PlacementSlot> {
  const width = placementWidth(settings);
  if (request.parentId != null || request.position != null) {
    if (request.parentId == null || request.position == null)
      throw new ValidationError('Explicit placement needs both a parent and a position.', [
        { path: 'placement', message: 'Give placementParentId and placementPosition together.' },
      ]);
    return explicitSlot(db, width, sponsor, request.parentId, request.position);
  }
  if (settings.placementKind === 'BINARY') {
    if (request.leg) return outermostSlot(db, sponsor, request.leg === 'LEFT' ? 0 : 1);
    // Both outer edges are read alongside the leg sizes (the reads overlap): one round trip, not two.
    const [leg, left, right] = await Promise.all([
      weakerLeg(db, sponsor),
      outermostSlot(db, sponsor, 0),
      outermostSlot(db, sponsor, 1),
    ]);
    return leg === 0 ? left : right;
  }
  if (request.leg)
    throw new ValidationError('A leg applies only to binary plans.', [
      { path: 'leg', message: 'Not a binary plan.' },
    ]);
  return breadthFirstSlot(db, width, sponsor);
}

async function explicitSlot(
  db: D1Database,
  width: number,
  sponsor: DistributorRow,
  parentId: number,
  position: number,
): Promise<PlacementSlot> {
  if (position < 0 || position >= width)
    throw new ValidationError('Placement position out of range.', [
      {
        path: 'placementPosition',
        message: `Use 0 to ${width - 1}.`,
        code: 'INVALID_VALUE',
        params: { min: 0, max: width - 1 },
      },
    ]);
  const parent = await distributorById(db, parentId);
  if (!parent) throw new NotFoundError('Placement parent not found.');
  if (!isInPlacementSubtree(sponsor.placement_path, parent.placement_path))
    throw new ConflictError(
      'The placement parent must be the sponsor or in the sponsor’s placement downline.',
      'PLACEMENT_OUTSIDE_SPONSOR',
    );
  const taken = await db
    .prepare('SELECT 1 FROM distributor WHERE placement_parent_id = ? AND placement_position = ?')
    .bind(parentId, position)
    .first();
  if (taken) throw new ConflictError('That placement position is taken.', 'POSITION_TAKEN');
  return slot(parent, position, width);
}

function slot(
  parent: Pick<DistributorRow, 'id' | 'placement_path' | 'placement_depth' | 'placement_child_count'>,
  position: number,
  width: number,
): PlacementSlot {
  return {
    parentId: parent.id,
    parentPath: parent.placement_path,
    position,
    path: childPlacementPath(parent.placement_path, position),
    depth: parent.placement_depth + 1,
    parentFullAfter: parent.placement_child_count + 1 >= width,
  };
}

/** Binary: the leg with the smaller placement team (an empty leg first; LEFT on a tie). */
async function weakerLeg(db: D1Database, sponsor: DistributorRow): Promise<0 | 1> {
  const { results } = await db
    .prepare(
      'SELECT placement_position AS pos, placement_team_size + 1 AS size FROM distributor WHERE placement_parent_id = ?',
    )
    .bind(sponsor.id)
    .all<{ pos: number; size: number }>();
  const size = [0, 0];
  for (const r of results) size[r.pos] = r.size;
  return size[1] < size[0] ? 1 : 0;
}

/** Binary: follow the chosen side down from the sponsor to the outermost member; place beside it. */
async function outermostSlot(db: D1Database, sponsor: DistributorRow, leg: 0 | 1): Promise<PlacementSlot> {
  const digit = positionDigit(leg);
  // The outer chain is contiguous (p, p+d, p+dd, ...), so walk it with a recursive CTE over the unique path index.
  const row = await db
    .prepare(
      `WITH RECURSIVE chain(p) AS (
         SELECT ?1
         UNION ALL
         SELECT chain.p || ?2 FROM chain WHERE EXISTS (SELECT 1 FROM distributor WHERE placement_path = chain.p || ?2)
       )
       SELECT d.id, d.placement_path, d.placement_depth, d.placement_child_count
       FROM distributor d WHERE d.placement_path = (SELECT p FROM chain ORDER BY length(p) DESC LIMIT 1)`,
    )
    .bind(sponsor.placement_path, digit)
    .first<DistributorRow>();
  if (!row) throw new Error('outer chain lost its end');
  return slot(row, leg, 2);
}

/** Matrix: breadth-first, left to right, under the sponsor: the first member with a free position. */
async function breadthFirstSlot(
  db: D1Database,
  width: number,
  sponsor: DistributorRow,
): Promise<PlacementSlot> {
  const lo = sponsor.placement_path;
  const hi = sponsor.placement_path + '~';
  for (let depth = sponsor.placement_depth; ; depth++) {
    const open = await db
      .prepare(
        `SELECT id, placement_path, placement_depth, placement_child_count FROM distributor
         WHERE placement_open = 1 AND placement_depth = ? AND placement_path >= ? AND placement_path < ?
         ORDER BY placement_path LIMIT 1`,
      )
      .bind(depth, lo, hi)
      .first<DistributorRow>();
    if (open) {
      const { results } = await db
        .prepare(
          'SELECT placement_position AS pos FROM distributor WHERE placement_parent_id = ? ORDER BY placement_position',
        )
        .bind(open.id)
        .all<{ pos: number }>();
      let position = 0;
      for (const r of results) if (r.pos === position) position++;
      return slot(open, position, width);
    }
    if (depth > sponsor.placement_depth + 100_000) throw new Error('no open placement position found');
  }
}
