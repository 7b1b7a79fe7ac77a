import type { Env } from '../../../env';
import { computeClosingPeriod } from './compute';
import { closeDuePeriod, type JobSink, type PeriodJob, takeSnapshot } from './lifecycle';

export type { PeriodJob };

export function queueSink(env: Env): JobSink {
  return { send: async (job) => void (await env.JOBS.send(job)) };
}

export async function handlePeriodJob(job: PeriodJob, env: Env): Promise<void> {
  if (job.kind === 'period.snapshot') await takeSnapshot(env.DB, queueSink(env), job.periodId, job.run);
  else await computeClosingPeriod(env.DB, job.periodId, job.run);
}

export function closeDuePeriodFromCron(env: Env, now: Date): Promise<string | null> {
  return closeDuePeriod(env.DB, queueSink(env), now);
}
