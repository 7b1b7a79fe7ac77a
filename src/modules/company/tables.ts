import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import type { DistributorStatus } from '../auth/accountStatus';

export const companySettings = sqliteTable('company_settings', {
  id: integer('id').primaryKey(),
  name: text('name').notNull(),
  timeZone: text('time_zone').notNull(),
  payoutCurrency: text('payout_currency').notNull(),
  placementKind: text('placement_kind', { enum: ['BINARY', 'MATRIX'] }).notNull(),
  matrixWidth: integer('matrix_width').notNull().default(3),
  terminateRollUp: text('terminate_roll_up', { enum: ['SPONSOR', 'COMPANY'] })
    .notNull()
    .default('SPONSOR'),
  activePv: integer('active_pv').notNull().default(100),
  closeGraceDays: integer('close_grace_days').notNull().default(3),
  payoutDebtorName: text('payout_debtor_name'),
  payoutDebtorIban: text('payout_debtor_iban'),
  payoutDebtorBic: text('payout_debtor_bic'),
  /** Statuses whose commission balance is held, not paid out (SPEC §3.1 has none). */
  payoutHeldStatuses: text('payout_held_statuses', { mode: 'json' })
    .$type<DistributorStatus[]>()
    .notNull()
    .default([]),
  signOutOnSuspension: integer('sign_out_on_suspension', { mode: 'boolean' }).notNull().default(true),
  /** A close holds the payout of a member whose distributor agreement is not signed (issue 13 §5). */
  payoutHoldUnsignedAgreement: integer('payout_hold_unsigned_agreement', { mode: 'boolean' })
    .notNull()
    .default(false),
  updatedAt: text('updated_at').notNull(),
});

export type CompanySettings = typeof companySettings.$inferSelect;
