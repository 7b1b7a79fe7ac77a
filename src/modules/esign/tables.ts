// Tables of electronic signature (migration 0022). Keys are the SQL column names.
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { storedFile } from '../offers/tables';
import { DOCUMENT_TYPES, ESIGN_PROVIDERS, PROVIDER_CHOICES, SIGNATURE_STATUSES } from './model';

export const esignSettings = sqliteTable('esign_settings', {
  id: integer().primaryKey(),
  offer_provider: text({ enum: PROVIDER_CHOICES }).notNull().default('NONE'),
  agreement_provider: text({ enum: PROVIDER_CHOICES }).notNull().default('NONE'),
  updated_at: text(),
});

export const signatureRequest = sqliteTable(
  'signature_request',
  {
    id: integer().primaryKey(),
    document_type: text({ enum: DOCUMENT_TYPES }).notNull(),
    subject_id: integer().notNull(),
    provider: text({ enum: ESIGN_PROVIDERS }).notNull(),
    status: text({ enum: SIGNATURE_STATUSES }).notNull().default('PENDING'),
    status_rank: integer().notNull().default(0),
    external_id: text(),
    signer_email: text().notNull(),
    signer_first_name: text().notNull(),
    signer_last_name: text().notNull(),
    language: text().notNull(),
    title: text().notNull(),
    signing_url: text(),
    source_key: text().references(() => storedFile.key),
    signed_key: text().references(() => storedFile.key),
    audit_key: text().references(() => storedFile.key),
    failure_reason: text(),
    completed_at: text(),
    created_at: text().notNull(),
    updated_at: text().notNull(),
  },
  (t) => [uniqueIndex('signature_request_external').on(t.provider, t.external_id)],
);

export const signatureEvent = sqliteTable(
  'signature_event',
  {
    id: integer().primaryKey(),
    request_id: integer()
      .notNull()
      .references(() => signatureRequest.id),
    provider: text().notNull(),
    delivery_id: text().notNull(),
    event: text().notNull(),
    detail: text(),
    received_at: text().notNull(),
  },
  (t) => [index('signature_event_request').on(t.request_id)],
);

export const agreementTemplate = sqliteTable('agreement_template', {
  locale: text({ enum: ['da', 'pl', 'de', 'en'] }).primaryKey(),
  title: text().notNull(),
  body: text().notNull(),
  updated_at: text().notNull(),
});
