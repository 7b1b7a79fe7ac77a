// The live volume table (migration 0003). Keys are the SQL column names, so that `$inferSelect` is the
// row a raw D1 statement returns.
import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Live volumes per distributor and period (pv/cv own orders, gv/gcv the whole sponsor downline too). */
export const volume = sqliteTable(
  'volume',
  {
    distributor_id: integer().notNull(),
    period: text().notNull(),
    pv: integer().notNull().default(0),
    cv: integer().notNull().default(0),
    customer_pv: integer().notNull().default(0),
    customer_cv: integer().notNull().default(0),
    gv: integer().notNull().default(0),
    gcv: integer().notNull().default(0),
    qualified_downline: integer().notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.distributor_id, t.period] })],
);
