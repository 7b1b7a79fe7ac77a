// Steps 2 and 3 of the order import and its compensation: apply the order chunks, then the volume chunks,
// then DONE; clean up; undo a failed import. Every step may be delivered twice or die halfway and still
// end in the same state.

import type { Env } from '../../../env';
import { atomic, nowIso } from '../../../lib/db';
import * as records from '../../imports/records';
import {
  applyBudget,
  applyChunkOnce,
  failureReason,
  failValidating,
  isFinished,
  isPermanent,
  type LineOf,
  lineNumbering,
  logImportStep,
  PermanentImportError,
  sendStep,
  statementTimes,
} from '../../imports/steps';
import { type CheckContext, checkOrder, loadCheckContext, refsOf, resolveStatement } from './check';
import { type CheckedChunk, CheckedChunks } from './checkedChunks';
import {
  CUSTOMERS_OF_CHUNK,
  ORDERS_OF_CHUNK,
  recountCohorts,
  reportCounterStatements,
  SUBTRACT_SALES,
} from './reportCounters';
import {
  type ChunkInfo,
  chunkList,
  cleanup,
  markChunk,
  type OrderImportRow,
  replaceCheckedChunk,
  stagedPack,
} from './repository';
import { ORDER_IMPORT } from './table';
import { APPLY_VOLUME, computeVolumes } from './volumes';

/** Batches one apply message writes before handing over (Workers allow 1,000 queries per invocation). */
const APPLY_BUDGET_BATCHES = 150;

// The statements below read the chunk's checked rows in SQL (?1 import, ?2 chunk): nothing large travels
// through the Worker. The k-th order of a chunk gets id first + k: the orders are inserted in their order into
// a table whose new rowids are max(id) + 1, ... (sales_order.id is INTEGER PRIMARY KEY, no AUTOINCREMENT), in one
// batch, that is one transaction; ORDER_IDS_HOLD fails the batch if that ever stopped being so.
const CHECKED = `order_import_checked k CROSS JOIN jsonb_each(k.checked) j`;
const OF_CHUNK = 'k.import_id = ?1 AND k.chunk_no = ?2';
/** The id of the chunk's first order once its orders are in (?3: the chunk's order count). */
const FIRST_ID = '((SELECT max(id) FROM sales_order) - ?3 + 1)';

/** Fails the batch (the applied CHECK) when a member an order names changed since it was checked. */
const MEMBERS_UNCHANGED = `UPDATE order_import_chunk SET applied = applied + 2
  WHERE import_id = ?1 AND chunk_no = ?2 AND EXISTS (
    SELECT 1 FROM ${CHECKED}
    LEFT JOIN distributor d ON d.id = j.value->>1
    LEFT JOIN customer c ON c.id = j.value->>2
    WHERE ${OF_CHUNK} AND (d.id IS NULL OR d.status = 'TERMINATED'
      OR (j.value->>2 IS NOT NULL AND c.owner_id IS NOT d.id)
      OR (CASE j.value->>3 WHEN 'CUSTOMER' THEN c.country ELSE d.country END) IS NOT j.value->>13))`;

const INSERT_ORDERS = `INSERT INTO sales_order (kind, distributor_id, customer_id, status, currency, total, qv, cv,
    created_by, created_at, paid_at, period, payment_reference, cancelled_at, external_id, import_id)
  SELECT j.value->>3, j.value->>1, j.value->>2, j.value->>5, j.value->>4, j.value->>6, j.value->>7, j.value->>8,
    ?3, j.value->>9, j.value->>10, j.value->>11, j.value->>12, CASE j.value->>5 WHEN 'CANCELLED' THEN j.value->>9 END,
    j.value->>0, ?1
  FROM ${CHECKED} WHERE ${OF_CHUNK} ORDER BY j.key`;

/** Fails the batch unless the chunk's first and last orders hold the ids FIRST_ID and FIRST_ID + count - 1. */
const ORDER_IDS_HOLD = `UPDATE order_import_chunk SET applied = applied + 2
  WHERE import_id = ?1 AND chunk_no = ?2 AND (
    (SELECT external_id FROM sales_order WHERE id = ${FIRST_ID}) IS NOT
      (SELECT k.checked->>'$[0][0]' FROM order_import_checked k WHERE ${OF_CHUNK})
    OR (SELECT external_id FROM sales_order WHERE id = (SELECT max(id) FROM sales_order)) IS NOT
      (SELECT k.checked->>'$[#-1][0]' FROM order_import_checked k WHERE ${OF_CHUNK}))`;

