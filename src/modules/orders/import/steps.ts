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
  type LineOf,
  lineNumbering,
  logImportStep,
  PermanentImportError,
  sendStep,
  statementTimes,
} from '../../imports/steps';
import {
  type CheckContext,
  checkOrder,
  END,
  type LineSink,
  loadCheckContext,
  type OrderPayload,
  readResolved,
} from './check';
import {
  CUSTOMERS_OF_PART,
  ORDERS_OF_PART,
  recountCohorts,
  reportCounterStatements,
  SalesTally,
  SUBTRACT_SALES,
} from './reportCounters';
import { type ChunkInfo, chunkList, cleanup, markChunk, type OrderImportRow } from './repository';
import { ORDER_IMPORT } from './table';
import { APPLY_VOLUME, computeVolumes } from './volumes';

/** Batches one apply message writes before handing over (Workers allow 1,000 queries per invocation). */
const APPLY_BUDGET_BATCHES = 150;

const INSERT_ORDERS = `INSERT INTO sales_order (kind, distributor_id, customer_id, status, currency, total, qv, cv,
    created_by, created_at, paid_at, period, payment_reference, cancelled_at, external_id, import_id)
  SELECT j.value->>4, j.value->>2, j.value->>3, s.status, j.value->>5, j.value->>6, j.value->>7, j.value->>8,
    ?3, s.created_at, s.paid_at, j.value->>9, s.reference, CASE s.status WHEN 'CANCELLED' THEN s.created_at END,
    s.external_id, ?2
  -- jsonb: each order's array is parsed once, not once per ->> (text JSON is re-parsed by every extraction).
  -- CROSS JOIN keeps jsonb_each outside: one primary-key lookup per order.
  FROM jsonb_each(jsonb(?1)) j
  CROSS JOIN order_import_row s ON s.import_id = ?2 AND s.part_no = j.value->>0 AND s.line = j.value->>1`;

// Lines take the catalog as checked in the same message (prices and unit volumes unless the file gives them).
const INSERT_LINES = `INSERT INTO order_line (order_id, product_id, sku, quantity, unit_price, unit_retail, unit_wholesale,
    unit_qv, unit_cv, is_starter_kit)
  SELECT o.id, p.id, p.sku, l.value->>1,
    coalesce(l.value->>2, CASE o.kind WHEN 'CUSTOMER' THEN pr.retail ELSE pr.wholesale END), pr.retail, pr.wholesale,
    coalesce(l.value->>3, p.qv), coalesce(l.value->>4, p.cv), p.is_starter_kit
  FROM jsonb_each(jsonb(?1)) j
  CROSS JOIN order_import_row s ON s.import_id = ?2 AND s.part_no = j.value->>0 AND s.line = j.value->>1
  CROSS JOIN sales_order o ON o.external_id = s.external_id
  CROSS JOIN json_each(s.lines) l
  CROSS JOIN product p ON p.sku = l.value->>0
  CROSS JOIN product_price pr ON pr.product_id = p.id AND pr.currency = o.currency
  ORDER BY j.key, l.key`;

const INSERT_PAYMENTS = `INSERT INTO payment (order_id, paid_at, reference, recorded_by, created_at)
  SELECT o.id, o.paid_at, o.payment_reference, ?3, ?4
  FROM jsonb_each(jsonb(?1)) j
  CROSS JOIN order_import_row s ON s.import_id = ?2 AND s.part_no = j.value->>0 AND s.line = j.value->>1
  CROSS JOIN sales_order o ON o.external_id = s.external_id
  WHERE s.status = 'PAID'`;

const SUM_VOLUME = `INSERT INTO order_import_volume (import_id, period, distributor_id, pv, cv, customer_pv, customer_cv)
  SELECT ?2, value->>9, value->>2, sum(value->>7), sum(value->>8),
    sum(CASE value->>4 WHEN 'CUSTOMER' THEN value->>7 ELSE 0 END),
    sum(CASE value->>4 WHEN 'CUSTOMER' THEN value->>8 ELSE 0 END)
  FROM jsonb_each(jsonb(?1)) WHERE value->>9 IS NOT NULL GROUP BY value->>9, value->>2
  ON CONFLICT (import_id, period, distributor_id) DO UPDATE SET pv = pv + excluded.pv, cv = cv + excluded.cv,
    customer_pv = customer_pv + excluded.customer_pv, customer_cv = customer_cv + excluded.customer_cv`;

