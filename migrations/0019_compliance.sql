-- Compliance (issue 15 §1-§2): the company's retail thresholds, and indexes for the compliance figures and the
-- income disclosure statement.

-- One row: the thresholds a distributor's period is checked against (NULL = no such threshold).
CREATE TABLE compliance_settings (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  -- Customer share of PV in basis points (7000 = 70 %).
  min_customer_volume_bp INTEGER CHECK (min_customer_volume_bp BETWEEN 0 AND 10000),
  min_retail_customers INTEGER CHECK (min_retail_customers >= 1),
  updated_at TEXT NOT NULL
) STRICT;
INSERT INTO compliance_settings (id, min_customer_volume_bp, min_retail_customers, updated_at)
VALUES (1, NULL, NULL, '1970-01-01T00:00:00.000Z');

-- Distinct retail customers per distributor in a period (the close's rank input and the compliance figures).
CREATE INDEX sales_order_period_customer ON sales_order (period, distributor_id, customer_id)
  WHERE kind = 'CUSTOMER' AND paid_at IS NOT NULL;
-- A period's volumes in distributor order (company figures, below-threshold lists).
CREATE INDEX volume_period ON volume (period, distributor_id);
-- Ledger entries of a range of periods (income disclosure).
CREATE INDEX ledger_entry_period ON ledger_entry (period_id, distributor_id) WHERE period_id IS NOT NULL;
