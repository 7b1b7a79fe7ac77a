// Queue entry point of the order-import steps: retries transient failures, gives up (and undoes) on the last try.
import type { Env } from '../../../env';
import type { JobMessage } from '../../../jobs/messages';
import { applyStep, cleanupStep, failImport, isPermanent, MAX_ATTEMPTS, validateStep } from './steps';

export type OrderImportJob =
  | { kind: 'orderImport.validate'; importId: number }
  | { kind: 'orderImport.apply'; importId: number }
  | { kind: 'orderImport.cleanup'; importId: number };

export async function handleOrderImportJob(
  message: Message<JobMessage>,
  job: OrderImportJob,
  env: Env,
): Promise<void> {
  try {
    if (job.kind === 'orderImport.validate') await validateStep(env, job.importId);
    else if (job.kind === 'orderImport.apply') await applyStep(env, job.importId);
    else await cleanupStep(env, job.importId);
  } catch (e) {
    if (job.kind !== 'orderImport.cleanup' && (isPermanent(e) || message.attempts >= MAX_ATTEMPTS)) {
      console.error('order import failed for good', job, e);
      await failImport(env, job.importId, e);
      return;
    }
    throw e;
  }
}
