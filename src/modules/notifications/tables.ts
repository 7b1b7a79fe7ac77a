// Tables of notifications and password reset tokens (migration 0021). Keys are the SQL column names, so that
// `$inferSelect` is the row a raw D1 statement returns.
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { distributor } from '../genealogy/tables';
import { NOTIFICATION_KINDS } from './model';

export const notification = sqliteTable('notification', {
  id: integer().primaryKey(),
  distributor_id: integer()
    .notNull()
    .references(() => distributor.id),
  kind: text({ enum: NOTIFICATION_KINDS }).notNull(),
  subject_type: text(),
  subject_id: text(),
  /** JSON object: what the notification shows (names, numbers), fixed when the event happened. */
  payload: text().notNull().default('{}'),
  dedupe_key: text(),
  created_at: text().notNull(),
  read_at: text(),
});
export type NotificationRow = typeof notification.$inferSelect;
