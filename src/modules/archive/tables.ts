// Tables of the archive module (migration 0029). Keys are the SQL column names, so that `$inferSelect` is the
// row a raw D1 statement returns.
import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** The company's archive horizon (one row, id 1): committed periods kept live; null = archive nothing. */
export const archiveSettings = sqliteTable('archive_settings', {
  id: integer().primaryKey(),
  horizon_periods: integer(),
  updated_at: text().notNull(),
});

/** A period being archived or archived, and where. */
export const periodArchive = sqliteTable('period_archive', {
  period_id: text().primaryKey(),
  status: text({ enum: ['WRITING', 'VERIFIED', 'ARCHIVED'] }).notNull(),
  location: text().notNull(),
  part: text(),
  /** JSON {part: rows} of the finished parts. */
  counts: text().notNull().default('{}'),
  started_at: text().notNull(),
  verified_at: text(),
  archived_at: text(),
});

/** One R2 object of a period's part: its key range, rows, size and checksum. */
export const archiveChunk = sqliteTable(
  'archive_chunk',
  {
    period_id: text()
      .notNull()
      .references(() => periodArchive.period_id),
    part: text().notNull(),
    chunk: integer().notNull(),
    first_key: integer().notNull(),
    last_key: integer().notNull(),
    cursor: text().notNull(),
    rows: integer().notNull(),
    bytes: integer().notNull(),
    sha256: text().notNull(),
    verified: integer().notNull().default(0),
    deleted: integer().notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.period_id, t.part, t.chunk] })],
);

/** Income-disclosure costs of an archived period, per member and currency (migration 0032). */
export const archivedMemberCosts = sqliteTable(
  'archived_member_costs',
  {
    period_id: text().notNull(),
    distributor_id: integer().notNull(),
    currency: text().notNull(),
    own_purchases: integer().notNull(),
    starter_kits: integer().notNull(),
  },
  (t) => [primaryKey({ columns: [t.period_id, t.distributor_id, t.currency] })],
);

/** Compliance attribution of an archived period, per member (migration 0032). */
export const archivedMemberFigures = sqliteTable(
  'archived_member_figures',
  {
    period_id: text().notNull(),
    distributor_id: integer().notNull(),
    kit_retail_profit: integer().notNull().default(0),
    kit_cv: integer().notNull().default(0),
    personal_cv: integer().notNull().default(0),
    customer_cv: integer().notNull().default(0),
    retail_commissions: integer().notNull().default(0),
    volume_commissions: integer().notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.period_id, t.distributor_id] })],
);
