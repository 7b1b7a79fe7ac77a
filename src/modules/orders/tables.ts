// Tables of orders and the order import (migrations 0003, 0007, 0037). Keys are the SQL column names, so
// that `$inferSelect` is the row a raw D1 statement returns; flags stay 0/1 integers and JSON stays text.
import { blob, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { product } from '../catalog/tables';
import { customer } from '../customers/tables';
import { distributor } from '../genealogy/tables';

export const salesOrder = sqliteTable('sales_order', {
  id: integer().primaryKey(),
  kind: text({ enum: ['PERSONAL', 'CUSTOMER'] }).notNull(),
  /** Volume is attributed here. */
  distributor_id: integer()
    .notNull()
    .references(() => distributor.id),
  customer_id: integer().references(() => customer.id),
  status: text({ enum: ['PENDING', 'PAID', 'REFUNDED', 'PARTIALLY_REFUNDED', 'CANCELLED'] }).notNull(),
  currency: text().notNull(),
  /** Minor units. */
  total: integer().notNull(),
  qv: integer().notNull(),
  cv: integer().notNull(),
  idempotency_key: text(),
  /** 'staff:1', 'distributor:5', 'apikey:2', 'autoship:7'. */
  created_by: text().notNull(),
  created_at: text().notNull(),
  /** The commission date. */
  paid_at: text(),
  /** Commission period of paid_at. */
  period: text(),
  payment_reference: text(),
  cancelled_at: text(),
  external_id: text(),
  import_id: integer(),
});

export const orderLine = sqliteTable('order_line', {
  id: integer().primaryKey(),
  order_id: integer()
    .notNull()
    .references(() => salesOrder.id),
  product_id: integer()
    .notNull()
    .references(() => product.id),
  sku: text().notNull(),
  quantity: integer().notNull(),
  /** What the buyer pays per unit (wholesale for PERSONAL, retail for CUSTOMER). */
  unit_price: integer().notNull(),
  unit_retail: integer().notNull(),
  unit_wholesale: integer().notNull(),
  unit_qv: integer().notNull(),
  unit_cv: integer().notNull(),
  is_starter_kit: integer().notNull(),
  refunded_quantity: integer().notNull().default(0),
});

/** One row per paid order: its primary key makes paying twice impossible. */
export const payment = sqliteTable('payment', {
  order_id: integer()
    .primaryKey()
    .references(() => salesOrder.id),
  paid_at: text().notNull(),
  reference: text(),
  recorded_by: text().notNull(),
  created_at: text().notNull(),
});

export const refund = sqliteTable('refund', {
  id: integer().primaryKey(),
  order_id: integer()
    .notNull()
    .references(() => salesOrder.id),
  amount: integer().notNull(),
  qv: integer().notNull(),
  cv: integer().notNull(),
  /** The period whose volume it lowers. */
  period: text().notNull(),
  /** 1 when the order's own period was already committed. */
  clawback: integer().notNull(),
  reason: text().notNull(),
  /** JSON [{lineId, quantity}]. */
  lines: text().notNull(),
  created_at: text().notNull(),
});

const IMPORT_FORMATS = ['NDJSON', 'CSV'] as const;
const IMPORT_STATUSES = ['UPLOADING', 'VALIDATING', 'APPLYING', 'DONE', 'REJECTED', 'FAILED'] as const;

export const orderImport = sqliteTable('order_import', {
  id: integer().primaryKey(),
  format: text({ enum: IMPORT_FORMATS }).notNull(),
  status: text({ enum: IMPORT_STATUSES }).notNull(),
  total_rows: integer(),
  step: text(),
  done: integer().notNull().default(0),
  total: integer().notNull().default(0),
  issue_count: integer().notNull().default(0),
  order_chunks: integer(),
  volume_chunks: integer(),
  error: text(),
  created_by: integer(),
  created_at: text().notNull(),
  started_at: text(),
  finished_at: text(),
});

export const orderImportPart = sqliteTable(
  'order_import_part',
  {
    import_id: integer()
      .notNull()
      .references(() => orderImport.id, { onDelete: 'cascade' }),
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

export const orderImportRow = sqliteTable(
  'order_import_row',
  {
    import_id: integer().notNull(),
    part_no: integer().notNull(),
    pack: integer().notNull(),
    /** JSON array of staged orders (parse.ts StagedOrder). */
    orders: text().notNull(),
  },
  (t) => [primaryKey({ columns: [t.import_id, t.part_no, t.pack] })],
);

export const orderImportChunk = sqliteTable(
  'order_import_chunk',
  {
    import_id: integer().notNull(),
    chunk_no: integer().notNull(),
    kind: text({ enum: ['orders', 'volume'] }).notNull(),
    part_no: integer(),
    pack: integer(),
    first: integer(),
    count: integer(),
    /** Digest of the catalog, markets and closed periods the chunk was checked against. */
    context: text(),
    period: text(),
    applied: integer().notNull().default(0),
    payload: text(),
  },
  (t) => [primaryKey({ columns: [t.import_id, t.chunk_no] })],
);

export const orderImportChecked = sqliteTable(
  'order_import_checked',
  {
    import_id: integer().notNull(),
    chunk_no: integer().notNull(),
    sales: text().notNull(),
    months: text().notNull(),
    /** jsonb of the checked rows (check.ts CheckedOrder). */
    checked: blob().notNull(),
  },
  (t) => [primaryKey({ columns: [t.import_id, t.chunk_no] })],
);

export const orderImportVolume = sqliteTable(
  'order_import_volume',
  {
    import_id: integer().notNull(),
    period: text().notNull(),
    distributor_id: integer().notNull(),
    pv: integer().notNull(),
    cv: integer().notNull(),
    customer_pv: integer().notNull(),
    customer_cv: integer().notNull(),
  },
  (t) => [primaryKey({ columns: [t.import_id, t.period, t.distributor_id] })],
);

export const orderImportIssue = sqliteTable(
  'order_import_issue',
  {
    import_id: integer().notNull(),
    seq: integer().notNull(),
    line: integer().notNull(),
    message: text().notNull(),
  },
  (t) => [primaryKey({ columns: [t.import_id, t.seq] })],
);
