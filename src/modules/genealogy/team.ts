import { selectByIds } from '../../lib/db';
import { monthInZone } from '../../lib/time';
import { DISTRIBUTOR_COLUMNS, type DistributorRow, type TreeKind } from './model';
import { placementAncestorPaths, sponsorPathIds } from './paths';

/** Ancestors of a member from the parent upward, at most up to `stopDepth` (0 = the root). */
export async function upline(
  db: D1Database,
  member: DistributorRow,
  tree: TreeKind,
  stopDepth: number,
): Promise<DistributorRow[]> {
  if (tree === 'SPONSOR') {
    const ids = sponsorPathIds(member.sponsor_path).slice(stopDepth, -1);
    const rows = await selectByIds<DistributorRow>(
      db,
      `SELECT ${DISTRIBUTOR_COLUMNS} FROM distributor WHERE id IN (SELECT value FROM json_each(?)) ORDER BY sponsor_depth DESC`,
      ids,
    );
    return rows;
  }
  const paths = placementAncestorPaths(member.placement_path).slice(stopDepth);
  return selectByIds<DistributorRow>(
    db,
    `SELECT ${DISTRIBUTOR_COLUMNS} FROM distributor WHERE placement_path IN (SELECT value FROM json_each(?)) ORDER BY placement_depth DESC`,
    paths,
  );
}

export interface Leg {
  position: number | null;
  root: DistributorRow | null;
  /** Members in the leg, its root included. */
  size: number;
}

/** Sponsor legs: one per personally sponsored member. Placement legs: one per position, empty ones too. */
export async function legs(
  db: D1Database,
  member: DistributorRow,
  tree: TreeKind,
  width: number,
): Promise<Leg[]> {
  if (tree === 'SPONSOR') {
    const { results } = await db
      .prepare(
        `SELECT ${DISTRIBUTOR_COLUMNS} FROM distributor WHERE sponsor_id = ? ORDER BY team_size DESC, id`,
      )
      .bind(member.id)
      .all<DistributorRow>();
    return results.map((r) => ({ position: null, root: r, size: r.team_size + 1 }));
  }
  const { results } = await db
    .prepare(`SELECT ${DISTRIBUTOR_COLUMNS} FROM distributor WHERE placement_parent_id = ?`)
    .bind(member.id)
    .all<DistributorRow>();
  return Array.from({ length: width }, (_, position) => {
    const root = results.find((r) => r.placement_position === position) ?? null;
    return { position, root, size: root ? root.placement_team_size + 1 : 0 };
  });
}

export interface TeamStatistics {
  memberId: number;
  teamSize: number;
  activeCount: number;
  newThisMonth: number;
  month: string;
  levels: { level: number; members: number }[];
}

/** Sponsor-tree statistics from the maintained counters: a few index lookups whatever the team's size. */
export async function teamStatistics(
  db: D1Database,
  member: DistributorRow,
  timeZone: string,
  now: Date,
): Promise<TeamStatistics> {
  const month = monthInZone(now, timeZone);
  const [levels, joins] = await db.batch([
    db
      .prepare('SELECT level, members FROM downline_level WHERE ancestor_id = ? ORDER BY level')
      .bind(member.id),
    db
      .prepare('SELECT members FROM downline_joins WHERE ancestor_id = ? AND month = ?')
      .bind(member.id, month),
  ]);
  return {
    memberId: member.id,
    teamSize: member.team_size,
    activeCount: member.team_active,
    newThisMonth: (joins.results[0] as { members: number } | undefined)?.members ?? 0,
    month,
    levels: levels.results as { level: number; members: number }[],
  };
}
