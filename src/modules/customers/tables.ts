// The customer table (migrations 0003, 0007). Keys are the SQL column names, so that `$inferSelect` is
// the row a raw D1 statement returns.
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { distributor } from '../genealogy/tables';

export const customer = sqliteTable('customer', {
  id: integer().primaryKey(),
  owner_id: integer()
    .notNull()
    .references(() => distributor.id),
  first_name: text().notNull(),
  last_name: text().notNull(),
  email: text(),
  phone: text(),
  country: text().notNull(),
  locale: text({ enum: ['da', 'pl', 'de', 'en'] }).notNull(),
  notes: text(),
  /** Marketing consent (GDPR): when and where it was given; null = not given. */
  consent_email_at: text(),
  consent_sms_at: text(),
  consent_source: text(),
  created_at: text().notNull(),
  updated_at: text().notNull(),
  external_id: text(),
});