// Lines take the unit price and volumes as checked, the catalog's retail and wholesale prices, SKU and kit flag
// (the catalog is the one they were checked against: the chunk's context digest).
const INSERT_LINES = `INSERT INTO order_line (order_id, product_id, sku, quantity, unit_price, unit_retail, unit_wholesale,
    unit_qv, unit_cv, is_starter_kit)
  SELECT ${FIRST_ID} + j.key, p.id, p.sku, l.value->>1, l.value->>2, pr.retail, pr.wholesale, l.value->>3,
    l.value->>4, p.is_starter_kit
  FROM ${CHECKED} CROSS JOIN jsonb_each(j.value, '$[14]') l
  CROSS JOIN product p ON p.id = l.value->>0
  CROSS JOIN product_price pr ON pr.product_id = p.id AND pr.currency = j.value->>4
  WHERE ${OF_CHUNK} ORDER BY j.key, l.key`;

const INSERT_PAYMENTS = `INSERT INTO payment (order_id, paid_at, reference, recorded_by, created_at)
  SELECT ${FIRST_ID} + j.key, j.value->>10, j.value->>12, ?4, ?5
  FROM ${CHECKED} WHERE ${OF_CHUNK} AND j.value->>5 = 'PAID' ORDER BY j.key`;

const SUM_VOLUME = `INSERT INTO order_import_volume (import_id, period, distributor_id, pv, cv, customer_pv, customer_cv)
  SELECT ?1, j.value->>11, j.value->>1, sum(j.value->>7), sum(j.value->>8),
    sum(CASE j.value->>3 WHEN 'CUSTOMER' THEN j.value->>7 ELSE 0 END),
    sum(CASE j.value->>3 WHEN 'CUSTOMER' THEN j.value->>8 ELSE 0 END)
  FROM ${CHECKED} WHERE ${OF_CHUNK} AND j.value->>11 IS NOT NULL GROUP BY j.value->>11, j.value->>1
  ON CONFLICT (import_id, period, distributor_id) DO UPDATE SET pv = pv + excluded.pv, cv = cv + excluded.cv,
    customer_pv = customer_pv + excluded.customer_pv, customer_cv = customer_cv + excluded.customer_cv`;

/** The statements writing a chunk's checked orders, with their names for the step line. */
function writeStatements(db: D1Database, importId: number, c: ChunkInfo): [string, D1PreparedStatement][] {
  const actor = `import:${importId}`;
  const report = reportCounterStatements(db, importId, c.chunk_no);
  return [
    ['orders', db.prepare(INSERT_ORDERS).bind(importId, c.chunk_no, actor)],
    ['ids', db.prepare(ORDER_IDS_HOLD).bind(importId, c.chunk_no, c.count)],
    ['lines', db.prepare(INSERT_LINES).bind(importId, c.chunk_no, c.count)],
    ['payments', db.prepare(INSERT_PAYMENTS).bind(importId, c.chunk_no, c.count, actor, nowIso())],
    ['volume', db.prepare(SUM_VOLUME).bind(importId, c.chunk_no)],
    ...report.map((s, k): [string, D1PreparedStatement] => [k === 0 ? 'reportSales' : 'cohorts', s]),
  ];
}

/**
 * Checks one chunk's staged orders again, against the catalog and members of now (the chunk's context or a
 * member changed since validation); throws when one no longer passes, as validation would have refused it.
 */
async function checkAgain(
  db: D1Database,
  c: ChunkInfo,
  ctx: CheckContext,
  lineOf: LineOf,
  importId: number,
): Promise<CheckedChunk> {
  const pack = await stagedPack(db, importId, c.part_no!, c.pack!);
  const rows = pack.slice(c.first!, c.first! + c.count!);
  const [resolved] = await atomic(db, [resolveStatement(db, importId, c.part_no!, c.pack!)]);
  const refs = refsOf(resolved).slice(c.first!, c.first! + c.count!);
  const chunks = new CheckedChunks(c.part_no!, c.pack!, Number.POSITIVE_INFINITY);
  const issues: [number, string][] = [];
  rows.forEach((r, i) => {
    const checked = checkOrder(r, refs[i], ctx, issues);
    if (issues.length)
      throw new PermanentImportError(
        `Line ${lineOf(c.part_no!, issues[0][0])} changed since the file was validated: ${issues[0][1]}`,
      );
    chunks.add(c.first! + i, checked!, refs[i]);
  });
  return chunks.end()!;
}

