// Uniqueness of a genealogy file: values it repeats, and values existing distributors hold already.
import { LINE_KEY, MAX_ISSUES } from '../../imports/limits';
import { type ImportIssues, type LineOf, lineOfKey } from '../../imports/steps';

/** A uniqueness problem found in SQL: rows of the file that repeat a value (after its first line). */
async function sqlIssues(
  db: D1Database,
  sql: string,
  importId: number,
  lineOf: LineOf,
  format: (value: string, first: number | null) => string,
  issues: ImportIssues,
) {
  const results = await db
    .prepare(sql)
    .bind(importId, MAX_ISSUES)
    .raw<[number, number, string, number | null, number]>();
  for (const [part, line, value, first] of results)
    issues.add(lineOf(part, line), format(value, first == null ? null : lineOfKey(lineOf, first)));
  if (results.length) issues.more(results[0][4] - results.length);
}

/**
 * Whether any value of the column repeats in the file, bad rows included (a superset of what
 * repeatsInFile reports): a grouping that needs no window over every row, and for external_id the
 * index's order, so a clean file is checked in a fraction of the time.
 */
async function anyRepeat(db: D1Database, importId: number, column: string): Promise<boolean> {
  const row = await db
    .prepare(
      `SELECT 1 AS x FROM genealogy_import_row WHERE import_id = ?1 AND ${column} IS NOT NULL
       GROUP BY ${column} HAVING count(*) > 1 LIMIT 1`,
    )
    .bind(importId)
    .first();
  return row != null;
}

const repeatsInFile = (column: string) => `
  SELECT part_no, line, v, first, count(*) OVER () FROM (
    SELECT part_no, line, ${column} AS v, min(part_no * ${LINE_KEY} + line) OVER w AS first, count(*) OVER w AS c
    FROM genealogy_import_row WHERE import_id = ?1 AND bad = 0 AND ${column} IS NOT NULL
    WINDOW w AS (PARTITION BY ${column})
  ) WHERE c > 1 AND part_no * ${LINE_KEY} + line != first ORDER BY part_no, line LIMIT ?2`;

const takenByExisting = (column: string) => `
  SELECT r.part_no, r.line, r.${column}, NULL, count(*) OVER () FROM genealogy_import_row r
  JOIN distributor d ON d.${column} = r.${column}
  WHERE r.import_id = ?1 AND r.bad = 0 ORDER BY r.part_no, r.line LIMIT ?2`;

/** The unique columns of a distributor: as the file names them, and as SQL compares them. */
const UNIQUE_COLUMNS = [
  { field: 'externalId', inFile: 'external_id', existing: 'external_id' },
  { field: 'email', inFile: 'email', existing: 'email' },
  // Referral codes repeat in the file whatever their case; beside existing members the column decides.
  { field: 'referralCode', inFile: 'lower(referral_code)', existing: 'referral_code' },
] as const;

/**
 * Values the file repeats, then (once the company has members) values existing distributors hold
 * already: every repeated value after its first line, every taken value, each with its line.
 */
export async function uniquenessIssues(
  db: D1Database,
  importId: number,
  lineOf: LineOf,
  existingCount: number,
  issues: ImportIssues,
) {
  const q = (v: string) => JSON.stringify(v);
  for (const c of UNIQUE_COLUMNS)
    if (await anyRepeat(db, importId, c.inFile))
      await sqlIssues(
        db,
        repeatsInFile(c.inFile),
        importId,
        lineOf,
        (v, f) => `Duplicate ${c.field} ${q(v)} (first on line ${f}).`,
        issues,
      );
  if (existingCount === 0) return;
  for (const c of UNIQUE_COLUMNS)
    await sqlIssues(
      db,
      takenByExisting(c.existing),
      importId,
      lineOf,
      (v) => `${c.field} ${q(v)} already belongs to an existing distributor.`,
      issues,
    );
}
