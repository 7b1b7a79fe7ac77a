import { env, SELF } from 'cloudflare:test';
import { expect } from 'vitest';
import { monthInZone } from '../../src/lib/time';
import { gqlOk } from '../helpers';

// Helpers of the genealogy-import tests: the API as the benchmark uses it, and a from-scratch recount.

export const IMPORT_FIELDS = `id status format totalRows createdAt finishedAt error issueCount
  progress { step done total } issues(first: 1000) { line message }`;

export async function createImport(token: string, format: 'NDJSON' | 'CSV'): Promise<string> {
  const d = await gqlOk(
    `mutation($f: GenealogyImportFormat!) { createGenealogyImport(input: { format: $f }) {
      __typename ... on MutationCreateGenealogyImportSuccess { import { id status } } } }`,
    { f: format },
    token,
  );
  expect(d.createGenealogyImport.import.status).toBe('UPLOADING');
  return d.createGenealogyImport.import.id;
}

export function numericId(gid: string): number {
  return Number(atob(gid).split(':')[1]);
}

export async function putPart(id: string | number, partNo: number, body: string, token?: string) {
  return SELF.fetch(`http://localhost/imports/genealogy/${id}/parts/${partNo}`, {
    method: 'PUT',
    headers: token ? { authorization: `Bearer ${token}` } : {},
    body,
  });
}

export async function startImport(token: string, id: string) {
  const d = await gqlOk(
    `mutation($id: ID!) { startGenealogyImport(input: { id: $id }) { __typename
      ... on MutationStartGenealogyImportSuccess { import { id status } } ... on Error { message } } }`,
    { id },
    token,
  );
  return d.startGenealogyImport;
}

export async function getImport(token: string, id: string) {
  return (await gqlOk(`query($id: ID!) { genealogyImport(id: $id) { ${IMPORT_FIELDS} } }`, { id }, token))
    .genealogyImport;
}

/** Polls until the queued steps end the import. */
export async function waitForImport(token: string, id: string, timeoutMs = 25_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const imp = await getImport(token, id);
    if (['DONE', 'REJECTED', 'FAILED'].includes(imp.status)) {
      // Let the cleanup message run too, so that the next test starts from a quiet queue.
      await new Promise((r) => setTimeout(r, 50));
      return imp;
    }
    if (Date.now() > until) throw new Error(`import still ${imp.status}: ${JSON.stringify(imp.progress)}`);
    await new Promise((r) => setTimeout(r, 40));
  }
}

/** The whole path of a small file: create, one part, start, wait. */
export async function runImport(token: string, format: 'NDJSON' | 'CSV', content: string) {
  const id = await createImport(token, format);
  const res = await putPart(id, 1, content, token);
  expect(res.status).toBe(200);
  expect((await startImport(token, id)).__typename).toBe('MutationStartGenealogyImportSuccess');
  return waitForImport(token, id);
}

