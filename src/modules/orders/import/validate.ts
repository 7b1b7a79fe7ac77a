// Step 1 of the order import: check the whole file and fix the chunk ranges (or reject it with
// line-numbered issues). May be delivered twice and still end in the same state.

import type { Env } from '../../../env';
import { LINE_KEY, MAX_ISSUES } from '../../imports/limits';
import * as records from '../../imports/records';
import {
  addPartIssues,
  ImportIssues,
  lineNumbering,
  lineOfKey,
  logImportStep,
  sendStep,
} from '../../imports/steps';
import { checkOrder, END, loadCheckContext, readResolved } from './check';
import { type OrderChunkRange, type OrderImportRow, storeOrderChunks } from './repository';
import { ORDER_IMPORT } from './table';

/** Orders per chunk: one keyset page at validation, one batch when applied (payload well under 2 MB). */
export const ORDER_CHUNK = 10_000;
/** Issues kept in memory while checking (all are counted). */
const KEEP_ISSUES = 20 * MAX_ISSUES;

const DUPLICATES_IN_FILE = `
  SELECT part_no, line, external_id, first FROM (
    SELECT part_no, line, external_id, min(part_no * ${LINE_KEY} + line) OVER w AS first, count(*) OVER w AS c
    FROM order_import_row WHERE import_id = ?1
    WINDOW w AS (PARTITION BY external_id)
  ) WHERE c > 1 AND part_no * ${LINE_KEY} + line != first ORDER BY part_no, line LIMIT ?2`;

const ANY_REPEAT = `SELECT 1 AS x FROM order_import_row WHERE import_id = ?1
  GROUP BY external_id HAVING count(*) > 1 LIMIT 1`;

const TAKEN_BY_EXISTING = `
  SELECT r.part_no, r.line, r.external_id FROM order_import_row r
  JOIN sales_order o ON o.external_id = r.external_id
  WHERE r.import_id = ?1 ORDER BY r.part_no, r.line LIMIT ?2`;

/** Step 1: check the whole file; store the chunk ranges (or reject with line-numbered issues). */
export async function validateStep(env: Env, importId: number): Promise<void> {
  const db = env.DB;
  const t0 = Date.now();
  const imp = await records.importById<OrderImportRow>(db, ORDER_IMPORT, importId);
  if (imp?.status !== 'VALIDATING') return;
  const ps = await records.parts(db, ORDER_IMPORT, importId);
  const lineOf = lineNumbering(imp.format, ps);
  const issues = new ImportIssues(KEEP_ISSUES);
  addPartIssues(issues, ps, lineOf);
  const q = JSON.stringify;
  // The window over every row only when some externalId repeats: the grouping walks the index, no sort.
  const anyRepeat = await db.prepare(ANY_REPEAT).bind(importId).first();
  const dups = anyRepeat
    ? await db.prepare(DUPLICATES_IN_FILE).bind(importId, KEEP_ISSUES).raw<[number, number, string, number]>()
    : [];
  for (const [part, line, ext, first] of dups)
    issues.add(
      lineOf(part, line),
      `Duplicate externalId ${q(ext)} (first on line ${lineOfKey(lineOf, first)}).`,
    );
  const anyExternal = await db
    .prepare('SELECT 1 FROM sales_order WHERE external_id IS NOT NULL LIMIT 1')
    .first();
  if (anyExternal) {
    const taken = await db
      .prepare(TAKEN_BY_EXISTING)
      .bind(importId, KEEP_ISSUES)
      .raw<[number, number, string]>();
    for (const [part, line, ext] of taken)
      issues.add(lineOf(part, line), `An order with externalId ${q(ext)} exists already.`);
  }

  const tDup = Date.now();
  const ctx = await loadCheckContext(db);
  const n = ps.reduce((s, p) => s + p.rows, 0);
  await records.setProgress(db, ORDER_IMPORT, importId, 'validate', 0, n);
  const ranges: OrderChunkRange[] = [];
  let from: [number, number] = [0, 0];
  let read = 0;
  const rowIssues: [number, string][] = [];
  for (;;) {
    const rows = await readResolved(db, importId, from, [END, END], ORDER_CHUNK);
    if (rows.length === 0) break;
    for (const r of rows) {
      if (r[2]) continue; // field errors, reported from its part
      rowIssues.length = 0;
      checkOrder(r, ctx, rowIssues);
      for (const [line, message] of rowIssues) issues.add(lineOf(r[0], line), message);
    }
    const last = rows[rows.length - 1];
    ranges.push({ fromPart: from[0], fromLine: from[1], toPart: last[0], toLine: last[1] });
    from = [last[0], last[1]];
    read += rows.length;
    // Every tenth page: a message holds at most 1,000 queries, and a big file has hundreds of pages.
    if (ranges.length % 10 === 0) await records.setProgress(db, ORDER_IMPORT, importId, 'validate', read, n);
  }
  logImportStep(ORDER_IMPORT, importId, 'validate', {
    duplicatesMs: tDup - t0,
    orders: read,
    checkMs: Date.now() - tDup,
  });
  if (issues.count > 0) {
    await records.reject(db, ORDER_IMPORT, importId, issues.items, issues.count);
    return;
  }
  await storeOrderChunks(db, importId, ranges);
  await sendStep(env, ORDER_IMPORT, 'apply', importId);
}
