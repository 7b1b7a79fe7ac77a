// Tables of password reset (migration 0021). Keys are the SQL column names, so that `$inferSelect` is the
// row a raw D1 statement returns.
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { LOCALES } from '../messaging/model';
import { messageOutbox } from '../messaging/tables';

export const passwordResetToken = sqliteTable('password_reset_token', {
  id: integer().primaryKey(),
  /** Hex SHA-256 of the token in the link; the token itself is never stored. */
  token_hash: text().notNull(),
  account_kind: text({ enum: ['staff', 'distributor'] }).notNull(),
  account_id: integer().notNull(),
  locale: text({ enum: LOCALES }).notNull(),
  outbox_id: integer().references(() => messageOutbox.id),
  created_at: text().notNull(),
  expires_at: text().notNull(),
  used_at: text(),
});
export type ResetTokenRow = typeof passwordResetToken.$inferSelect;
