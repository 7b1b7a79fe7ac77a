// Which module runs each queue message, and each tracked job kind's spec: the one list the queue router,
// the watchdog and the staff job API share.
import type { Env } from '../env';
import { archiveJobSpec, runArchiveStep } from '../modules/archive/job';
import { autoshipJobSpec, handleAutoshipJob } from '../modules/autoship/jobs';
import { periodCloseJobSpec } from '../modules/commissions/periods/jobKind';
import { handlePeriodJob } from '../modules/commissions/periods/jobs';
import { runWhatIf, whatIfJobSpec } from '../modules/commissions/whatif/run';
import { prospectImports } from '../modules/crm/prospects/import/kind';
import { esignJobSpec, runEsignStep } from '../modules/esign/jobs';
import { exportJobSpec, runExport } from '../modules/gdpr/exports';
import { genealogyImports } from '../modules/genealogy/import/kind';
import { importJobSpec } from '../modules/imports/jobKind';
import type { ImportKind, ImportStep } from '../modules/imports/kind';
import type { JobKindSpec } from '../modules/jobs/runner';
import type { LeadJob } from '../modules/leads/messages';
import { fanOutBroadcast } from '../modules/messaging/broadcasts';
import { sendOutboxMessage } from '../modules/messaging/send';
import { orderImports } from '../modules/orders/import/kind';
import { sendResetLink } from '../modules/passwordReset/reset';
import { countTeamRanksStep, teamRanksJobSpec } from '../modules/reports/teamRanks';
import type { JobMessage } from './messages';

const importKinds: readonly ImportKind[] = [genealogyImports, orderImports, prospectImports];

/** Tracked job kinds (the `kind` column of `job`) and what each adds to the mechanism. */
const specs: Record<string, JobKindSpec> = {
  'period.close': periodCloseJobSpec as JobKindSpec,
  whatif: whatIfJobSpec as JobKindSpec,
  autoship: autoshipJobSpec as JobKindSpec,
  esign: esignJobSpec as JobKindSpec,
  'gdpr.export': exportJobSpec as JobKindSpec,
  'report.teamRanks': teamRanksJobSpec as JobKindSpec,
  'period.archive': archiveJobSpec as JobKindSpec,
  ...Object.fromEntries(importKinds.map((k) => [k.jobPrefix, importJobSpec(k) as JobKindSpec])),
};

export const jobSpecOf = (kind: string): JobKindSpec | undefined => specs[kind];

export interface Route {
  /** The tracked job kind the message belongs to. */
  jobKind: string;
  run: (env: Env) => Promise<void>;
}

/** The handler of a queue message (lead messages are handled apart, in batches). */
export function routeOf(body: Exclude<JobMessage, LeadJob>): Route | null {
  switch (body.kind) {
    case 'noop':
      return { jobKind: 'noop', run: async () => {} };
    case 'genealogyImport.validate':
    case 'genealogyImport.apply':
    case 'genealogyImport.cleanup':
    case 'orderImport.validate':
    case 'orderImport.apply':
    case 'orderImport.cleanup':
    case 'prospectImport.validate':
    case 'prospectImport.apply':
    case 'prospectImport.cleanup': {
      const [prefix, step] = body.kind.split('.') as [string, ImportStep];
      const kind = importKinds.find((k) => k.jobPrefix === prefix)!;
      return { jobKind: prefix, run: (env) => kind.steps[step](env, body.importId) };
    }
    case 'whatif.run':
      return { jobKind: 'whatif', run: (env) => runWhatIf(env.DB, body.runId, env.FILES) };
    case 'period.snapshot':
    case 'period.compute':
      return { jobKind: 'period.close', run: (env) => handlePeriodJob(body, env) };
    case 'autoship.generate':
      return { jobKind: 'autoship', run: (env) => handleAutoshipJob(body, env, new Date()).then(() => {}) };
    // The queue router hands these to messaging/jobs.ts itself (their retry delay comes from the step); a
    // run from here is one idempotent try, and the hourly outbox sweep picks up whatever has to wait.
    case 'outbox.send':
      return { jobKind: 'outbox', run: (env) => sendOutboxMessage(env, body.outboxId).then(() => {}) };
    case 'broadcast.fanout':
      return { jobKind: 'broadcast', run: (env) => fanOutBroadcast(env, body.broadcastId) };
    case 'esign.start':
    case 'esign.sync':
      return { jobKind: 'esign', run: (env) => runEsignStep(env, body) };
    case 'gdpr.export':
      return { jobKind: 'gdpr.export', run: (env) => runExport(env, body.exportId) };
    case 'report.teamRanks':
      return { jobKind: 'report.teamRanks', run: (env) => countTeamRanksStep(env, body.periodId) };
    case 'archive.write':
    case 'archive.verify':
    case 'archive.delete':
      return { jobKind: 'period.archive', run: (env) => runArchiveStep(env, body) };
    case 'passwordReset.send':
      return { jobKind: 'passwordReset', run: (env) => sendResetLink(env, body) };
    default: {
      // Every kind of JobMessage has a case above: a new kind without one fails the typecheck here.
      const unrouted: never = body;
      console.error('unknown job', unrouted);
      return null;
    }
  }
}

/** The import kind of an untracked import message (a compensation's cleanup, or one sent before jobs). */
export function importKindOf(body: JobMessage): ImportKind | undefined {
  return importKinds.find((k) => body.kind.startsWith(`${k.jobPrefix}.`));
}
