// The report counters (migration 0024) of imported orders, kept once per chunk instead of by the per-row
// triggers (migration 0030 leaves import rows to this file): report_sales from the lines as checked, in one
// aggregate statement, and the customer cohorts in three set-based statements. Both give the counters the
// triggers would have given; compensation takes them back the same way.

/** A chunk's paid lines summed per report_sales key. */
export class SalesTally {
  /** key -> [period, market, product id, currency, kind, quantity, amount, qv, cv] */
  private readonly sums = new Map<string, (string | number)[]>();

  add(
    period: string,
    market: string,
    currency: string,
    kind: string,
    productId: number,
    quantity: number,
    unitPrice: number,
    unitQv: number,
    unitCv: number,
  ) {
    const key = `${period}|${market}|${productId}|${currency}|${kind}`;
    let s = this.sums.get(key);
    if (!s) {
      s = [period, market, productId, currency, kind, 0, 0, 0, 0];
      this.sums.set(key, s);
    }
    (s[5] as number) += quantity;
    (s[6] as number) += quantity * unitPrice;
    (s[7] as number) += quantity * unitQv;
    (s[8] as number) += quantity * unitCv;
  }

  json(): string {
    return JSON.stringify([...this.sums.values()]);
  }
}

const ADD_SALES = (
  sales: string,
) => `INSERT INTO report_sales (period, market, product_id, currency, kind, quantity, amount, qv, cv)
  SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, value->>7, value->>8
  FROM json_each(${sales}) WHERE true
  ON CONFLICT (period, market, product_id, currency, kind) DO UPDATE SET quantity = quantity + excluded.quantity,
    amount = amount + excluded.amount, qv = qv + excluded.qv, cv = cv + excluded.cv`;

// The (customer, month) pairs of a chunk's paid customer orders: [[customerId, period], ...].
const NEW_MONTHS = (
  months: string,
) => `INSERT OR IGNORE INTO report_customer_month (customer_id, month, counted)
  SELECT value->>0, value->>1, 0 FROM json_each(${months})`;

/**
 * Per customer of the list: the cohort counted so far (earliest counted month) and the cohort now (earliest
 * month). A customer whose cohort moves earlier takes their counted months out of the old one; every month
 * not yet counted, and every month of a moved customer, enters the new one. Equals the trigger's per-row rule.
 */
const MOVE_COHORTS = (months: string) => `WITH st AS (
    SELECT cid,
      (SELECT min(month) FROM report_customer_month WHERE customer_id = cid AND counted = 1) AS old,
      (SELECT min(month) FROM report_customer_month WHERE customer_id = cid) AS cur
    FROM (SELECT DISTINCT value->>0 AS cid FROM json_each(${months}))
  )
  INSERT INTO report_cohort (scope_id, cohort, month, customers)
  SELECT CASE s.k WHEN 0 THEN 0 ELSE c.owner_id END, d.cohort, d.month, sum(d.delta)
  FROM (
    SELECT st.cid, st.old AS cohort, m.month, -1 AS delta
    FROM st JOIN report_customer_month m ON m.customer_id = st.cid AND m.counted = 1 WHERE st.old != st.cur
    UNION ALL
    SELECT st.cid, st.cur, m.month, 1
    FROM st JOIN report_customer_month m ON m.customer_id = st.cid WHERE m.counted = 0 OR st.old != st.cur
  ) d JOIN customer c ON c.id = d.cid, (SELECT 0 AS k UNION ALL SELECT 1) s
  WHERE true GROUP BY 1, 2, 3
  ON CONFLICT (scope_id, cohort, month) DO UPDATE SET customers = customers + excluded.customers`;

const MARK_COUNTED = (months: string) => `UPDATE report_customer_month SET counted = 1
  WHERE counted = 0 AND customer_id IN (SELECT value->>0 FROM json_each(${months}))`;

/**
 * The statements adding one applied chunk's orders to the report counters (in the chunk's batch), reading the
 * chunk's sums and (customer, period) pairs where validation (or a second check) stored them (?1 import, ?2 chunk).
 */