/** Applies one order chunk with its marker (once, however often the message is delivered). */
async function applyOrderChunk(
  db: D1Database,
  importId: number,
  c: ChunkInfo,
  ctx: CheckContext,
  lineOf: LineOf,
) {
  const t0 = Date.now();
  const mark = markChunk(db, importId, c.chunk_no, c.kind);
  // As checked at validation, when the catalog, markets and periods are still those (the members are compared
  // in SQL, in the batch); otherwise, or when the members changed, checked again and written as checked now.
  let again = c.context !== ctx.digest;
  let named: [string, D1PreparedStatement][] = [];
  const batch = async () => {
    if (again) {
      const tCheck = Date.now();
      const checked = await checkAgain(db, c, ctx, lineOf, importId);
      const replace = replaceCheckedChunk(db, importId, c.chunk_no, checked, ctx.digest);
      checkMs += Date.now() - tCheck;
      named = [
        ['mark', mark[0]],
        ['mark', mark[1]],
        ...replace.map((s): [string, D1PreparedStatement] => ['checkAgain', s]),
        ...writeStatements(db, importId, c),
      ];
    } else {
      named = [
        ['mark', mark[0]],
        ['mark', mark[1]],
        ['members', db.prepare(MEMBERS_UNCHANGED).bind(importId, c.chunk_no)],
        ...writeStatements(db, importId, c),
      ];
    }
    tBatch = Date.now();
    return named.map(([, s]) => s);
  };
  let checkMs = 0;
  let tBatch = 0;
  let results: D1Result[];
  try {
    results = await applyChunkOnce(db, ORDER_IMPORT, importId, c.chunk_no, batch);
  } catch (e) {
    if (again || isPermanent(e) === false) throw e;
    // A constraint failed: a member changed (or the ids did not hold): checked again, the reason named.
    again = true;
    results = await applyChunkOnce(db, ORDER_IMPORT, importId, c.chunk_no, batch);
  }
  logImportStep(ORDER_IMPORT, importId, 'apply.orders', {
    chunk: c.chunk_no,
    orders: c.count ?? 0,
    again: again ? 1 : 0,
    ms: Date.now() - t0,
    // Checking the chunk again (when it was); the batch as the Worker waits for it.
    checkMs,
    batchMs: Date.now() - tBatch,
    ...statementTimes(
      results,
      named.map(([name]) => name),
    ),
  });
}

/** Applies one volume chunk with its marker (once, however often the message is delivered). */
async function applyVolumeChunk(db: D1Database, importId: number, c: ChunkInfo) {
  const t0 = Date.now();
  const results = await applyChunkOnce(db, ORDER_IMPORT, importId, c.chunk_no, async () => [
    ...markChunk(db, importId, c.chunk_no, c.kind),
    db
      .prepare(APPLY_VOLUME)
      .bind(await records.chunkPayload(db, ORDER_IMPORT, importId, c.chunk_no), c.period, 1),
  ]);
  logImportStep(ORDER_IMPORT, importId, 'apply.volume', {
    chunk: c.chunk_no,
    ms: Date.now() - t0,
    ...statementTimes(results, ['mark', 'mark', 'volume']),
  });
}

/**
 * Step 2: applies the order chunks (each a batch with its marker), computes the volume deltas once they
 * are all in, applies those, and ends DONE. Hands over to a fresh message when its time budget is spent.
 */
