// Tables of the GDPR module (migration 0023). Keys are the SQL column names, so that `$inferSelect` is the
// row a raw D1 statement returns.
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { distributor } from '../genealogy/tables';
import { EXPORT_STATUSES, PERSON_TYPES, REQUEST_STATUSES, RETENTION_KINDS } from './model';

export const gdprExport = sqliteTable('gdpr_export', {
  id: integer().primaryKey(),
  subject_type: text({ enum: PERSON_TYPES }).notNull(),
  subject_id: integer().notNull(),
  status: text({ enum: EXPORT_STATUSES }).notNull().default('QUEUED'),
  requested_by: text().notNull(),
  file_key: text(),
  size: integer(),
  row_count: integer(),
  error: text(),
  created_at: text().notNull(),
  ready_at: text(),
  expires_at: text(),
});
export type ExportRow = typeof gdprExport.$inferSelect;

export const gdprErasure = sqliteTable('gdpr_erasure', {
  id: integer().primaryKey(),
  subject_type: text({ enum: PERSON_TYPES }).notNull(),
  subject_id: integer().notNull(),
  pseudonym: text().notNull(),
  reason: text().notNull(),
  erased_by: text().notNull(),
  erased_at: text().notNull(),
  kept: text().notNull().default('[]'),
  files_deleted: integer().notNull().default(0),
});
export type ErasureRow = typeof gdprErasure.$inferSelect;

export const gdprErasureRequest = sqliteTable('gdpr_erasure_request', {
  id: integer().primaryKey(),
  distributor_id: integer()
    .notNull()
    .references(() => distributor.id),
  reason: text().notNull(),
  status: text({ enum: REQUEST_STATUSES }).notNull().default('OPEN'),
  created_at: text().notNull(),
  settled_by: text(),
  settled_at: text(),
  settle_note: text(),
});
export type ErasureRequestRow = typeof gdprErasureRequest.$inferSelect;

export const retentionPolicy = sqliteTable('retention_policy', {
  kind: text({ enum: RETENTION_KINDS }).primaryKey(),
  days: integer(),
  cursor: integer().notNull().default(0),
  updated_by: text(),
  updated_at: text().notNull(),
});
export type RetentionPolicyRow = typeof retentionPolicy.$inferSelect;
