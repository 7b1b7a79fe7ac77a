// Tables of the genealogy module and its bulk import (migrations 0001, 0002, 0008, 0009, 0013).
// Keys are the SQL column names, so that `$inferSelect` is the row a raw D1 statement returns; flags
// stay 0/1 integers and JSON stays text, as D1 hands them back.
import { type AnySQLiteColumn, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

const IMPORT_FORMATS = ['NDJSON', 'CSV'] as const;
const IMPORT_STATUSES = ['UPLOADING', 'VALIDATING', 'APPLYING', 'DONE', 'REJECTED', 'FAILED'] as const;

export const distributor = sqliteTable('distributor', {
  id: integer().primaryKey(),
  external_id: text(),
  referral_code: text().notNull(),
  first_name: text().notNull(),
  last_name: text().notNull(),
  /** Lower-cased "first last" for name filters. */
  search_name: text().notNull(),
  email: text(),
  phone: text(),
  country: text().notNull(),
  locale: text({ enum: ['da', 'pl', 'de', 'en'] }).notNull(),
  status: text({ enum: ['ACTIVE', 'SUSPENDED', 'TERMINATED'] }).notNull(),
  joined_at: text().notNull(),
  sponsor_id: integer().references((): AnySQLiteColumn => distributor.id),
  sponsor_path: text().notNull(),
  sponsor_depth: integer().notNull(),
  placement_parent_id: integer().references((): AnySQLiteColumn => distributor.id),
  placement_position: integer(),
  placement_path: text().notNull(),
  placement_depth: integer().notNull(),
  placement_child_count: integer().notNull().default(0),
  /** 1 while the member has a free placement position. */
  placement_open: integer().notNull().default(1),
  team_size: integer().notNull().default(0),
  team_active: integer().notNull().default(0),
  placement_team_size: integer().notNull().default(0),
  lifetime_rank: integer().notNull().default(0),
  password_hash: text(),
  import_id: integer(),
  created_at: text().notNull(),
  updated_at: text().notNull(),
  iban: text(),
  bic: text(),
  lifetime_rank_id: text(),
  token_version: integer().notNull().default(0),
});

export const downlineLevel = sqliteTable(
  'downline_level',
  {
    ancestor_id: integer().notNull(),
    level: integer().notNull(),
    members: integer().notNull(),
  },
  (t) => [primaryKey({ columns: [t.ancestor_id, t.level] })],
);

export const downlineJoins = sqliteTable(
  'downline_joins',
  {
    ancestor_id: integer().notNull(),
    /** 'YYYY-MM' in the company time zone. */
    month: text().notNull(),
    members: integer().notNull(),
  },
  (t) => [primaryKey({ columns: [t.ancestor_id, t.month] })],
);

export const genealogyEvent = sqliteTable('genealogy_event', {
  id: integer().primaryKey(),
  distributor_id: integer()
    .notNull()
    .references(() => distributor.id),
  kind: text({ enum: ['MOVE_SPONSOR', 'MOVE_PLACEMENT', 'STATUS', 'TERMINATE', 'PROFILE'] }).notNull(),
  /** JSON. */
  detail: text().notNull(),
  created_at: text().notNull(),
});

export const genealogyImport = sqliteTable('genealogy_import', {
  id: integer().primaryKey(),
  format: text({ enum: IMPORT_FORMATS }).notNull(),
  status: text({ enum: IMPORT_STATUSES }).notNull(),
  total_rows: integer(),
  step: text(),
  done: integer().notNull().default(0),
  total: integer().notNull().default(0),
  issue_count: integer().notNull().default(0),
  id_base: integer(),
  chunk_count: integer(),
  error: text(),
  created_by: integer(),
  created_at: text().notNull(),
  started_at: text(),
  finished_at: text(),
  /** JSON [[name, sql], ...] of the indexes a bulk load dropped, until rebuilt. */
  dropped_indexes: text(),
});

export const genealogyImportPart = sqliteTable(
  'genealogy_import_part',
  {
    import_id: integer()
      .notNull()
      .references(() => genealogyImport.id, { onDelete: 'cascade' }),
    part_no: integer().notNull(),
    rows: integer().notNull(),
    records: integer().notNull(),
    lines: integer().notNull(),
    issue_count: integer().notNull(),
    /** JSON [[line within part, message], ...], capped. */
    issues: text().notNull(),
    uploaded_at: text().notNull(),
  },
  (t) => [primaryKey({ columns: [t.import_id, t.part_no] })],
);

export const genealogyImportRow = sqliteTable(
  'genealogy_import_row',
  {
    import_id: integer().notNull(),
    part_no: integer().notNull(),
    line: integer().notNull(),
    external_id: text().notNull(),
    sponsor_ext: text(),
    parent_ext: text(),
    position: integer(),
    first_name: text(),
    last_name: text(),
    email: text(),
    phone: text(),
    country: text(),
    locale: text(),
    status: text(),
    joined_at: text(),
    referral_code: text(),
    search_name: text(),
    bad: integer().notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.import_id, t.part_no, t.line] })],
);

export const genealogyImportChunk = sqliteTable(
  'genealogy_import_chunk',
  {
    import_id: integer().notNull(),
    chunk_no: integer().notNull(),
    kind: text({ enum: ['distributor', 'level', 'join', 'existing'] }).notNull(),
    applied: integer().notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.import_id, t.chunk_no] })],
);

/** A chunk's payload, apart from its `applied` marker (migration 0039: the marker's update stays small). */
export const genealogyImportChunkPayload = sqliteTable(
  'genealogy_import_chunk_payload',
  {
    import_id: integer().notNull(),
    chunk_no: integer().notNull(),
    payload: text().notNull(),
  },
  (t) => [primaryKey({ columns: [t.import_id, t.chunk_no] })],
);

export const genealogyImportIssue = sqliteTable(
  'genealogy_import_issue',
  {
    import_id: integer().notNull(),
    seq: integer().notNull(),
    line: integer().notNull(),
    message: text().notNull(),
  },
  (t) => [primaryKey({ columns: [t.import_id, t.seq] })],
);