export function ndjson(rows: Record<string, unknown>[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
}

export async function wipeGenealogy(): Promise<void> {
  await env.DB.batch([
    env.DB.prepare('DELETE FROM genealogy_event'),
    env.DB.prepare('DELETE FROM downline_level'),
    env.DB.prepare('DELETE FROM downline_joins'),
    env.DB.prepare('DELETE FROM distributor'),
  ]);
}

export async function setPlacement(kind: 'BINARY' | 'MATRIX', width = 3): Promise<void> {
  await env.DB.prepare('UPDATE company_settings SET placement_kind = ?, matrix_width = ? WHERE id = 1')
    .bind(kind, width)
    .run();
}

/** Every table a genealogy write touches, as sorted text: "nothing was written" means this is unchanged. */
export async function genealogyFingerprint(): Promise<string> {
  const [d, l, j] = await env.DB.batch([
    env.DB.prepare('SELECT * FROM distributor ORDER BY id'),
    env.DB.prepare('SELECT * FROM downline_level ORDER BY ancestor_id, level'),
    env.DB.prepare('SELECT * FROM downline_joins ORDER BY ancestor_id, month'),
  ]);
  return JSON.stringify([d.results, l.results, j.results]);
}

/**
 * Recomputes every derived column and counter row from the paths alone and compares with what is stored.
 * Returns the number of distributors checked.
 */
export async function expectCountersFromScratch(): Promise<number> {
  const db = env.DB;
  const settings = await db
    .prepare('SELECT placement_kind, matrix_width, time_zone FROM company_settings WHERE id = 1')
    .first<{ placement_kind: string; matrix_width: number; time_zone: string }>();
  const width = settings!.placement_kind === 'BINARY' ? 2 : settings!.matrix_width;
  const { results: wrong } = await db
    .prepare(
      `SELECT d.id, d.team_size, d.team_active, d.placement_team_size, d.placement_child_count, d.placement_open,
         d.sponsor_depth, d.placement_depth, d.sponsor_path, d.placement_path,
         (SELECT count(*) FROM distributor x WHERE x.sponsor_path > d.sponsor_path
            AND x.sponsor_path < substr(d.sponsor_path, 1, length(d.sponsor_path) - 1) || '/') AS team,
         (SELECT count(*) FROM distributor x WHERE x.sponsor_path > d.sponsor_path
            AND x.sponsor_path < substr(d.sponsor_path, 1, length(d.sponsor_path) - 1) || '/' AND x.status = 'ACTIVE') AS active,
         (SELECT count(*) FROM distributor x WHERE x.placement_path > d.placement_path AND x.placement_path < d.placement_path || '~') AS pteam,
         (SELECT count(*) FROM distributor x WHERE x.placement_parent_id = d.id) AS children,
         coalesce((SELECT s.sponsor_path FROM distributor s WHERE s.id = d.sponsor_id), '') || d.id || '.' AS spath,
         coalesce((SELECT p.placement_path FROM distributor p WHERE p.id = d.placement_parent_id), '')
           || coalesce(substr('0123456789abcdefghijklmnopqrstuvwxyz', d.placement_position + 1, 1), '') AS ppath
       FROM distributor d
       WHERE team != d.team_size OR active != d.team_active OR pteam != d.placement_team_size
         OR children != d.placement_child_count OR d.placement_open != (children < ?1)
         OR d.sponsor_depth != length(d.sponsor_path) - length(replace(d.sponsor_path, '.', '')) - 1
         OR d.placement_depth != length(d.placement_path) OR spath != d.sponsor_path OR ppath != d.placement_path`,
    )
    .bind(width)
    .all();
  expect(wrong).toEqual([]);
  const levelDiff = await db
    .prepare(
      `WITH expected AS (
         SELECT a.id AS ancestor_id, x.sponsor_depth - a.sponsor_depth AS level, count(*) AS members
         FROM distributor a JOIN distributor x ON x.sponsor_path > a.sponsor_path
           AND x.sponsor_path < substr(a.sponsor_path, 1, length(a.sponsor_path) - 1) || '/'
         GROUP BY 1, 2)
       SELECT 'missing', * FROM (SELECT * FROM expected EXCEPT SELECT * FROM downline_level)
       UNION ALL SELECT 'extra', * FROM (SELECT * FROM downline_level EXCEPT SELECT * FROM expected)`,
    )
    .all();
  expect(levelDiff.results).toEqual([]);
  // Join months need the time zone: computed here with monthInZone.
  const { results: rows } = await db
    .prepare('SELECT id, sponsor_path, joined_at FROM distributor')
    .all<{ id: number; sponsor_path: string; joined_at: string }>();
  const expected = new Map<string, number>();
  for (const r of rows) {
    const month = monthInZone(new Date(r.joined_at), settings!.time_zone);
    for (const a of r.sponsor_path.split('.').slice(0, -2)) {
      const key = `${a}|${month}`;
      expected.set(key, (expected.get(key) ?? 0) + 1);
    }
  }
  const { results: joins } = await db
    .prepare('SELECT ancestor_id, month, members FROM downline_joins')
    .all<{ ancestor_id: number; month: string; members: number }>();
  const stored = new Map(joins.map((j) => [`${j.ancestor_id}|${j.month}`, j.members]));
  expect(Object.fromEntries([...stored].sort())).toEqual(Object.fromEntries([...expected].sort()));
  return rows.length;
}

/** Distributors and counter rows keyed by external id, so that two builds of one network compare equal. */
export async function networkSnapshot() {
  const db = env.DB;
  const { results } = await db
    .prepare(
      `SELECT d.external_id AS ext, s.external_id AS sponsor, p.external_id AS parent, d.placement_position AS pos,
         d.sponsor_depth, d.placement_path, d.placement_depth, d.placement_child_count, d.placement_open,
         d.team_size, d.team_active, d.placement_team_size, d.status, d.joined_at, d.email, d.first_name, d.search_name
       FROM distributor d LEFT JOIN distributor s ON s.id = d.sponsor_id LEFT JOIN distributor p ON p.id = d.placement_parent_id
       ORDER BY d.external_id`,
    )
    .all();
  const levels = await db
    .prepare(
      `SELECT d.external_id, l.level, l.members FROM downline_level l JOIN distributor d ON d.id = l.ancestor_id
       ORDER BY 1, 2`,
    )
    .all();
  const joins = await db
    .prepare(
      `SELECT d.external_id, j.month, j.members FROM downline_joins j JOIN distributor d ON d.id = j.ancestor_id
       ORDER BY 1, 2`,
    )
    .all();
  return { distributors: results, levels: levels.results, joins: joins.results };
}
