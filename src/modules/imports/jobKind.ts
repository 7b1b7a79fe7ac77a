// An import as a tracked job: one job per import ('<jobPrefix>:<id>'), its steps validate → apply (as many
// messages as the budget needs) → cleanup. What the mechanism cannot mend ends in a state staff act on.
import type { Env } from '../../env';
import type { NewJob } from '../jobs/model';
import type { JobKindSpec } from '../jobs/runner';
import type { ImportJobOf, ImportKind, ImportStep, ImportTable } from './kind';
import { failureReason, isPermanent } from './steps';

export function importJob(t: ImportTable, importId: number): NewJob<ImportJobOf<string>> {
  return {
    id: `${t.jobPrefix}:${importId}`,
    kind: t.jobPrefix,
    subject: `${t.runningLabel} ${importId}`,
    message: { kind: `${t.jobPrefix}.validate`, importId },
  };
}

const stepOf = (t: ImportTable, m: ImportJobOf<string>) => m.kind.slice(t.jobPrefix.length + 1) as ImportStep;

/**
 * Validation wrote nothing: a failed one only fails the import. A failure no retry will mend while applying
 * undoes what was applied. Retries spent while applying (an outage, say) leave the import APPLYING with the
 * reason, so staff choose: retry the job (it resumes at the next chunk) or cancel it (the compensation
 * removes what was applied). Cleanup only frees staging rows and never fails an import.
 */
export function importJobSpec(kind: ImportKind): JobKindSpec<ImportJobOf<string>> {
  return {
    isPermanent,
    async onFailed(env, m, reason, permanent) {
      const step = stepOf(kind, m);
      if (step === 'cleanup') return;
      if (step === 'apply' && !permanent) return noteStopped(env, kind, m.importId, reason);
      await kind.steps.fail(env, m.importId, new Error(reason));
    },
    async onRetry(env, m) {
      await env.DB.prepare(`UPDATE ${kind.table} SET error = NULL WHERE id = ? AND status = 'APPLYING'`)
        .bind(m.importId)
        .run();
    },
    async onCancel(env, m) {
      if (stepOf(kind, m) === 'cleanup') return;
      await kind.steps.fail(env, m.importId, new Error('Cancelled by staff.'));
    },
  };
}

async function noteStopped(env: Env, t: ImportTable, importId: number, reason: string) {
  await env.DB.prepare(`UPDATE ${t.table} SET error = ? WHERE id = ? AND status = 'APPLYING'`)
    .bind(failureReason(`Stopped after its retries: ${reason} Retry or cancel the import's job.`), importId)
    .run();
}
