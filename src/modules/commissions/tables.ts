// Tables of commissions: plan versions, periods and their snapshot, results, the ledger, payouts and
// what-if runs (migrations 0003, 0008, 0011, 0014). Keys are the SQL column names, so that
// `$inferSelect` is the row a raw D1 statement returns; flags stay 0/1 integers and JSON stays text.
import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { distributor } from '../genealogy/tables';

export const planVersion = sqliteTable('plan_version', {
  id: integer().primaryKey(),
  name: text().notNull(),
  /** JSON, validated by the plan schema. */
  plan: text().notNull(),
  status: text({ enum: ['DRAFT', 'SCHEDULED'] }).notNull(),
  /** The first period (YYYY-MM) it is in force for. */
  effective_from: text(),
  /** 1 once a period was closed under it: then it never changes. */
  used: integer().notNull().default(0),
  created_at: text().notNull(),
  updated_at: text().notNull(),
});

/** Monthly commission periods ('YYYY-MM', company time zone) and their lifecycle. */
export const commissionPeriod = sqliteTable('commission_period', {
  id: text().primaryKey(),
  status: text({ enum: ['OPEN', 'CLOSING', 'REVIEW', 'COMMITTED', 'PAID'] })
    .notNull()
    .default('OPEN'),
  plan_version_id: integer().references(() => planVersion.id),
  starts_at: text(),
  ends_at: text(),
  /** Computation run; recompute = run + 1. */
  run: integer().notNull().default(0),
  step: text(),
  step_done: integer().notNull().default(0),
  step_total: integer().notNull().default(0),
  member_count: integer(),
  /** JSON PeriodTotals of the latest run. */
  totals: text(),
  error: text(),
  closing_started_at: text(),
  computed_at: text(),
  committed_at: text(),
  paid_at: text(),
});

/** The frozen members of a period in chunks of typed columns (JSON). */
export const periodSnapshotChunk = sqliteTable(
  'period_snapshot_chunk',
  {
    period_id: text()
      .notNull()
      .references(() => commissionPeriod.id),
    chunk: integer().notNull(),
    data: text().notNull(),
  },
  (t) => [primaryKey({ columns: [t.period_id, t.chunk] })],
);

/** Staff-forced paid-as ranks; rank_id null = forced to no rank. */
export const rankOverride = sqliteTable(
  'rank_override',
  {
    period_id: text().notNull(),
    distributor_id: integer()
      .notNull()
      .references(() => distributor.id),
    rank_id: text(),
    reason: text().notNull(),
    created_at: text().notNull(),
  },
  (t) => [primaryKey({ columns: [t.period_id, t.distributor_id] })],
);

/** Per distributor per period: what the latest run computed. */
export const periodResult = sqliteTable(
  'period_result',
  {
    period_id: text().notNull(),
    distributor_id: integer().notNull(),
    pv: integer().notNull(),
    cv: integer().notNull(),
    gv: integer().notNull(),
    gcv: integer().notNull(),
    active: integer().notNull(),
    paid_as_rank: text(),
    lifetime_rank: text(),
    total: integer().notNull(),
    payout: integer().notNull(),
    balance_in: integer().notNull(),
    balance_out: integer().notNull(),
    carry_left: integer().notNull().default(0),
    carry_right: integer().notNull().default(0),
    /** Why the payout was held: 'AGREEMENT_UNSIGNED' (issue 13 §5); null when it was not. */
    hold_reason: text(),
  },
  (t) => [primaryKey({ columns: [t.period_id, t.distributor_id] })],
);

/** Commission lines of the latest run: one per (earner, bonus, component). */
export const commissionLine = sqliteTable(
  'commission_line',
  {
    period_id: text().notNull(),
    distributor_id: integer().notNull(),
    bonus: text().notNull(),
    level: integer().notNull(),
    /** The member a component is about (stairstep child), else 0. */
    source_id: integer().notNull(),
    volume: integer().notNull(),
    bp: integer().notNull(),
    before_cap: integer().notNull(),
    amount: integer().notNull(),
  },
  (t) => [primaryKey({ columns: [t.period_id, t.distributor_id, t.bonus, t.level, t.source_id] })],
);

/** Append-only money movements; a correction is a new entry. */
export const ledgerEntry = sqliteTable('ledger_entry', {
  id: integer().primaryKey(),
  distributor_id: integer()
    .notNull()
    .references(() => distributor.id),
  kind: text({ enum: ['COMMISSION', 'ADJUSTMENT', 'PAYOUT'] }).notNull(),
  /** Minor units of the payout currency; payouts are negative. */
  amount: integer().notNull(),
  currency: text().notNull(),
  period_id: text(),
  /** ADJUSTMENT: BONUS | CORRECTION | CHARGEBACK | OTHER. */
  adjustment_type: text(),
  reason: text(),
  staff_id: integer(),
  payout_batch_id: integer(),
  created_at: text().notNull(),
  /** Deterministic key of generated entries: a commit or payout run twice writes nothing twice. */
  dedupe_key: text(),
});

export const payoutBatch = sqliteTable('payout_batch', {
  id: integer().primaryKey(),
  period_id: text()
    .notNull()
    .references(() => commissionPeriod.id),
  currency: text().notNull(),
  count: integer().notNull(),
  total: integer().notNull(),
  created_at: text().notNull(),
});

/** A period computed under another plan version, compared per distributor, never in the ledger. */
export const whatifRun = sqliteTable('whatif_run', {
  id: integer().primaryKey(),
  period_id: text().notNull(),
  plan_version_id: integer()
    .notNull()
    .references(() => planVersion.id),
  status: text({ enum: ['QUEUED', 'DONE', 'FAILED'] }).notNull(),
  /** JSON. */
  summary: text(),
  error: text(),
  created_at: text().notNull(),
  finished_at: text(),
});

export const whatifResult = sqliteTable(
  'whatif_result',
  {
    run_id: integer()
      .notNull()
      .references(() => whatifRun.id),
    distributor_id: integer().notNull(),
    base_rank: text(),
    new_rank: text(),
    base_total: integer().notNull(),
    new_total: integer().notNull(),
    delta: integer().notNull(),
  },
  (t) => [primaryKey({ columns: [t.run_id, t.distributor_id] })],
);
