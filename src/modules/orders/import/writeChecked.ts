// The statements that write an order chunk from its checked rows (order_import_checked), all in SQL: the
// orders, their lines and payments, the own-volume sums and the report counters, and the guards that fail the
// batch when the members changed since the check or the order ids did not come out as expected.
import { nowIso } from '../../../lib/db';
import { reportCounterStatements } from './reportCounters';
import type { ChunkInfo } from './repository';

// The statements below read the chunk's checked rows in SQL (?1 import, ?2 chunk): nothing large travels
// through the Worker. The k-th order of a chunk gets id first + k: the orders are inserted in their order into
// a table whose new rowids are max(id) + 1, ... (sales_order.id is INTEGER PRIMARY KEY, no AUTOINCREMENT), in one
// batch, that is one transaction; ORDER_IDS_HOLD fails the batch if that ever stopped being so.
const CHECKED = `order_import_checked k CROSS JOIN jsonb_each(k.checked) j`;
const OF_CHUNK = 'k.import_id = ?1 AND k.chunk_no = ?2';
/** The id of the chunk's first order once its orders are in (?3: the chunk's order count). */
const FIRST_ID = '((SELECT max(id) FROM sales_order) - ?3 + 1)';

/** Fails the batch (the applied CHECK) when a member an order names changed since it was checked. */
export const MEMBERS_UNCHANGED = `UPDATE order_import_chunk SET applied = applied + 2
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
export function writeStatements(
  db: D1Database,
  importId: number,
  c: ChunkInfo,
): [string, D1PreparedStatement][] {
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
