// Tables of messaging (migration 0018; 0021 lets the outbox write to staff; 0025: broadcast templates, every rule's messages, the shop link). Keys are the SQL column names, so that `$inferSelect` is the row a
// raw D1 statement returns.
import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { distributor } from '../genealogy/tables';
import {
  CHANNELS,
  EMAIL_PROVIDERS,
  EVENT_STATUSES,
  LOCALES,
  MESSAGE_RULES,
  OUTBOX_RECIPIENT_TYPES,
  OUTBOX_STATUSES,
  PROVIDERS,
  PURPOSES,
  RECIPIENT_TYPES,
  SENDER_KINDS,
  SMS_PROVIDERS,
  SUPPRESSION_REASONS,
} from './model';

/** One row (id = 1): providers per channel, senders, the fallback locale of templates. */
export const messagingSettings = sqliteTable('messaging_settings', {
  id: integer().primaryKey(),
  default_locale: text({ enum: LOCALES }).notNull().default('en'),
  sms_provider: text({ enum: SMS_PROVIDERS }),
  email_provider: text({ enum: EMAIL_PROVIDERS }),
  sms_sender: text(),
  email_from: text(),
  quiet_hours_start: text().notNull().default('21:00'),
  quiet_hours_end: text().notNull().default('08:00'),
  marketing_daily_limit: integer().notNull().default(200),
  updated_at: text().notNull(),
  shop_url: text(),
});

export const messageTemplate = sqliteTable('message_template', {
  id: integer().primaryKey(),
  purpose_key: text().notNull(),
  channel: text({ enum: CHANNELS }).notNull(),
  locale: text({ enum: LOCALES }).notNull(),
  purpose: text({ enum: PURPOSES }).notNull(),
  subject: text(),
  body: text().notNull(),
  html: text(),
  updated_by: text().notNull(),
  created_at: text().notNull(),
  updated_at: text().notNull(),
});

export const messageOutbox = sqliteTable('message_outbox', {
  id: integer().primaryKey(),
  recipient_type: text({ enum: OUTBOX_RECIPIENT_TYPES }).notNull(),
  recipient_id: integer().notNull(),
  address: text().notNull(),
  channel: text({ enum: CHANNELS }).notNull(),
  purpose: text({ enum: PURPOSES }).notNull(),
  template_key: text(),
  locale: text({ enum: LOCALES }).notNull(),
  subject: text(),
  body: text().notNull(),
  html: text(),
  sms_encoding: text({ enum: ['GSM7', 'UCS2'] }),
  sms_segments: integer(),
  sender_kind: text({ enum: SENDER_KINDS }).notNull(),
  sender: text().notNull(),
  owner_distributor_id: integer().references(() => distributor.id),
  status: text({ enum: OUTBOX_STATUSES }).notNull().default('QUEUED'),
  provider: text({ enum: PROVIDERS }),
  provider_message_id: text(),
  provider_status: text(),
  idempotency_key: text().notNull(),
  attempts: integer().notNull().default(0),
  last_error: text(),
  not_before: text(),
  claimed_at: text(),
  sent_at: text(),
  delivered_at: text(),
  final_at: text(),
  created_at: text().notNull(),
  updated_at: text().notNull(),
});

export const messageEvent = sqliteTable('message_event', {
  id: integer().primaryKey(),
  provider: text({ enum: PROVIDERS }).notNull(),
  dedupe_key: text().notNull(),
  provider_message_id: text().notNull(),
  outbox_id: integer().references(() => messageOutbox.id),
  raw_status: text().notNull(),
  mapped_status: text({ enum: EVENT_STATUSES }),
  error_code: text(),
  applied: integer().notNull().default(0),
  payload: text().notNull(),
  received_at: text().notNull(),
});

export const messageConsent = sqliteTable('message_consent', {
  id: integer().primaryKey(),
  subject_type: text({ enum: RECIPIENT_TYPES }).notNull(),
  subject_id: integer().notNull(),
  channel: text({ enum: CHANNELS }).notNull(),
  action: text({ enum: ['GRANTED', 'WITHDRAWN'] }).notNull(),
  source: text().notNull(),
  recorded_by: text().notNull(),
  recorded_at: text().notNull(),
  /** Migration 0023 (GDPR consent history): what the consent is for, and the wording the person saw. */
  purpose: text({ enum: PURPOSES }).notNull().default('MARKETING'),
  text_shown: text(),
});

export const messageSuppression = sqliteTable(
  'message_suppression',
  {
    channel: text({ enum: CHANNELS }).notNull(),
    address: text().notNull(),
    reason: text({ enum: SUPPRESSION_REASONS }).notNull(),
    outbox_id: integer().references(() => messageOutbox.id),
    detail: text(),
    created_at: text().notNull(),
  },
  (t) => [primaryKey({ columns: [t.channel, t.address] })],
);

export const messageBroadcast = sqliteTable('message_broadcast', {
  id: integer().primaryKey(),
  name: text().notNull(),
  channel: text({ enum: CHANNELS }).notNull(),
  purpose: text({ enum: PURPOSES }).notNull(),
  subject: text(),
  body: text(),
  template_key: text(),
  segment: text().notNull(),
  status: text({ enum: ['RUNNING', 'PAUSED', 'CANCELLED', 'DONE'] })
    .notNull()
    .default('RUNNING'),
  cursor: integer().notNull().default(0),
  queued: integer().notNull().default(0),
  suppressed: integer().notNull().default(0),
  skipped: integer().notNull().default(0),
  created_by: text().notNull(),
  created_at: text().notNull(),
  updated_at: text().notNull(),
  finished_at: text(),
});
export type BroadcastRow = typeof messageBroadcast.$inferSelect;

/** Which automatic messages are sent, per rule and channel. */
export const messageRule = sqliteTable(
  'message_rule',
  {
    rule: text({ enum: MESSAGE_RULES }).notNull(),
    channel: text({ enum: CHANNELS }).notNull(),
    enabled: integer().notNull().default(0),
    updated_at: text().notNull(),
  },
  (t) => [primaryKey({ columns: [t.rule, t.channel] })],
);

export type OutboxRow = typeof messageOutbox.$inferSelect;
export type TemplateRow = typeof messageTemplate.$inferSelect;
export type MessagingSettingsRow = typeof messagingSettings.$inferSelect;
