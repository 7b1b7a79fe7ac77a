// Tables of the CRM: prospects, activities, tasks, follow-up rules, dormant members, feedback (migration
// 0006), the prospect import (0017). Keys are the SQL column names, so that `$inferSelect` is the row a raw D1 statement returns;
// flags stay 0/1 integers.
import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { customer } from '../customers/tables';
import { distributor } from '../genealogy/tables';
import { salesOrder } from '../orders/tables';

const SUBJECT_TYPES = ['CUSTOMER', 'PROSPECT', 'DISTRIBUTOR', 'LEAD'] as const;

/** A distributor's own contact list. */
export const prospect = sqliteTable('prospect', {
  id: integer().primaryKey(),
  owner_id: integer()
    .notNull()
    .references(() => distributor.id),
  first_name: text().notNull(),
  last_name: text().notNull().default(''),
  email: text(),
  phone: text(),
  notes: text(),
  status: text({ enum: ['NEW', 'CONTACTED', 'INTERESTED', 'NOT_INTERESTED', 'CONVERTED'] })
    .notNull()
    .default('NEW'),
  next_step: text(),
  /** 'YYYY-MM-DD'. */
  next_step_date: text(),
  source: text({ enum: ['MANUAL', 'CSV', 'VCARD'] })
    .notNull()
    .default('MANUAL'),
  created_at: text().notNull(),
  updated_at: text().notNull(),
  /** The prospect import that wrote it (a failed import deletes its own). */
  import_id: integer(),
});

const IMPORT_STATUSES = ['UPLOADING', 'VALIDATING', 'APPLYING', 'DONE', 'REJECTED', 'FAILED'] as const;

/** A contact file for one owner's list, imported through the import engine. */
export const prospectImport = sqliteTable('prospect_import', {
  id: integer().primaryKey(),
  format: text({ enum: ['CSV', 'VCARD'] }).notNull(),
  status: text({ enum: IMPORT_STATUSES }).notNull(),
  owner_id: integer()
    .notNull()
    .references(() => distributor.id),
  total_rows: integer(),
  step: text(),
  done: integer().notNull().default(0),
  total: integer().notNull().default(0),
  issue_count: integer().notNull().default(0),
  prospect_chunks: integer(),
  error: text(),
  created_by: integer(),
  created_at: text().notNull(),
  started_at: text(),
  finished_at: text(),
});

export const prospectImportPart = sqliteTable(
  'prospect_import_part',
  {
    import_id: integer()
      .notNull()
      .references(() => prospectImport.id, { onDelete: 'cascade' }),
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

export const prospectImportRow = sqliteTable(
  'prospect_import_row',
  {
    import_id: integer().notNull(),
    part_no: integer().notNull(),
    line: integer().notNull(),
    first_name: text().notNull(),
    last_name: text(),
    email: text(),
    phone: text(),
    notes: text(),
    status: text(),
    next_step: text(),
    next_step_date: text(),
  },
  (t) => [primaryKey({ columns: [t.import_id, t.part_no, t.line] })],
);

export const prospectImportChunk = sqliteTable(
  'prospect_import_chunk',
  {
    import_id: integer().notNull(),
    chunk_no: integer().notNull(),
    from_part: integer().notNull(),
    from_line: integer().notNull(),
    to_part: integer().notNull(),
    to_line: integer().notNull(),
    applied: integer().notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.import_id, t.chunk_no] })],
);

export const prospectImportIssue = sqliteTable(
  'prospect_import_issue',
  {
    import_id: integer().notNull(),
    seq: integer().notNull(),
    line: integer().notNull(),
    message: text().notNull(),
  },
  (t) => [primaryKey({ columns: [t.import_id, t.seq] })],
);

/** Contact history on a person: subject = (type, id). */
export const activity = sqliteTable('activity', {
  id: integer().primaryKey(),
  subject_type: text({ enum: SUBJECT_TYPES }).notNull(),
  subject_id: integer().notNull(),
  kind: text({ enum: ['CALL', 'EMAIL', 'SMS', 'MEETING', 'NOTE'] }).notNull(),
  body: text().notNull(),
  occurred_at: text().notNull(),
  /** Null: staff or an integration. */
  author_distributor_id: integer().references(() => distributor.id),
  /** 'distributor:5', 'staff:1'. */
  author: text().notNull(),
  created_at: text().notNull(),
});

/** Follow-ups; automatic ones carry a dedupe key. */
export const task = sqliteTable('task', {
  id: integer().primaryKey(),
  owner_id: integer()
    .notNull()
    .references(() => distributor.id),
  kind: text({ enum: ['GENERAL', 'CALL', 'FOLLOW_UP', 'REORDER', 'DORMANT'] }).notNull(),
  title: text().notNull(),
  notes: text(),
  subject_type: text({ enum: SUBJECT_TYPES }),
  subject_id: integer(),
  /** 'YYYY-MM-DD', a day in the company time zone. */
  due_date: text().notNull(),
  done_at: text(),
  dedupe_key: text(),
  /** 'distributor:5', 'staff:1', 'rule:ORDER_FOLLOW_UP'. */
  created_by: text().notNull(),
  created_at: text().notNull(),
  updated_at: text().notNull(),
});

/** Company-level settings of the automatic follow-up rules. */
export const crmRule = sqliteTable('crm_rule', {
  rule: text({ enum: ['ORDER_FOLLOW_UP', 'REORDER_REMINDER', 'DORMANT_MEMBER'] }).primaryKey(),
  enabled: integer().notNull(),
  n: integer().notNull(),
  updated_at: text().notNull(),
  action: text({ enum: ['TASK', 'MESSAGE', 'BOTH'] })
    .notNull()
    .default('TASK'),
});

/** Members with no volume for the rule's N consecutive periods, as the nightly run last found them. */
export const dormantMember = sqliteTable(
  'dormant_member',
  {
    member_type: text({ enum: ['DISTRIBUTOR', 'CUSTOMER'] }).notNull(),
    member_id: integer().notNull(),
    /** Null: the root distributor has no sponsor. */
    responsible_id: integer(),
    /** Last period with volume (null: never). */
    last_active_period: text(),
    periods: integer().notNull(),
    detected_for: text().notNull(),
    detected_at: text().notNull(),
    checked_at: text().notNull(),
  },
  (t) => [primaryKey({ columns: [t.member_type, t.member_id] })],
);

/** NPS feedback (0-10) from a customer, about an order or in general. */
export const feedback = sqliteTable('feedback', {
  id: integer().primaryKey(),
  customer_id: integer()
    .notNull()
    .references(() => customer.id),
  order_id: integer().references(() => salesOrder.id),
  /** The customer's owner when recorded. */
  distributor_id: integer()
    .notNull()
    .references(() => distributor.id),
  score: integer().notNull(),
  comment: text(),
  /** 'distributor:5', 'staff:1', 'apikey:3'. */
  recorded_by: text().notNull(),
  created_at: text().notNull(),
});
