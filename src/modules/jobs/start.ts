// Starting jobs: the row first (in the caller's batch when a state change starts the job), then the message.
// A message lost between the two is re-sent by the watchdog; a row is never missing for a sent message.
import type { Env } from '../../env';
import type { JobMessage } from '../../jobs/messages';
import { atomic } from '../../lib/db';
import { type NewJob, trackedMessage } from './model';
import { recordJob } from './repository';

/** The first step's queue message of a recorded job. */
export function firstMessage(job: NewJob): JobMessage {
  return trackedMessage(job.id, job.message) as unknown as JobMessage;
}

/** Sends the first step of a job recorded in the caller's batch. */
export async function sendFirstStep(env: Pick<Env, 'JOBS'>, job: NewJob): Promise<void> {
  await env.JOBS.send(firstMessage(job));
}

/** Records a job and sends its first step (when nothing else must change in the same batch). */
export async function startJob(env: Pick<Env, 'DB' | 'JOBS'>, job: NewJob): Promise<void> {
  await atomic(env.DB, [recordJob(env.DB, job)]);
  await sendFirstStep(env, job);
}

/**
 * Records many jobs that are new (an existing key, finished or not, is left alone) and sends the first step
 * of each one recorded now; answers how many were started.
 */
export async function startNewJobs(env: Pick<Env, 'DB' | 'JOBS'>, jobs: readonly NewJob[]): Promise<number> {
  if (jobs.length === 0) return 0;
  const results = await atomic(
    env.DB,
    jobs.map((j) => recordJob(env.DB, j, undefined, false)),
  );
  const started = jobs.filter((_j, i) => (results[i].meta.changes ?? 0) > 0);
  for (let i = 0; i < started.length; i += 100)
    await env.JOBS.sendBatch(started.slice(i, i + 100).map((j) => ({ body: firstMessage(j) })));
  return started.length;
}
