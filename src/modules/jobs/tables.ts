// Table of the job mechanism (migration 0015). Keys are the SQL column names, so that `$inferSelect` is the
// row a raw D1 statement returns; the message stays JSON text.
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { JOB_STATUSES } from './model';

export const job = sqliteTable('job', {
  /** The job's key: one row per logical job ('period-close:2026-11:1', 'orderImport:12'). */
  id: text().primaryKey(),
  kind: text().notNull(),
  subject: text().notNull(),
  status: text({ enum: JOB_STATUSES }).notNull(),
  /** Kind of the current step's queue message. */
  step: text().notNull(),
  /** The current step's queue message (JSON, carrying jobId). */
  message: text().notNull(),
  attempts: integer().notNull().default(0),
  max_attempts: integer().notNull(),
  redrives: integer().notNull().default(0),
  claim: text(),
  last_error: text(),
  created_at: text().notNull(),
  updated_at: text().notNull(),
  heartbeat_at: text(),
  next_attempt_at: text(),
  finished_at: text(),
});

export type JobRow = typeof job.$inferSelect;
