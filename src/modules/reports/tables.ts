// Tables of the report aggregates (migration 0024), kept by triggers in the transaction of the write that
// changes them. Keys are the SQL column names, so that `$inferSelect` is the row a raw D1 statement returns.
import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const reportSales = sqliteTable(
  'report_sales',
  {
    period: text().notNull(),
    market: text().notNull(),
    product_id: integer().notNull(),
    currency: text().notNull(),
    kind: text().notNull(),
    quantity: integer().notNull().default(0),
    amount: integer().notNull().default(0),
    qv: integer().notNull().default(0),
    cv: integer().notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.period, t.market, t.product_id, t.currency, t.kind] })],
);

export const reportTerminations = sqliteTable(
  'report_terminations',
  { scope_id: integer().notNull(), month: text().notNull(), members: integer().notNull() },
  (t) => [primaryKey({ columns: [t.scope_id, t.month] })],
);

export const reportCustomerMonth = sqliteTable(
  'report_customer_month',
  {
    customer_id: integer().notNull(),
    month: text().notNull(),
    counted: integer().notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.customer_id, t.month] })],
);

export const reportCohort = sqliteTable(
  'report_cohort',
  {
    scope_id: integer().notNull(),
    cohort: text().notNull(),
    month: text().notNull(),
    customers: integer().notNull(),
  },
  (t) => [primaryKey({ columns: [t.scope_id, t.cohort, t.month] })],
);

export const reportRank = sqliteTable(
  'report_rank',
  {
    scope_id: integer().notNull(),
    period: text().notNull(),
    rank: text().notNull(),
    members: integer().notNull(),
  },
  (t) => [primaryKey({ columns: [t.scope_id, t.period, t.rank] })],
);

/** Where the team rank counts of a committed period have got to (the job report.teamRanks). */
export const reportRankProgress = sqliteTable('report_rank_progress', {
  period: text().primaryKey(),
  after_id: integer().notNull(),
  done: integer().notNull(),
});

export const reportLead = sqliteTable('report_lead', {
  lead_id: integer().primaryKey(),
  distributor_id: integer(),
  month: text().notNull(),
  source: text().notNull(),
  campaign: text().notNull(),
  stage: integer().notNull(),
  created_at: text().notNull(),
  contacted: integer().notNull().default(0),
});

const leadKey = {
  scope_id: integer().notNull(),
  month: text().notNull(),
  source: text().notNull(),
  campaign: text().notNull(),
};

export const reportLeadFunnel = sqliteTable(
  'report_lead_funnel',
  { ...leadKey, stage: integer().notNull(), leads: integer().notNull() },
  (t) => [primaryKey({ columns: [t.scope_id, t.month, t.source, t.campaign, t.stage] })],
);

export const reportLeadContact = sqliteTable(
  'report_lead_contact',
  {
    scope_id: integer().notNull(),
    month: text().notNull(),
    source: text().notNull(),
    campaign: text().notNull(),
    hours: integer().notNull(),
    leads: integer().notNull(),
  },
  (t) => [primaryKey({ columns: [t.scope_id, t.month, t.source, t.campaign, t.hours] })],
);

export const reportMessage = sqliteTable(
  'report_message',
  {
    scope_id: integer().notNull(),
    month: text().notNull(),
    channel: text().notNull(),
    template: text().notNull(),
    sent: integer().notNull().default(0),
    delivered: integer().notNull().default(0),
    failed: integer().notNull().default(0),
    opted_out: integer().notNull().default(0),
    replied: integer().notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.scope_id, t.month, t.channel, t.template] })],
);

export const reportMessageOrder = sqliteTable('report_message_order', {
  outbox_id: integer().primaryKey(),
  days: integer().notNull(),
});

export const reportMessageOrdered = sqliteTable(
  'report_message_ordered',
  {
    scope_id: integer().notNull(),
    month: text().notNull(),
    channel: text().notNull(),
    template: text().notNull(),
    days: integer().notNull(),
    messages: integer().notNull(),
  },
  (t) => [primaryKey({ columns: [t.scope_id, t.month, t.channel, t.template, t.days] })],
);

// Team rollups of committed periods (migration 0031): scope_id = the team's top member.
export const reportTeamSales = sqliteTable(
  'report_team_sales',
  {
    scope_id: integer().notNull(),
    period: text().notNull(),
    market: text().notNull(),
    product_id: integer().notNull(),
    currency: text().notNull(),
    kind: text().notNull(),
    quantity: integer().notNull(),
    amount: integer().notNull(),
    qv: integer().notNull(),
    cv: integer().notNull(),
  },
  (t) => [primaryKey({ columns: [t.scope_id, t.period, t.market, t.product_id, t.currency, t.kind] })],
);

export const reportTeamCohort = sqliteTable(
  'report_team_cohort',
  {
    scope_id: integer().notNull(),
    cohort: text().notNull(),
    month: text().notNull(),
    customers: integer().notNull(),
  },
  (t) => [primaryKey({ columns: [t.scope_id, t.cohort, t.month] })],
);

export const reportTeamLeadFunnel = sqliteTable(
  'report_team_lead_funnel',
  { ...leadKey, stage: integer().notNull(), leads: integer().notNull() },
  (t) => [primaryKey({ columns: [t.scope_id, t.month, t.source, t.campaign, t.stage] })],
);

export const reportTeamLeadContact = sqliteTable(
  'report_team_lead_contact',
  { ...leadKey, hours: integer().notNull(), leads: integer().notNull() },
  (t) => [primaryKey({ columns: [t.scope_id, t.month, t.source, t.campaign, t.hours] })],
);

export const reportTeamMessage = sqliteTable(
  'report_team_message',
  {
    scope_id: integer().notNull(),
    month: text().notNull(),
    channel: text().notNull(),
    template: text().notNull(),
    sent: integer().notNull(),
    delivered: integer().notNull(),
    failed: integer().notNull(),
    opted_out: integer().notNull(),
    replied: integer().notNull(),
  },
  (t) => [primaryKey({ columns: [t.scope_id, t.month, t.channel, t.template] })],
);

export const reportTeamMessageOrdered = sqliteTable(
  'report_team_message_ordered',
  {
    scope_id: integer().notNull(),
    month: text().notNull(),
    channel: text().notNull(),
    template: text().notNull(),
    days: integer().notNull(),
    messages: integer().notNull(),
  },
  (t) => [primaryKey({ columns: [t.scope_id, t.month, t.channel, t.template, t.days] })],
);
