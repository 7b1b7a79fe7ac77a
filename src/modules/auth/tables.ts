// Tables of the auth module (migrations 0001, 0013). Keys are the SQL column names, so that
// `$inferSelect` is the row a raw D1 statement returns.
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const staffUser = sqliteTable('staff_user', {
  id: integer().primaryKey(),
  email: text().notNull(),
  name: text().notNull(),
  role: text({ enum: ['ADMIN'] })
    .notNull()
    .default('ADMIN'),
  password_hash: text().notNull(),
  created_at: text().notNull(),
  token_version: integer().notNull().default(0),
});

export const apiKey = sqliteTable('api_key', {
  id: integer().primaryKey(),
  name: text().notNull(),
  key_prefix: text().notNull(),
  key_hash: text().notNull(),
  /** JSON array of scope strings. */
  scopes: text().notNull(),
  created_at: text().notNull(),
  revoked_at: text(),
  last_used_at: text(),
});
