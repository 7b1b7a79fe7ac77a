// Tables of lead intake, routing and the pipeline (migrations 0005, 0012). Keys are the SQL column
// names, so that `$inferSelect` is the row a raw D1 statement returns; flags stay 0/1 integers and JSON
// stays text.
import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { customer } from '../customers/tables';
import { distributor } from '../genealogy/tables';

const LEAD_SOURCES = ['GOOGLE_ADS', 'META', 'GENERIC'] as const;

/** Google Ads lead forms: only the SHA-256 of each form's google_key is kept. */
export const leadGoogleForm = sqliteTable('lead_google_form', {
  /** 64-bit id as decimal text. */
  form_id: text().primaryKey(),
  name: text(),
  key_sha256: text().notNull(),
  created_at: text().notNull(),
  updated_at: text().notNull(),
});

/** Meta pages whose leads are fetched from the Graph API with a Page access token. */
export const leadMetaPage = sqliteTable('lead_meta_page', {
  page_id: text().primaryKey(),
  name: text(),
  access_token: text().notNull(),
  created_at: text().notNull(),
  updated_at: text().notNull(),
});

/** Generic senders (Zapier, Make, web forms) at /webhooks/leads/<name>. */
export const leadSource = sqliteTable('lead_source', {
  /** URL slug. */
  name: text().primaryKey(),
  auth: text({ enum: ['TOKEN', 'HMAC'] }).notNull(),
  token_sha256: text(),
  hmac_secret: text(),
  signature_header: text().notNull().default('X-Signature'),
  /** JSON [{"from": "contact.email", "to": "EMAIL"}]. */
  field_mapping: text().notNull().default('[]'),
  active: integer().notNull().default(1),
  created_at: text().notNull(),
  updated_at: text().notNull(),
});

/** Every accepted delivery, byte for byte. */
export const leadEvent = sqliteTable('lead_event', {
  id: integer().primaryKey(),
  source: text({ enum: LEAD_SOURCES }).notNull(),
  source_name: text(),
  content_type: text(),
  body: text().notNull(),
  body_sha256: text().notNull(),
  received_at: text().notNull(),
});

/** One row per external lead: the dedupe key of every source. */
export const leadIntake = sqliteTable('lead_intake', {
  id: integer().primaryKey(),
  source: text({ enum: LEAD_SOURCES }).notNull(),
  external_id: text().notNull(),
  event_id: integer()
    .notNull()
    .references(() => leadEvent.id),
  /** JSON: what the job needs beyond the event. */
  ref: text().notNull().default('{}'),
  status: text({ enum: ['PENDING', 'DONE', 'FAILED'] })
    .notNull()
    .default('PENDING'),
  attempts: integer().notNull().default(0),
  last_error: text(),
  lead_id: integer(),
  created_at: text().notNull(),
  updated_at: text().notNull(),
});

/** Refused deliveries: why, never the body. */
export const leadRejection = sqliteTable('lead_rejection', {
  id: integer().primaryKey(),
  endpoint: text().notNull(),
  reason: text().notNull(),
  http_status: integer().notNull(),
  body_bytes: integer(),
  received_at: text().notNull(),
});

export const leadRoutingRule = sqliteTable('lead_routing_rule', {
  id: integer().primaryKey(),
  name: text().notNull(),
  /** Lower first. */
  priority: integer().notNull().default(100),
  country: text(),
  postal_prefix: text(),
  active: integer().notNull().default(1),
  created_at: text().notNull(),
  updated_at: text().notNull(),
});

export const leadRoutingMember = sqliteTable(
  'lead_routing_member',
  {
    rule_id: integer()
      .notNull()
      .references(() => leadRoutingRule.id, { onDelete: 'cascade' }),
    distributor_id: integer()
      .notNull()
      .references(() => distributor.id),
    position: integer().notNull(),
    /** Round-robin: the lowest turn gets the next lead. */
    turn: integer().notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.rule_id, t.distributor_id] })],
);

/** Leads. status has no CHECK in SQL (the pipeline adds statuses without a rebuild). */
export const lead = sqliteTable('lead', {
  id: integer().primaryKey(),
  source: text({ enum: LEAD_SOURCES }).notNull(),
  source_name: text(),
  external_id: text().notNull(),
  intake_id: integer().references(() => leadIntake.id),
  status: text().notNull().default('NEW'),
  is_test: integer().notNull().default(0),
  form_id: text(),
  campaign_id: text(),
  adgroup_id: text(),
  creative_id: text(),
  ad_id: text(),
  asset_group_id: text(),
  page_id: text(),
  gcl_id: text(),
  full_name: text(),
  first_name: text(),
  last_name: text(),
  email: text(),
  phone: text(),
  street_address: text(),
  postal_code: text(),
  city: text(),
  region: text(),
  country: text(),
  country_code: text(),
  company_name: text(),
  job_title: text(),
  referral_code: text(),
  /** JSON {source, medium, campaign, term, content}. */
  utm: text().notNull().default('{}'),
  /** JSON [{key, label, value}]. */
  answers: text().notNull().default('[]'),
  /** Null = company pool. */
  assigned_distributor_id: integer().references(() => distributor.id),
  submitted_at: text(),
  created_at: text().notNull(),
  updated_at: text().notNull(),
  lost_reason: text(),
  converted_customer_id: integer().references(() => customer.id),
  converted_distributor_id: integer().references(() => distributor.id),
  converted_at: text(),
});

/** Every assignment, with its reason. */
export const leadAssignment = sqliteTable('lead_assignment', {
  id: integer().primaryKey(),
  lead_id: integer()
    .notNull()
    .references(() => lead.id),
  /** Null = company pool. */
  distributor_id: integer().references(() => distributor.id),
  reason: text({ enum: ['REFERRAL_CODE', 'UTM', 'RULE', 'POOL', 'MANUAL'] }).notNull(),
  rule_id: integer(),
  detail: text(),
  /** 'router' or 'staff:<id>'. */
  assigned_by: text().notNull(),
  created_at: text().notNull(),
});

export const leadStatusChange = sqliteTable('lead_status_change', {
  id: integer().primaryKey(),
  lead_id: integer()
    .notNull()
    .references(() => lead.id),
  /** No CHECK in SQL; the pipeline writes only its own statuses. */
  from_status: text({ enum: ['NEW', 'CONTACTED', 'QUALIFIED', 'CONVERTED', 'LOST'] }).notNull(),
  to_status: text({ enum: ['NEW', 'CONTACTED', 'QUALIFIED', 'CONVERTED', 'LOST'] }).notNull(),
  reason: text(),
  /** 'staff:<id>' or 'distributor:<id>'. */
  actor: text().notNull(),
  created_at: text().notNull(),
});
