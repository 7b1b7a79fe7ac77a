-- A period's paid orders in distributor order: the close sums their lines per distributor range
-- (src/modules/commissions/periods/volumeSums.ts) instead of reading every line. It replaces the customer-only
-- index of 0019 (the retail-customer counts read this one: their WHERE implies paid_at IS NOT NULL), so imports
-- maintain no more indexes than before.
DROP INDEX sales_order_period_customer;
CREATE INDEX sales_order_period_paid ON sales_order (period, distributor_id, customer_id) WHERE paid_at IS NOT NULL;
