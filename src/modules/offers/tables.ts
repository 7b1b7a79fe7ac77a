// Tables of offers (migration 0020). Keys are the SQL column names, so that `$inferSelect` is the row a raw
// D1 statement returns.
import { type AnySQLiteColumn, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { product } from '../catalog/tables';
import { customer } from '../customers/tables';
import { distributor } from '../genealogy/tables';
import { lead } from '../leads/tables';
import { salesOrder } from '../orders/tables';
import { OFFER_STATUSES } from './model';

/** The company's offer settings (one row): the per-line discount limit and the page's colours. */
export const offerSettings = sqliteTable('offer_settings', {
  id: integer().primaryKey(),
  max_discount_bp: integer().notNull().default(1500),
  brand_color: text().notNull().default('#1d4e89'),
  accent_color: text().notNull().default('#0b6e4f'),
  updated_at: text(),
});

/** Objects of the FILES bucket with their SHA-256 (hex). */
export const storedFile = sqliteTable('stored_file', {
  key: text().primaryKey(),
  content_type: text().notNull(),
  size: integer().notNull(),
  sha256: text().notNull(),
  created_at: text().notNull(),
});

export const offer = sqliteTable('offer', {
  id: integer().primaryKey(),
  owner_id: integer()
    .notNull()
    .references(() => distributor.id),
  customer_id: integer().references(() => customer.id),
  lead_id: integer().references(() => lead.id),
  status: text({ enum: OFFER_STATUSES }).notNull().default('DRAFT'),
  country: text().notNull(),
  currency: text().notNull(),
  locale: text({ enum: ['da', 'pl', 'de', 'en'] }).notNull(),
  vat_rate_bp: integer().notNull(),
  /** 'YYYY-MM-DD': the last day (company time zone) the offer can be accepted. */
  valid_until: text().notNull(),
  note: text(),
  terms: text(),
  net: integer().notNull(),
  vat: integer().notNull(),
  gross: integer().notNull(),
  public_token: text(),
  link_revoked_at: text(),
  supersedes_id: integer().references((): AnySQLiteColumn => offer.id),
  superseded_by_id: integer().references((): AnySQLiteColumn => offer.id),
  sent_at: text(),
  viewed_at: text(),
  decided_at: text(),
  decision_ip: text(),
  decision_user_agent: text(),
  order_id: integer().references(() => salesOrder.id),
  pdf_key: text().references(() => storedFile.key),
  created_by: text().notNull(),
  created_at: text().notNull(),
  updated_at: text().notNull(),
});

export const offerLine = sqliteTable('offer_line', {
  id: integer().primaryKey(),
  offer_id: integer()
    .notNull()
    .references(() => offer.id),
  position: integer().notNull(),
  product_id: integer()
    .notNull()
    .references(() => product.id),
  sku: text().notNull(),
  name: text().notNull(),
  quantity: integer().notNull(),
  unit_price: integer().notNull(),
  discount_bp: integer().notNull().default(0),
  unit_net: integer().notNull(),
  line_net: integer().notNull(),
});