export function reportCounterStatements(
  db: D1Database,
  importId: number,
  chunkNo: number,
): D1PreparedStatement[] {
  const column = (name: string) =>
    `(SELECT ${name} FROM order_import_checked WHERE import_id = ?1 AND chunk_no = ?2)`;
  const months = column('months');
  return [ADD_SALES(column('sales')), NEW_MONTHS(months), MOVE_COHORTS(months), MARK_COUNTED(months)].map(
    (sql) => db.prepare(sql).bind(importId, chunkNo),
  );
}

/** The import's orders of one applied chunk (as compensation deletes them), by the checked rows' externalIds. */
export const ORDERS_OF_CHUNK = `SELECT o.id FROM order_import_checked k CROSS JOIN jsonb_each(k.checked) j
  CROSS JOIN sales_order o ON o.external_id = j.value->>0
  WHERE k.import_id = ?1 AND k.chunk_no = ?2 AND o.import_id = ?1`;

/** Takes one chunk's imported paid lines back out of report_sales (before they are deleted). */
export const SUBTRACT_SALES = `INSERT INTO report_sales (period, market, product_id, currency, kind, quantity, amount, qv, cv)
  SELECT o.period, coalesce(c.country, d.country), l.product_id, o.currency, o.kind, -sum(l.quantity),
    -sum(l.quantity * l.unit_price), -sum(l.quantity * l.unit_qv), -sum(l.quantity * l.unit_cv)
  FROM sales_order o JOIN order_line l ON l.order_id = o.id JOIN distributor d ON d.id = o.distributor_id
    LEFT JOIN customer c ON c.id = o.customer_id
  WHERE o.id IN (${ORDERS_OF_CHUNK}) AND o.paid_at IS NOT NULL AND o.period IS NOT NULL
  GROUP BY 1, 2, 3, 4, 5
  ON CONFLICT (period, market, product_id, currency, kind) DO UPDATE SET quantity = quantity + excluded.quantity,
    amount = amount + excluded.amount, qv = qv + excluded.qv, cv = cv + excluded.cv`;

/** The customers with paid orders among one chunk's imported orders (read before they are deleted). */
export const CUSTOMERS_OF_CHUNK = `SELECT DISTINCT o.customer_id FROM sales_order o
  WHERE o.id IN (${ORDERS_OF_CHUNK}) AND o.customer_id IS NOT NULL AND o.paid_at IS NOT NULL AND o.period IS NOT NULL`;

const COHORT_CONTRIBUTIONS = (sign: 1 | -1) => `INSERT INTO report_cohort (scope_id, cohort, month, customers)
  SELECT CASE s.k WHEN 0 THEN 0 ELSE c.owner_id END, f.cohort, m.month, ${sign} * count(*)
  FROM (SELECT customer_id, min(month) AS cohort FROM report_customer_month
        WHERE counted = 1 AND customer_id IN (SELECT value FROM json_each(?1)) GROUP BY 1) f
  JOIN report_customer_month m ON m.customer_id = f.customer_id AND m.counted = 1
  JOIN customer c ON c.id = f.customer_id, (SELECT 0 AS k UNION ALL SELECT 1) s
  WHERE true GROUP BY 1, 2, 3
  ON CONFLICT (scope_id, cohort, month) DO UPDATE SET customers = customers + excluded.customers`;

/**
 * Recounts the cohorts of some customers from their remaining paid orders (compensation, after the import's
 * orders are deleted): their contributions out, their months read again, their contributions in.
 */
export function recountCohorts(db: D1Database, customerIdsJson: string): D1PreparedStatement[] {
  return [
    db.prepare(COHORT_CONTRIBUTIONS(-1)).bind(customerIdsJson),
    db
      .prepare('DELETE FROM report_customer_month WHERE customer_id IN (SELECT value FROM json_each(?1))')
      .bind(customerIdsJson),
    db
      .prepare(
        `INSERT INTO report_customer_month (customer_id, month, counted)
         SELECT DISTINCT customer_id, period, 1 FROM sales_order
         WHERE customer_id IN (SELECT value FROM json_each(?1)) AND paid_at IS NOT NULL AND period IS NOT NULL`,
      )
      .bind(customerIdsJson),
    db.prepare(COHORT_CONTRIBUTIONS(1)).bind(customerIdsJson),
  ];
}
