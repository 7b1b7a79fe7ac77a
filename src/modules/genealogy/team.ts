import { atomic } from '../../lib/db';
import { monthInZone } from '../../lib/time';
import { DISTRIBUTOR_COLUMNS, type DistributorRow, type TreeKind } from './model';

/** Every distributor column but sponsor_path: an ancestor's path is a prefix of the member's (uplineFrom). */
const COLUMNS_WITHOUT_SPONSOR_PATH = DISTRIBUTOR_COLUMNS.replace('sponsor_path, ', '');

/**
 * Ancestors of a member from the parent upward, walked by parent id (one primary-key step per level), as
 * one statement so that it can share a batch with the member's own row. In the sponsor tree the rows come
 * without sponsor_path (a third of the bytes of a 90-deep chain at 1M): uplineFrom rebuilds it.
 */
export function uplineStatement(db: D1Database, memberId: number, tree: TreeKind): D1PreparedStatement {
  const parent = tree === 'SPONSOR' ? 'sponsor_id' : 'placement_parent_id';
  const depth = tree === 'SPONSOR' ? 'sponsor_depth' : 'placement_depth';
  const columns = tree === 'SPONSOR' ? COLUMNS_WITHOUT_SPONSOR_PATH : DISTRIBUTOR_COLUMNS;
  return db
    .prepare(
      `WITH RECURSIVE up(id) AS (
         SELECT ${parent} FROM distributor WHERE id = ?1 AND ${parent} IS NOT NULL
         UNION ALL
         SELECT d.${parent} FROM up JOIN distributor d ON d.id = up.id WHERE d.${parent} IS NOT NULL)
       SELECT ${columns} FROM distributor WHERE id IN (SELECT id FROM up) ORDER BY ${depth} DESC`,
    )
    .bind(memberId);
}

/**
 * The part of an upline (rows of uplineStatement) at or below `stopDepth` (0 = up to the root). Sponsor
 * ancestors get their sponsor_path back from the member's: the one at depth d has its first d + 1 segments.
 */
export function uplineFrom(
  rows: DistributorRow[],
  tree: TreeKind,
  stopDepth: number,
  member: Pick<DistributorRow, 'sponsor_path'>,
): DistributorRow[] {
  if (tree === 'PLACEMENT') return rows.filter((r) => r.placement_depth >= stopDepth);
  const ends: number[] = [];
  for (let i = 0; i < member.sponsor_path.length; i++) if (member.sponsor_path[i] === '.') ends.push(i + 1);
  const kept: DistributorRow[] = [];
  for (const r of rows)
    if (r.sponsor_depth >= stopDepth)
      kept.push({ ...r, sponsor_path: member.sponsor_path.slice(0, ends[r.sponsor_depth]) });
  return kept;
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

/**
 * Sponsor-tree statistics from the maintained counters: a few index lookups whatever the team's size, in
 * one batch. The company's month depends on its time zone, which the same batch reads, so the join counts
 * of the UTC months around now are read and the right one is picked afterwards.
 */
export async function teamStatistics(
  db: D1Database,
  member: DistributorRow,
  now: Date,
): Promise<TeamStatistics> {
  const utc = now.toISOString().slice(0, 7);
  const shift = (months: number) => {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + months, 1));
    return d.toISOString().slice(0, 7);
  };
  const [settings, levels, joins] = await atomic(db, [
    db.prepare('SELECT time_zone FROM company_settings WHERE id = 1'),
    db
      .prepare('SELECT level, members FROM downline_level WHERE ancestor_id = ? ORDER BY level')
      .bind(member.id),
    db
      .prepare('SELECT month, members FROM downline_joins WHERE ancestor_id = ? AND month IN (?, ?, ?)')
      .bind(member.id, shift(-1), utc, shift(1)),
  ]);
  const month = monthInZone(now, (settings.results[0] as { time_zone: string }).time_zone);
  const joined = (joins.results as { month: string; members: number }[]).find((j) => j.month === month);
  return {
    memberId: member.id,
    teamSize: member.team_size,
    activeCount: member.team_active,
    newThisMonth: joined?.members ?? 0,
    month,
    levels: levels.results as { level: number; members: number }[],
  };
}
