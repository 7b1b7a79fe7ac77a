// Writes to the people index beyond what the triggers of migrations/0006_crm.sql do on their own:
// - a placement move rewrites the placement-ancestor prefix of the moved subtree (statement for the move's batch);
// - a bulk genealogy import (rows with import_id, which the insert trigger skips) is indexed level by level.
import { contactSql, FTS_COLUMNS, foldSql, sponsorScopeSql } from './sql';

/**
 * For the batch of a placement move, after the paths were rewritten: every row under the moved member
 * (token p<member>) gets the new parent's chain in front of "p<member> ...".
 */
export function placementMoveIndexStatement(
  db: D1Database,
  memberId: number,
  newParentId: number,
): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE person_fts SET pscope = coalesce((SELECT pscope || ' ' FROM person_fts WHERE rowid = ?1 * 4), '')
         || substr(pscope, instr(' ' || pscope || ' ', ?2))
       WHERE person_fts MATCH ?3`,
    )
    .bind(newParentId, ` p${memberId} `, `pscope : p${memberId}`); // text, not a number: D1 may bind 4 as 4.0
}

// Placement ancestors from the path's prefixes (each prefix is a unique placement_path), root..self in order.
const INDEX_DISTRIBUTORS = `WITH RECURSIVE src AS (
    SELECT id, placement_path AS path FROM distributor WHERE import_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3
  ), pre (id, path, n) AS (
    SELECT id, path, 0 FROM src UNION ALL SELECT id, path, n + 1 FROM pre WHERE n < length(path)
  ), anc AS (
    SELECT pre.id, group_concat('p' || a.id, ' ' ORDER BY pre.n) AS pscope
    FROM pre JOIN distributor a ON a.placement_path = substr(pre.path, 1, pre.n) GROUP BY pre.id
  )
  INSERT OR REPLACE INTO person_fts (${FTS_COLUMNS})
  SELECT d.id * 4, ${foldSql("d.first_name || ' ' || d.last_name")}, ${contactSql('d.email', 'd.phone')},
    ${sponsorScopeSql('d.sponsor_path')}, anc.pscope, 'DISTRIBUTOR', d.id, d.first_name || ' ' || d.last_name,
    d.email, d.phone
  FROM src JOIN distributor d ON d.id = src.id JOIN anc ON anc.id = d.id`;

export const INDEX_CHUNK = 5_000;

/**
 * Indexes up to `limit` distributors of a genealogy import with ids above `afterId` (idempotent). Returns the
 * last id done, or null when there are no more: a queue job can call it chunk by chunk.
 */
export async function indexImportedDistributorsChunk(
  db: D1Database,
  importId: number,
  afterId: number,
  limit = INDEX_CHUNK,
): Promise<number | null> {
  const next = await db
    .prepare(
      'SELECT max(id) AS last FROM (SELECT id FROM distributor WHERE import_id = ? AND id > ? ORDER BY id LIMIT ?)',
    )
    .bind(importId, afterId, limit)
    .first<{ last: number | null }>();
  if (next?.last == null) return null;
  await db.prepare(INDEX_DISTRIBUTORS).bind(importId, afterId, limit).run();
  return next.last;
}

/** All distributors of one import, chunk after chunk (call once its rows are applied). */
export async function indexImportedDistributors(db: D1Database, importId: number): Promise<void> {
  let after: number | null = 0;
  while (after != null) after = await indexImportedDistributorsChunk(db, importId, after);
}
