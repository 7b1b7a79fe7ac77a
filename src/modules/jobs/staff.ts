// What staff do with a job: retry a FAILED one (its current step again, fresh attempts) or cancel one that
// has not ended well (the kind stops or undoes what it did).
import type { Env } from '../../env';
import { ConflictError, NotFoundError } from '../../lib/errors';
import { STALE_AFTER_MS } from './model';
import { jobById, markCancelled, markRequeued } from './repository';
import type { JobKindSpec } from './runner';
import type { JobRow } from './tables';

type SpecOf = (kind: string) => JobKindSpec | undefined;

async function requireJob(db: D1Database, id: string): Promise<JobRow> {
  const row = await jobById(db, id);
  if (!row) throw new NotFoundError(`Job ${id} does not exist.`);
  return row;
}

export async function retryJob(env: Env, id: string, specOf: SpecOf): Promise<JobRow> {
  const row = await requireJob(env.DB, id);
  if (row.status !== 'FAILED')
    throw new ConflictError(
      `Only a failed job can be retried (job ${id} is ${row.status.toLowerCase()}).`,
      'NOT_FAILED',
    );
  const message = JSON.parse(row.message);
  await specOf(row.kind)?.onRetry?.(env, message);
  if (!(await markRequeued(env.DB, id)))
    throw new ConflictError(`Job ${id} changed meanwhile; reload it.`, 'NOT_FAILED');
  await env.JOBS.send(message);
  return (await jobById(env.DB, id))!;
}

export async function cancelJob(env: Env, id: string, specOf: SpecOf, by: string): Promise<JobRow> {
  const row = await requireJob(env.DB, id);
  if (row.status === 'DONE' || row.status === 'CANCELLED')
    throw new ConflictError(`Job ${id} has already ended (${row.status.toLowerCase()}).`, 'ALREADY_ENDED');
  // The row first: a delivery arriving later finds the job cancelled and runs nothing.
  const staleBefore = new Date(Date.now() - STALE_AFTER_MS).toISOString();
  if (!(await markCancelled(env.DB, id, by, staleBefore)))
    throw new ConflictError(
      `Job ${id} is running a step now; cancel it when the step has finished or failed.`,
      'STILL_RUNNING',
    );
  await specOf(row.kind)?.onCancel?.(env, JSON.parse(row.message));
  return (await jobById(env.DB, id))!;
}
