-- What the compliance figures and the income disclosure read from a period's order and commission lines, kept per
-- member in the live database when the archive moves those lines to R2 (issue 14 §6 / issue 15): written in the
-- batch that makes the archive VERIFIED, from the live rows its chunks were just checked against.

-- Costs of the income disclosure: own purchases and starter kits (net of refunds), per member and currency.
CREATE TABLE archived_member_costs (
  period_id TEXT NOT NULL,
  distributor_id INTEGER NOT NULL,
  currency TEXT NOT NULL,
  own_purchases INTEGER NOT NULL,
  starter_kits INTEGER NOT NULL,
  PRIMARY KEY (period_id, distributor_id, currency)
) STRICT, WITHOUT ROWID;

-- The compliance attribution of a period per member: starter-kit retail profit and CV, own and customer CV (net
-- of the period's refunds), and the period's commission lines split into retail and volume-based.
CREATE TABLE archived_member_figures (
  period_id TEXT NOT NULL,
  distributor_id INTEGER NOT NULL,
  kit_retail_profit INTEGER NOT NULL DEFAULT 0,
  kit_cv INTEGER NOT NULL DEFAULT 0,
  personal_cv INTEGER NOT NULL DEFAULT 0,
  customer_cv INTEGER NOT NULL DEFAULT 0,
  retail_commissions INTEGER NOT NULL DEFAULT 0,
  volume_commissions INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (period_id, distributor_id)
) STRICT, WITHOUT ROWID;
