// Queue entry point of the import steps: retries transient failures, gives up (and undoes) on the last try.
import type { Env } from '../../../env';
import type { JobMessage } from '../../../jobs/messages';
import { applyStep, cleanupStep, failImport, isPermanent, MAX_ATTEMPTS, validateStep } from './steps';

export type ImportJob =
  | { kind: 'genealogyImport.validate'; importId: number }
  | { kind: 'genealogyImport.apply'; importId: number }
  | { kind: 'genealogyImport.cleanup'; importId: number };

export async function handleImportJob(message: Message<JobMessage>, job: ImportJob, env: Env): Promise<void> {
  try {
    if (job.kind === 'genealogyImport.validate') await validateStep(env, job.importId);
    else if (job.kind === 'genealogyImport.apply') await applyStep(env, job.importId);
    else await cleanupStep(env, job.importId);
  } catch (e) {
    if (job.kind !== 'genealogyImport.cleanup' && (isPermanent(e) || message.attempts >= MAX_ATTEMPTS)) {
      console.error('genealogy import failed for good', job, e);
      await failImport(env, job.importId, e);
      return;
    }
    throw e;
  }
}
