import { ValidationError } from '../../lib/errors';
import { type KeysetPage, keysetClauses, type SortValue } from '../../lib/keyset';
import { DISTRIBUTOR_COLUMNS, type DistributorRow, type TreeKind } from './model';
import { type Leg, legs } from './team';

// A member's legs by pages (the Relay connection `legsConnection`): the root of a large company has
// thousands of sponsor legs, and a screen shows the largest first.

/**
 * Sponsor legs: largest team first, then by id (the order of the `legs` list), as a keyset on
 * (-team_size, id). Placement legs: by position (a few per member, empty positions included).
 */
export function legSortKey(leg: Leg): SortValue[] {
  return leg.position === null ? [-(leg.size - 1), leg.root!.id] : [leg.position];
}

export async function legsPage(
  db: D1Database,
  member: DistributorRow,
  tree: TreeKind,
  width: () => Promise<number>,
  page: KeysetPage,
): Promise<Leg[]> {
  if (tree === 'SPONSOR') {
    const k = keysetClauses(['-team_size', 'id'], 'ASC', page);
    // The page's keys are picked by sorting (team size, id) of every leg; only the page's rows are then read
    // whole (the root of a large company has thousands of legs).
    const { results } = await db
      .prepare(
        `SELECT ${DISTRIBUTOR_COLUMNS} FROM distributor WHERE id IN (
           SELECT id FROM distributor WHERE sponsor_id = ? ${k.where.map((w) => `AND ${w}`).join(' ')}
           ORDER BY ${k.orderBy} LIMIT ?)
         ORDER BY ${k.orderBy}`,
      )
      .bind(member.id, ...k.params, k.limit)
      .all<DistributorRow>();
    return results.map((r) => ({ position: null, root: r, size: r.team_size + 1 }));
  }
  const all = await legs(db, member, tree, await width());
  // The same keyset rule in memory over the positions (the cursor is [position]).
  const k = keysetClauses(['position'], 'ASC', page);
  let i = 0;
  const after = page.after ? position(k.params[i++]) : null;
  const before = page.before ? position(k.params[i++]) : null;
  const inRange = all.filter(
    (l) => (after == null || l.position! > after) && (before == null || l.position! < before),
  );
  if (page.inverted) inRange.reverse();
  return inRange.slice(0, page.limit);
}

function position(value: SortValue): number {
  if (Number.isInteger(value)) return value as number;
  throw new ValidationError('Invalid cursor.', [
    {
      path: 'cursor',
      message: 'Use a cursor returned by this connection.',
      code: 'INVALID_FORMAT',
      params: { format: 'cursor' },
    },
  ]);
}
