// A tracked job's message that reached the dead-letter queue: the consumer could not even record its
// failure (D1 down through all its deliveries). When D1 answers again, the job becomes FAILED like any
// other, so staff see it and retry or cancel it; the message itself is kept by the dead-letter store.
import type { Env } from '../../env';
import { jobById, markFailed, markRequeued } from './repository';
import { type JobKindSpec, settleFailure } from './runner';
import type { JobRow } from './tables';

/** True when the message names a job that is now settled (FAILED here, or already over). */
export async function settleDeadLetteredJob(
  env: Env,
  body: { kind: string; jobId?: string },
  attempts: number,
  specOf: (kind: string) => JobKindSpec | undefined,
): Promise<boolean> {
  if (!body.jobId) return false;
  const row: JobRow | null = await jobById(env.DB, body.jobId);
  // A job that is over, or has moved on to another step, lost nothing with this message.
  if (!row || row.step !== body.kind) return row != null;
  const reason = `Dead-lettered after ${Math.trunc(attempts)} deliveries of ${body.kind}${
    row.last_error ? ` (last error: ${row.last_error})` : ''
  }.`;
  if (await markFailed(env.DB, row.id, reason.slice(0, 2000))) {
    const spec = specOf(row.kind);
    if (spec) await settleFailure(env, spec, JSON.parse(row.message), reason, false);
  }
  return true;
}

/** Before a staff replay of a dead-lettered step: its FAILED job is made ready and QUEUED again. */
export async function reopenForReplay(
  env: Env,
  body: { kind: string; jobId?: string },
  specOf: (kind: string) => JobKindSpec | undefined,
): Promise<void> {
  if (!body.jobId) return;
  const row = await jobById(env.DB, body.jobId);
  if (row?.status !== 'FAILED' || row.step !== body.kind) return;
  await specOf(row.kind)?.onRetry?.(env, JSON.parse(row.message));
  await markRequeued(env.DB, row.id);
}
