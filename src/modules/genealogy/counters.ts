// Statements that keep the maintained team counters right. Every write path of the genealogy composes
// them into its own atomic batch. "Histogram" = a member plus their sponsor downline, counted per
// relative level (level 0 = the member) or per join month.

const PLACEMENT_ANCESTORS = `WITH RECURSIVE pre(n) AS (SELECT 0 WHERE length(?1) > 0 UNION ALL SELECT n + 1 FROM pre WHERE n < length(?1) - 1)
  SELECT substr(?1, 1, n) FROM pre`;

/** [ancestorId, distance] pairs for a member at `depth` whose ancestors are `ancestorIds` (root first). */
export function ancestorDistances(ancestorIds: readonly number[], depth: number): [number, number][] {
  return ancestorIds.map((id, i) => [id, depth - i]);
}

/** team_size/team_active of the given members change by (size, active). */
export function bumpTeamCounters(
  db: D1Database,
  ids: readonly number[],
  size: number,
  active: number,
): D1PreparedStatement {
  return db
    .prepare(
      'UPDATE distributor SET team_size = team_size + ?2, team_active = team_active + ?3 WHERE id IN (SELECT value FROM json_each(?1))',
    )
    .bind(JSON.stringify(ids), size, active);
}

/**
 * Adds (sign = 1) or removes (sign = -1) the level histogram of member `memberId` to each ancestor,
 * shifted by that ancestor's distance. With `includeMember` false only the member's downline moves.
 */
export function shiftLevelHistogram(
  db: D1Database,
  memberId: number,
  ancestors: readonly [number, number][],
  sign: 1 | -1,
  includeMember = true,
): D1PreparedStatement[] {
  if (ancestors.length === 0) return [];
  const json = JSON.stringify(ancestors);
  return [
    db
      .prepare(
        `INSERT INTO downline_level (ancestor_id, level, members)
         SELECT json_extract(a.value, '$[0]'), json_extract(a.value, '$[1]') + h.level, ?3 * h.members
         FROM json_each(?1) a,
              (SELECT 0 AS level, 1 AS members WHERE ?4 UNION ALL SELECT level, members FROM downline_level WHERE ancestor_id = ?2) h
         WHERE true
         ON CONFLICT (ancestor_id, level) DO UPDATE SET members = members + excluded.members`,
      )
      .bind(json, memberId, sign, includeMember ? 1 : 0),
    db
      .prepare(
        `DELETE FROM downline_level WHERE members = 0
         AND ancestor_id IN (SELECT json_extract(value, '$[0]') FROM json_each(?1))`,
      )
      .bind(json),
  ];
}

/** Like shiftLevelHistogram, for join months (no shift: months do not depend on distance). */
export function shiftJoinHistogram(
  db: D1Database,
  memberId: number,
  memberJoinMonth: string,
  ancestorIds: readonly number[],
  sign: 1 | -1,
  includeMember = true,
): D1PreparedStatement[] {
  if (ancestorIds.length === 0) return [];
  const json = JSON.stringify(ancestorIds);
  return [
    db
      .prepare(
        `INSERT INTO downline_joins (ancestor_id, month, members)
         SELECT a.value, h.month, ?3 * h.members
         FROM json_each(?1) a,
              (SELECT ?4 AS month, 1 AS members WHERE ?5 UNION ALL SELECT month, members FROM downline_joins WHERE ancestor_id = ?2) h
         WHERE true
         ON CONFLICT (ancestor_id, month) DO UPDATE SET members = members + excluded.members`,
      )
      .bind(json, memberId, sign, memberJoinMonth, includeMember ? 1 : 0),
    db
      .prepare(
        'DELETE FROM downline_joins WHERE members = 0 AND ancestor_id IN (SELECT value FROM json_each(?1))',
      )
      .bind(json),
  ];
}

/** One new member at `depth` under `ancestorIds`: a single level/month row per ancestor. */
export function addNewMemberHistograms(
  db: D1Database,
  ancestorIds: readonly number[],
  depth: number,
  joinMonth: string,
): D1PreparedStatement[] {
  if (ancestorIds.length === 0) return [];
  return [
    db
      .prepare(
        `INSERT INTO downline_level (ancestor_id, level, members)
         SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), 1 FROM json_each(?1) WHERE true
         ON CONFLICT (ancestor_id, level) DO UPDATE SET members = members + 1`,
      )
      .bind(JSON.stringify(ancestorDistances(ancestorIds, depth))),
    db
      .prepare(
        `INSERT INTO downline_joins (ancestor_id, month, members)
         SELECT value, ?2, 1 FROM json_each(?1) WHERE true
         ON CONFLICT (ancestor_id, month) DO UPDATE SET members = members + 1`,
      )
      .bind(JSON.stringify(ancestorIds), joinMonth),
  ];
}

/** placement_team_size of every placement ancestor of `path` changes by `delta`. */
export function bumpPlacementAncestors(db: D1Database, path: string, delta: number): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE distributor SET placement_team_size = placement_team_size + ?2 WHERE placement_path IN (${PLACEMENT_ANCESTORS})`,
    )
    .bind(path, delta);
}

/** A placement parent gains (+1) or loses (-1) a child; keeps its open flag right. */
export function bumpPlacementChildren(
  db: D1Database,
  parentId: number,
  delta: 1 | -1,
  width: number,
): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE distributor SET placement_child_count = placement_child_count + ?2,
         placement_open = CASE WHEN placement_child_count + ?2 < ?3 THEN 1 ELSE 0 END WHERE id = ?1`,
    )
    .bind(parentId, delta, width);
}
