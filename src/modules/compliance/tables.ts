// Tables of the compliance module (migration 0019). Keys are the SQL column names, so that `$inferSelect` is
// the row a raw D1 statement returns.
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** The company's retail thresholds (one row, id 1); null = no such threshold. */
export const complianceSettings = sqliteTable('compliance_settings', {
  id: integer().primaryKey(),
  /** Customer share of PV in basis points (7000 = 70 %). */
  min_customer_volume_bp: integer(),
  min_retail_customers: integer(),
  updated_at: text().notNull(),
});
