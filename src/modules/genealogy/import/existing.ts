// The existing members a genealogy file attaches to: the placement subtrees of the sponsors it names.
import type { ExistingNodes } from './compute';

/** Members per page of a subtree read. */
const READ_CHUNK = 50_000;

export interface LoadedExisting {
  nodes: ExistingNodes;
  nodeOf: Map<number, number>;
}

/** Loads the placement subtree of every existing sponsor (nested ones once) into typed arrays. */
export async function loadExisting(db: D1Database, sponsorIds: number[], n: number): Promise<LoadedExisting> {
  const anchors: { id: number; sponsor_path: string; sponsor_depth: number; placement_path: string }[] = [];
  for (let k = 0; k < sponsorIds.length; k += 10_000) {
    const { results } = await db
      .prepare(
        'SELECT id, sponsor_path, sponsor_depth, placement_path FROM distributor WHERE id IN (SELECT value FROM json_each(?))',
      )
      .bind(JSON.stringify(sponsorIds.slice(k, k + 10_000)))
      .all<(typeof anchors)[number]>();
    anchors.push(...results);
  }
  const roots: string[] = [];
  for (const p of anchors.map((a) => a.placement_path).sort())
    if (!roots.length || !p.startsWith(roots[roots.length - 1])) roots.push(p);

  let ids: number[] = [];
  let parents: number[] = [];
  let positions: number[] = [];
  let depths: number[] = [];
  let teams: number[] = [];
  const nodeOf = new Map<number, number>();
  const rootPaths = new Map<number, string>();
  for (const root of roots) {
    let after = '';
    let first = true;
    for (;;) {
      const results = await db
        .prepare(
          `SELECT id, placement_parent_id, placement_position, placement_depth, placement_team_size, placement_path
           FROM distributor WHERE placement_path >= ?1 AND placement_path < ?2 AND (?3 OR placement_path > ?4)
           ORDER BY placement_path LIMIT ?5`,
        )
        .bind(root, root + '~', first ? 1 : 0, after, READ_CHUNK)
        .raw<[number, number | null, number | null, number, number, string]>();
      if (results.length === 0) break;
      for (const [id, pid, pos, depth, team, path] of results) {
        const node = n + ids.length;
        nodeOf.set(id, node);
        const p = pid == null ? undefined : nodeOf.get(pid);
        if (p === undefined) rootPaths.set(node, path);
        ids.push(id);
        parents.push(p ?? -1);
        positions.push(pos ?? -1);
        depths.push(depth);
        teams.push(team);
      }
      after = results[results.length - 1][5];
      first = false;
    }
  }
  const sponsors = new Map<number, { sponsorPath: string; sponsorDepth: number }>();
  for (const a of anchors)
    sponsors.set(nodeOf.get(a.id)!, { sponsorPath: a.sponsor_path, sponsorDepth: a.sponsor_depth });
  const nodes: ExistingNodes = {
    count: ids.length,
    id: Int32Array.from(ids),
    parent: Int32Array.from(parents),
    position: Int8Array.from(positions),
    placementDepth: Int32Array.from(depths),
    placementTeamSize: Int32Array.from(teams),
    rootPaths,
    sponsors,
  };
  ids = parents = positions = depths = teams = [];
  return { nodes, nodeOf };
}
