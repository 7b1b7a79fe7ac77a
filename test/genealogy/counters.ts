import { env } from 'cloudflare:test';
import { expect } from 'vitest';

// An independent checker of the genealogy's maintained counters: recomputes every one of them from
// scratch (sponsor_path, placement_path, status, joined_at) in plain SQL and lists each stored value that
// differs. Also checks that the paths and depths agree with the parent links, so that a move that breaks
// the tree is caught as well.

const DIGITS = '0123456789abcdefghijklmnopqrstuvwxyz';
// "d is below x": d's path has x's path as a proper prefix. Written as a range up to x's path followed by
// '~' (which sorts after every digit, letter and '.') so that SQLite can use the unique path indexes.
const IN_SPONSOR_SUBTREE = "d.sponsor_path > x.sponsor_path AND d.sponsor_path < x.sponsor_path || '~'";
const IN_PLACEMENT_SUBTREE =
  "d.placement_path > x.placement_path AND d.placement_path < x.placement_path || '~'";

interface Row {
  [k: string]: unknown;
}

function describe(kind: string, rows: Row[]): string[] {
  return rows.map((r) => `${kind}: ${JSON.stringify(r)}`);
}

async function memberCounterMismatches(db: D1Database, width: number): Promise<string[]> {
  const { results } = await db
    .prepare(
      `WITH e AS (
         SELECT x.id, x.team_size, x.team_active, x.placement_team_size, x.placement_child_count, x.placement_open,
           (SELECT count(*) FROM distributor d WHERE ${IN_SPONSOR_SUBTREE}) AS want_team_size,
           (SELECT count(*) FROM distributor d WHERE ${IN_SPONSOR_SUBTREE} AND d.status = 'ACTIVE') AS want_team_active,
           (SELECT count(*) FROM distributor d WHERE ${IN_PLACEMENT_SUBTREE}) AS want_placement_team_size,
           (SELECT count(*) FROM distributor d WHERE d.placement_parent_id = x.id) AS want_placement_child_count
         FROM distributor x)
       SELECT *, CASE WHEN want_placement_child_count < ?1 THEN 1 ELSE 0 END AS want_placement_open FROM e
       WHERE team_size != want_team_size OR team_active != want_team_active
          OR placement_team_size != want_placement_team_size OR placement_child_count != want_placement_child_count
          OR placement_open != (want_placement_child_count < ?1)`,
    )
    .bind(width)
    .all<Row>();
  return describe('member counters', results);
}

async function treeShapeMismatches(db: D1Database): Promise<string[]> {
  const { results } = await db
    .prepare(
      `SELECT x.id, x.sponsor_id, x.sponsor_path, x.sponsor_depth, x.placement_parent_id, x.placement_position,
              x.placement_path, x.placement_depth
       FROM distributor x
       LEFT JOIN distributor s ON s.id = x.sponsor_id
       LEFT JOIN distributor p ON p.id = x.placement_parent_id
       WHERE x.sponsor_path != coalesce(s.sponsor_path, '') || x.id || '.'
          OR x.sponsor_depth != coalesce(s.sponsor_depth + 1, 0)
          OR x.placement_path != coalesce(p.placement_path || substr(?1, x.placement_position + 1, 1), '')
          OR x.placement_depth != length(x.placement_path)
          OR (x.sponsor_id IS NULL) != (x.placement_parent_id IS NULL)`,
    )
    .bind(DIGITS)
    .all<Row>();
  return describe('tree shape', results);
}

async function levelMismatches(db: D1Database): Promise<string[]> {
  const { results } = await db
    .prepare(
      `WITH want AS (
         SELECT x.id AS ancestor_id, d.sponsor_depth - x.sponsor_depth AS level, count(*) AS members
         FROM distributor x JOIN distributor d ON ${IN_SPONSOR_SUBTREE} GROUP BY 1, 2),
       have AS (SELECT ancestor_id, level, members FROM downline_level WHERE members != 0)
       SELECT 'want' AS side, * FROM (SELECT * FROM want EXCEPT SELECT * FROM have)
       UNION ALL SELECT 'have', * FROM (SELECT * FROM have EXCEPT SELECT * FROM want)`,
    )
    .all<Row>();
  return describe('downline_level', results);
}

/** 'YYYY-MM' of an instant in a time zone, computed here rather than with the code under test. */
function localMonth(iso: string, timeZone: string): string {
  // sv-SE formats dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit' })
    .format(new Date(iso))
    .slice(0, 7);
}

async function joinMismatches(db: D1Database, timeZone: string): Promise<string[]> {
  const { results: members } = await db
    .prepare('SELECT id, joined_at FROM distributor')
    .all<{ id: number; joined_at: string }>();
  const months = JSON.stringify(members.map((m) => [m.id, localMonth(m.joined_at, timeZone)]));
  const { results } = await db
    .prepare(
      `WITH m AS (SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS month FROM json_each(?1)),
       want AS (
         SELECT x.id AS ancestor_id, m.month, count(*) AS members
         FROM distributor x JOIN distributor d ON ${IN_SPONSOR_SUBTREE} JOIN m ON m.id = d.id GROUP BY 1, 2),
       have AS (SELECT ancestor_id, month, members FROM downline_joins WHERE members != 0)
       SELECT 'want' AS side, * FROM (SELECT * FROM want EXCEPT SELECT * FROM have)
       UNION ALL SELECT 'have', * FROM (SELECT * FROM have EXCEPT SELECT * FROM want)`,
    )
    .bind(months)
    .all<Row>();
  return describe('downline_joins', results);
}

/** Every maintained counter or tree link that differs from a recomputation; empty when all are right. */
export async function counterMismatches(db: D1Database = env.DB): Promise<string[]> {
  const s = await db
    .prepare('SELECT placement_kind, matrix_width, time_zone FROM company_settings WHERE id = 1')
    .first<{ placement_kind: string; matrix_width: number; time_zone: string }>();
  const width = s!.placement_kind === 'BINARY' ? 2 : s!.matrix_width;
  const lists = await Promise.all([
    treeShapeMismatches(db),
    memberCounterMismatches(db, width),
    levelMismatches(db),
    joinMismatches(db, s!.time_zone),
  ]);
  return lists.flat();
}

export async function expectCountersRight(context = ''): Promise<void> {
  const problems = await counterMismatches();
  expect(problems, `counters wrong ${context}`).toEqual([]);
}
