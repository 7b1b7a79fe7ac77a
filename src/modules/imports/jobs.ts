// Queue entry point of every kind's import steps: retries transient failures, gives up (and undoes) on
// the last try or on a failure no retry will mend.
import type { Env } from '../../env';
import type { ImportJobOf, ImportKind, ImportStep } from './kind';
import { MAX_ATTEMPTS } from './limits';
import { isPermanent } from './steps';

export async function handleImportJob(
  kind: ImportKind,
  message: { attempts: number },
  job: ImportJobOf<string>,
  env: Env,
): Promise<void> {
  const step = job.kind.slice(kind.jobPrefix.length + 1) as ImportStep;
  try {
    await kind.steps[step](env, job.importId);
  } catch (e) {
    // Cleanup only frees staging rows: it retries until it succeeds and never fails the import.
    if (step !== 'cleanup' && (isPermanent(e) || message.attempts >= MAX_ATTEMPTS)) {
      console.error(`${kind.path} import failed for good`, job, e);
      await kind.steps.fail(env, job.importId, e);
      return;
    }
    throw e;
  }
}