/** The statements of an order chunk's batch, as its step line names their times. */
const ORDER_STATEMENTS = [
  'mark',
  'mark',
  'orders',
  'lines',
  'payments',
  'volume',
  'reportSales',
  'cohorts',
  'cohorts',
  'cohorts',
];

/** Rechecks one chunk's orders and returns the statements writing them. */
async function orderChunkStatements(
  db: D1Database,
  imp: OrderImportRow,
  c: ChunkInfo,
  ctx: CheckContext,
  lineOf: LineOf,
): Promise<D1PreparedStatement[]> {
  const t0 = Date.now();
  const rows = await readResolved(db, imp.id, [c.from_part!, c.from_line!], [c.to_part!, c.to_line!], END);
  const tRead = Date.now() - t0;
  const payload: OrderPayload[] = [];
  const issues: [number, string][] = [];
  const sales = new SalesTally();
  let lines: [number, number, number, number, number][] = [];
  const onLine: LineSink = (...l) => lines.push(l);
  for (const r of rows) {
    lines = [];
    const p = checkOrder(r, ctx, issues, onLine);
    if (issues.length)
      throw new PermanentImportError(
        `Line ${lineOf(r[0], issues[0][0])} changed since the file was validated: ${issues[0][1]}`,
      );
    payload.push(p!);
    // What the report_sales trigger counts of a paid order's lines; the market is the buyer's country.
    const [, , , , kind, currency, , , , period] = p!;
    const market = r[17] ?? r[13];
    if (period != null && market != null)
      for (const l of lines) sales.add(period, market, currency, kind, ...l);
  }
  const json = JSON.stringify(payload);
  logImportStep(ORDER_IMPORT, imp.id, 'apply.check', {
    chunk: c.chunk_no,
    readMs: tRead,
    checkMs: Date.now() - t0 - tRead,
  });
  const actor = `import:${imp.id}`;
  return [
    db.prepare(INSERT_ORDERS).bind(json, imp.id, actor),
    db.prepare(INSERT_LINES).bind(json, imp.id),
    db.prepare(INSERT_PAYMENTS).bind(json, imp.id, actor, nowIso()),
    db.prepare(SUM_VOLUME).bind(json, imp.id),
    ...reportCounterStatements(db, sales, payload),
  ];
}

/** Applies one chunk with its marker (once, however often the message is delivered). */
async function applyChunk(
  db: D1Database,
  importId: number,
  c: ChunkInfo,
  statements: () => Promise<D1PreparedStatement[]>,
) {
  const t0 = Date.now();
  const results = await applyChunkOnce(db, ORDER_IMPORT, importId, c.chunk_no, async () => [
    ...markChunk(db, importId, c.chunk_no, c.kind),
    ...(await statements()),
  ]);
  logImportStep(ORDER_IMPORT, importId, `apply.${c.kind}`, {
    chunk: c.chunk_no,
    ms: Date.now() - t0,
    ...statementTimes(results, c.kind === 'orders' ? ORDER_STATEMENTS : ['mark', 'mark', 'volume']),
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
    await applyChunk(db, importId, c, () => orderChunkStatements(db, imp!, c, ctx, lineOf));
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
    await applyChunk(db, importId, c, async () => [
      db
        .prepare(APPLY_VOLUME)
        .bind(await records.chunkPayload(db, ORDER_IMPORT, importId, c.chunk_no), c.period, 1),
    ]);
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
    // The import kept the report counters itself (reportCounters.ts): a part's sales leave with its orders, and
    // its customers' cohorts are counted again from the orders that remain, in the same batch (so a second
    // delivery finds either the whole part or none of it).
    for (const p of await records.parts(db, ORDER_IMPORT, importId)) {
      const customers = await db.prepare(CUSTOMERS_OF_PART).bind(importId, p.part_no).raw<[number]>();
      await atomic(db, [
        db.prepare(SUBTRACT_SALES).bind(importId, p.part_no),
        db.prepare(`DELETE FROM payment WHERE order_id IN (${ORDERS_OF_PART})`).bind(importId, p.part_no),
        db.prepare(`DELETE FROM order_line WHERE order_id IN (${ORDERS_OF_PART})`).bind(importId, p.part_no),
        db.prepare(`DELETE FROM sales_order WHERE id IN (${ORDERS_OF_PART})`).bind(importId, p.part_no),
        ...(customers.length ? recountCohorts(db, JSON.stringify(customers.map(([id]) => id))) : []),
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
