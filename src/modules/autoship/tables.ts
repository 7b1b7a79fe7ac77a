// Tables of autoship (migration 0004). Keys are the SQL column names, so that `$inferSelect` is the row
// a raw D1 statement returns; JSON stays text.
import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { customer } from '../customers/tables';
import { distributor } from '../genealogy/tables';
import { salesOrder } from '../orders/tables';

export const autoship = sqliteTable('autoship', {
  id: integer().primaryKey(),
  /** The owner; volume is attributed here. */
  distributor_id: integer()
    .notNull()
    .references(() => distributor.id),
  /** A customer's subscription; null = the distributor's own. */
  customer_id: integer().references(() => customer.id),
  /** JSON [{"productId": 1, "quantity": 2}]. */
  lines: text().notNull(),
  interval_days: integer(),
  day_of_month: integer(),
  /** 'YYYY-MM-DD' in the company time zone. */
  next_date: text().notNull(),
  status: text({ enum: ['ACTIVE', 'PAUSED', 'CANCELLED'] }).notNull(),
  created_at: text().notNull(),
  updated_at: text().notNull(),
});

/** One row per generated order (the order's idempotency key is 'autoship:<id>:<due date>'). */
export const autoshipRun = sqliteTable(
  'autoship_run',
  {
    autoship_id: integer()
      .notNull()
      .references(() => autoship.id),
    due_date: text().notNull(),
    order_id: integer().references(() => salesOrder.id),
    error: text(),
    created_at: text().notNull(),
  },
  (t) => [primaryKey({ columns: [t.autoship_id, t.due_date] })],
);