export async function applyStep(env: Env, importId: number): Promise<void> {
  const db = env.DB;
  const budget = applyBudget(APPLY_BUDGET_BATCHES);
  let imp = await records.importById<OrderImportRow>(db, ORDER_IMPORT, importId);
  if (imp?.status !== 'APPLYING') return;
  const again = () => sendStep(env, ORDER_IMPORT, 'apply', importId);
  const ctx = await loadCheckContext(db);
  const lineOf = lineNumbering(imp.format, await records.parts(db, ORDER_IMPORT, importId));
  for (const c of await chunkList(db, importId)) {
    if (c.kind !== 'orders' || c.applied) continue;
    if (!budget.take()) return again();
    await applyOrderChunk(db, importId, c, ctx, lineOf);
  }
  if (imp.volume_chunks == null) {
    if (!budget.hasTime(0.5)) return again();
    await computeVolumes(db, imp);
    imp = (await records.importById<OrderImportRow>(db, ORDER_IMPORT, importId))!;
  }
  const last = imp.order_chunks! + imp.volume_chunks!;
  for (const c of await chunkList(db, importId)) {
    if (c.kind !== 'volume' || c.applied || c.chunk_no >= last) continue;
    if (!budget.take()) return again();
    await applyVolumeChunk(db, importId, c);
  }
  await db
    .prepare(
      `UPDATE order_import SET status = 'DONE', finished_at = ?, done = total WHERE id = ? AND status = 'APPLYING'`,
    )
    .bind(nowIso(), importId)
    .run();
  await sendStep(env, ORDER_IMPORT, 'cleanup', importId);
}

export async function cleanupStep(env: Env, importId: number): Promise<void> {
  const imp = await records.importById<OrderImportRow>(env.DB, ORDER_IMPORT, importId);
  if (!imp || !isFinished(imp.status)) return;
  await cleanup(env.DB, importId);
}

/**
 * After the last attempt (or a permanent failure): takes back the applied volume chunks, deletes the
 * import's orders, and marks the import FAILED.
 */
export async function failImport(env: Env, importId: number, e: unknown): Promise<void> {
  const db = env.DB;
  const imp = await records.importById<OrderImportRow>(db, ORDER_IMPORT, importId);
  if (!imp) return;
  const reason = failureReason(e);
  if (imp.status === 'APPLYING') {
    for (const c of await chunkList(db, importId)) {
      if (c.kind !== 'volume' || !c.applied) continue;
      await atomic(db, [
        db
          .prepare('UPDATE order_import_chunk SET applied = applied - 1 WHERE import_id = ? AND chunk_no = ?')
          .bind(importId, c.chunk_no),
        db
          .prepare(APPLY_VOLUME)
          .bind(await records.chunkPayload(db, ORDER_IMPORT, importId, c.chunk_no), c.period, -1),
      ]);
    }
    // The import kept the report counters itself (reportCounters.ts): an applied chunk's sales leave with its
    // orders, and its customers' cohorts are counted again from the orders that remain, in the batch that also
    // lowers its marker (so a second delivery finds either the whole chunk or none of it).
    for (const c of await chunkList(db, importId)) {
      if (c.kind !== 'orders' || !c.applied) continue;
      const customers = await db.prepare(CUSTOMERS_OF_CHUNK).bind(importId, c.chunk_no).raw<[number]>();
      await atomic(db, [
        db.prepare(SUBTRACT_SALES).bind(importId, c.chunk_no),
        db.prepare(`DELETE FROM payment WHERE order_id IN (${ORDERS_OF_CHUNK})`).bind(importId, c.chunk_no),
        db
          .prepare(`DELETE FROM order_line WHERE order_id IN (${ORDERS_OF_CHUNK})`)
          .bind(importId, c.chunk_no),
        db.prepare(`DELETE FROM sales_order WHERE id IN (${ORDERS_OF_CHUNK})`).bind(importId, c.chunk_no),
        ...(customers.length ? recountCohorts(db, JSON.stringify(customers.map(([id]) => id))) : []),
        db
          .prepare('UPDATE order_import_chunk SET applied = 0 WHERE import_id = ? AND chunk_no = ?')
          .bind(importId, c.chunk_no),
      ]);
    }
    await db
      .prepare(
        `UPDATE order_import SET status = 'FAILED', error = ?, finished_at = ? WHERE id = ? AND status = 'APPLYING'`,
      )
      .bind(reason, nowIso(), importId)
      .run();
  } else if (imp.status === 'VALIDATING') await failValidating(db, ORDER_IMPORT, importId, reason);
  await sendStep(env, ORDER_IMPORT, 'cleanup', importId);
}
