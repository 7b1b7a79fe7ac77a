-- The order import keeps the report counters once per chunk (one aggregate statement for report_sales, a few
-- set-based ones for the cohorts: src/modules/orders/import/reportCounters.ts) instead of through these
-- triggers row by row (measured: the per-line trigger made inserting lines ~5× dearer). The triggers still
-- keep the counters for every other write (import_id IS NULL): a row inserted PAID by hand or by a future path.

DROP TRIGGER report_sales_line;
CREATE TRIGGER report_sales_line AFTER INSERT ON order_line
WHEN (SELECT status = 'PAID' AND import_id IS NULL FROM sales_order WHERE id = new.order_id)
BEGIN
  INSERT INTO report_sales (period, market, product_id, currency, kind, quantity, amount, qv, cv)
  SELECT o.period,
    coalesce((SELECT country FROM customer WHERE id = o.customer_id), (SELECT country FROM distributor WHERE id = o.distributor_id)),
    new.product_id, o.currency, o.kind, new.quantity, new.quantity * new.unit_price, new.quantity * new.unit_qv,
    new.quantity * new.unit_cv
  FROM sales_order o WHERE o.id = new.order_id AND o.period IS NOT NULL
  ON CONFLICT (period, market, product_id, currency, kind) DO UPDATE SET quantity = quantity + excluded.quantity,
    amount = amount + excluded.amount, qv = qv + excluded.qv, cv = cv + excluded.cv;
END;

DROP TRIGGER report_cohort_imported;
CREATE TRIGGER report_cohort_imported AFTER INSERT ON sales_order
WHEN new.status = 'PAID' AND new.customer_id IS NOT NULL AND new.period IS NOT NULL AND new.import_id IS NULL
BEGIN
  INSERT OR IGNORE INTO report_customer_month (customer_id, month, counted) VALUES (new.customer_id, new.period, 0);
  -- An earlier cohort than the one counted so far: the customer's counted periods leave the old cohort ...
  INSERT INTO report_cohort (scope_id, cohort, month, customers)
  SELECT CASE s.k WHEN 0 THEN 0 ELSE c.owner_id END, prev.cohort, m.month, -1
  FROM (SELECT min(month) AS cohort FROM report_customer_month WHERE customer_id = new.customer_id AND counted = 1) prev,
    report_customer_month m, customer c, (SELECT 0 AS k UNION ALL SELECT 1) s
  WHERE prev.cohort > new.period AND m.customer_id = new.customer_id AND m.counted = 1 AND c.id = new.customer_id
    AND EXISTS (SELECT 1 FROM report_customer_month WHERE customer_id = new.customer_id AND month = new.period AND counted = 0)
  ON CONFLICT (scope_id, cohort, month) DO UPDATE SET customers = customers + excluded.customers;
  -- ... and enter the new one (a new period of a known customer enters their cohort).
  INSERT INTO report_cohort (scope_id, cohort, month, customers)
  SELECT CASE s.k WHEN 0 THEN 0 ELSE c.owner_id END, cur.cohort, m.month, 1
  FROM (SELECT min(month) AS cohort, min(CASE WHEN counted = 1 THEN month END) AS counted_from
        FROM report_customer_month WHERE customer_id = new.customer_id) cur,
    report_customer_month m, customer c, (SELECT 0 AS k UNION ALL SELECT 1) s
  WHERE m.customer_id = new.customer_id AND c.id = new.customer_id AND (m.counted = 0 OR cur.counted_from > new.period)
    AND EXISTS (SELECT 1 FROM report_customer_month WHERE customer_id = new.customer_id AND month = new.period AND counted = 0)
  ON CONFLICT (scope_id, cohort, month) DO UPDATE SET customers = customers + excluded.customers;
  UPDATE report_customer_month SET counted = 1 WHERE customer_id = new.customer_id AND month = new.period AND counted = 0;
END;
