// Tables of the catalog (migration 0003). Keys are the SQL column names, so that `$inferSelect` is the
// row a raw D1 statement returns; flags stay 0/1 integers and JSON stays text.
import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Which currency each market (country) sells in. */
export const market = sqliteTable('market', {
  country: text().primaryKey(),
  currency: text().notNull(),
  /** VAT in basis points (2500 = 25 %); catalogue prices are net of VAT (migration 0020). */
  vat_rate_bp: integer().notNull().default(0),
});

export const product = sqliteTable('product', {
  id: integer().primaryKey(),
  sku: text().notNull(),
  /** JSON {"da": "...", "pl": "...", "de": "...", "en": "..."}. */
  names: text().notNull(),
  qv: integer().notNull(),
  /** Minor units of the payout currency. */
  cv: integer().notNull(),
  is_starter_kit: integer().notNull().default(0),
  active: integer().notNull().default(1),
  created_at: text().notNull(),
  updated_at: text().notNull(),
});

export const productPrice = sqliteTable(
  'product_price',
  {
    product_id: integer()
      .notNull()
      .references(() => product.id),
    currency: text().notNull(),
    retail: integer().notNull(),
    wholesale: integer().notNull(),
  },
  (t) => [primaryKey({ columns: [t.product_id, t.currency] })],
);
