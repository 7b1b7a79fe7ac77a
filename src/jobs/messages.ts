import type { ArchiveJob } from '../modules/archive/messages';
import type { AutoshipJob } from '../modules/autoship/messages';
import type { PeriodJob } from '../modules/commissions/periods/lifecycle';
import type { WhatIfJob } from '../modules/commissions/whatif/run';
import type { ProspectImportJob } from '../modules/crm/prospects/import/kind';
import type { EsignJob } from '../modules/esign/messages';
import type { GdprExportJob } from '../modules/gdpr/messages';
import type { ImportJob } from '../modules/genealogy/import/kind';
import type { LeadJob } from '../modules/leads/messages';
import type { OutboxJob } from '../modules/messaging/messages';
import type { OrderImportJob } from '../modules/orders/import/kind';
import type { PasswordResetJob } from '../modules/passwordReset/messages';
import type { TeamRanksJob } from '../modules/reports/teamRanks';

/**
 * Every message on the jobs queue. Each carries what makes its handling idempotent; a step of a tracked job
 * also names its job (`jobId`, see modules/jobs).
 */
export type JobMessage =
  | { kind: 'noop'; id: string; jobId?: string }
  | ImportJob
  | AutoshipJob
  | PeriodJob
  | WhatIfJob
  | LeadJob
  | OrderImportJob
  | ProspectImportJob
  | OutboxJob
  | PasswordResetJob
  | EsignJob
  | GdprExportJob
  | TeamRanksJob
  | ArchiveJob;
