// What the dead-letter consumer does with a message of each kind once it is safe in R2. Lead messages are
// settled by the leads module (service.ts calls settleDeadLeadJob); every other kind comes here.
import type { Env } from '../../env';
import type { JobMessage } from '../../jobs/messages';
import type { LeadJob } from '../leads/messages';

/**
 * The hook for every non-lead job whose retries were spent. It does nothing yet: the integrator fills in the
 * cases for the tracked jobs (mark the job FAILED with its reason, so that staff see it and can retry or cancel
 * it — `settleDeadLetteredJob` in modules/jobs/deadLetter.ts, which needs the job specs of jobs/routes.ts).
 * Until then the R2 dead letter is the record (staff replay it) and the hourly watchdog re-drives the job's
 * stale step. Must be idempotent: a redelivered dead letter may settle again.
 */
export async function settleDeadJob(
  _env: Env,
  body: Exclude<JobMessage, LeadJob>,
  _attempts: number,
): Promise<void> {
  switch (body.kind) {
    case 'noop':
    case 'genealogyImport.validate':
    case 'genealogyImport.apply':
    case 'genealogyImport.cleanup':
    case 'orderImport.validate':
    case 'orderImport.apply':
    case 'orderImport.cleanup':
    case 'whatif.run':
    case 'period.snapshot':
    case 'period.compute':
    case 'autoship.generate':
      return;
    default: {
      // Every kind of JobMessage has a case above: a new kind without one fails the typecheck here.
      const unrouted: never = body;
      console.error('dead letter of an unknown kind', unrouted);
    }
  }
}
