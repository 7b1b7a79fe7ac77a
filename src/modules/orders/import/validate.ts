// Step 1 of the order import: check the whole file once, keeping each chunk's checked rows for apply (or reject
// it with line-numbered issues). May be delivered twice and still end in the same state.

import type { Env } from '../../../env';
import { atomic } from '../../../lib/db';
import { LINE_KEY, MAX_ISSUES } from '../../imports/limits';
import * as records from '../../imports/records';
import { addPartIssues, ImportIssues, lineNumbering, logImportStep, sendStep } from '../../imports/steps';
import { checkOrder, loadCheckContext, refsOf, resolveStatement } from './check';
import { CheckedChunks } from './checkedChunks';
import { DuplicateIds } from './duplicates';
import type { StagedOrder } from './parse';
import { finishValidation, type OrderImportRow, packsAfter, storeCheckedChunk } from './repository';
import { ORDER_IMPORT } from './table';

/** Issues kept in memory while checking, per kind of issue (all are counted). */
const KEEP_ISSUES = 20 * MAX_ISSUES;
/** Packs read per round trip (each at most 1.5 MB). */
const PACKS_PER_READ = 2;

const TAKEN_BY_EXISTING = `SELECT j.key AS k FROM order_import_row p CROSS JOIN jsonb_each(jsonb(p.orders)) j
  CROSS JOIN sales_order o ON o.external_id = j.value->>1
  WHERE p.import_id = ?1 AND p.part_no = ?2 AND p.pack = ?3`;

/** Step 1: check the whole file; keep the checked chunks (or reject with line-numbered issues). */
export async function validateStep(env: Env, importId: number): Promise<void> {
  const db = env.DB;
  const t0 = Date.now();
  const imp = await records.importById<OrderImportRow>(db, ORDER_IMPORT, importId);
  if (imp?.status !== 'VALIDATING') return;
  const ps = await records.parts(db, ORDER_IMPORT, importId);
  const lineOf = lineNumbering(imp.format, ps);
  const ctx = await loadCheckContext(db);
  const anyExternal =
    (await db.prepare('SELECT 1 FROM sales_order WHERE external_id IS NOT NULL LIMIT 1').first()) != null;
  const n = ps.reduce((s, p) => s + p.rows, 0);
  const q = JSON.stringify;

  // Each kind of issue in file order, kept apart and joined at the end in the order the checks always had:
  // the parts', repeated externalIds, externalIds taken already, then each order's own.
  const taken = new ImportIssues(KEEP_ISSUES);
  const own = new ImportIssues(KEEP_ISSUES);
  const duplicates = new DuplicateIds(n);
  const rowIssues: [number, string][] = [];
  let pending: D1PreparedStatement[] = [];
  let chunkNo = 0;
  let read = 0;
  let after: [number, number] = [-1, -1];
  let readMs = 0;
  let resolveMs = 0;
  let checkMs = 0;
  let writeSql = 0;
  let resolveSql = 0;
  for (;;) {
    const tRead = Date.now();
    const packs = await packsAfter(db, importId, after, PACKS_PER_READ);
    if (packs.length === 0) break;
    const staged = packs.map((p) => JSON.parse(p.orders) as StagedOrder[]);
    const tResolve = Date.now();
    readMs += tResolve - tRead;
    // The previous packs' chunks are written in the round trip that resolves these packs' references.
    const statements = [
      ...pending,
      ...packs.map((p) => resolveStatement(db, importId, p.part_no, p.pack)),
      ...(anyExternal
        ? packs.map((p) => db.prepare(TAKEN_BY_EXISTING).bind(importId, p.part_no, p.pack))
        : []),
      db
        .prepare(`UPDATE order_import SET step = 'validate', done = ?2, total = ?3 WHERE id = ?1`)
        .bind(importId, read, n),
    ];
    const results = await atomic(db, statements);
    const tCheck = Date.now();
    resolveMs += tCheck - tResolve;
    results.forEach((r, k) => {
      if (k < pending.length) writeSql += r.meta?.duration ?? 0;
      else resolveSql += r.meta?.duration ?? 0;
    });
    const sent = pending.length;
    pending = [];
    packs.forEach((p, k) => {
      const rows = staged[k];
      const refs = refsOf(results[sent + k]);
      const takenAt = anyExternal
        ? new Set((results[sent + packs.length + k].results as { k: number }[]).map((r) => r.k))
        : null;
      const chunks = new CheckedChunks(p.part_no, p.pack);
      rows.forEach((r, i) => {
        duplicates.add(r[1]);
        if (takenAt?.has(i))
          taken.add(lineOf(p.part_no, r[0]), `An order with externalId ${q(r[1])} exists already.`);
        if (r[13]) return; // field errors, reported from its part
        rowIssues.length = 0;
        const checked = checkOrder(r, refs[i], ctx, rowIssues);
        for (const [line, message] of rowIssues) own.add(lineOf(p.part_no, line), message);
        // Once anything is wrong the file is rejected: no more chunks are kept.
        if (!checked || taken.count + own.count > 0) return;
        const full = chunks.add(i, checked, refs[i]);
        if (full) pending.push(...storeCheckedChunk(db, importId, chunkNo++, full, ctx.digest));
      });
      const last = chunks.end();
      if (last && taken.count + own.count === 0)
        pending.push(...storeCheckedChunk(db, importId, chunkNo++, last, ctx.digest));
      read += rows.length;
    });
    checkMs += Date.now() - tCheck;
    const lastPack = packs[packs.length - 1];
    after = [lastPack.part_no, lastPack.pack];
  }

  const issues = new ImportIssues(KEEP_ISSUES);
  addPartIssues(issues, ps, lineOf);
  const tDup = Date.now();
  const repeats = await duplicates.repeats(db, importId, KEEP_ISSUES);
  for (const [key, first, ext] of repeats)
    issues.add(
      lineOf(Math.floor(key / LINE_KEY), key % LINE_KEY),
      `Duplicate externalId ${q(ext)} (first on line ${lineOf(Math.floor(first / LINE_KEY), first % LINE_KEY)}).`,
    );
  // Taken externalIds are counted up to KEEP_ISSUES (as the query listing them always was), an order's own all.
  for (const i of taken.items) issues.add(i.line, i.message);
  for (const i of own.items) issues.add(i.line, i.message);
  issues.more(own.count - own.items.length);
  logImportStep(ORDER_IMPORT, importId, 'validate', {
    orders: read,
    chunks: chunkNo,
    ms: Date.now() - t0,
    // Reading and parsing the packs; resolving references while writing the previous chunks; checking.
    readMs,
    resolveMs,
    // Of which D1's time: the chunks' writes, the resolving statements.
    writeSqlMs: Math.round(writeSql),
    resolveSqlMs: Math.round(resolveSql),
    checkMs,
    duplicatesMs: Date.now() - tDup,
  });
  if (issues.count > 0) {
    await records.reject(db, ORDER_IMPORT, importId, issues.items, issues.count);
    return;
  }
  await finishValidation(db, importId, chunkNo, pending);
  await sendStep(env, ORDER_IMPORT, 'apply', importId);
}
