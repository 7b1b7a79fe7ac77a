import type { Env } from '../../../env';
import { computeClosingPeriod } from './compute';
import { closeDuePeriod, type JobSink, type PeriodJob, takeSnapshot } from './lifecycle';
import { logCloseStep, meteredDb } from './metered';

export type { PeriodJob };

export function queueSink(env: Env): JobSink {
  return { send: async (job) => void (await env.JOBS.send(job)) };
}

export async function handlePeriodJob(job: PeriodJob, env: Env): Promise<void> {
  const { db, meter } = meteredDb(env.DB);
  if (job.kind === 'period.snapshot') await takeSnapshot(db, queueSink(env), job.periodId, job.run);
  else await computeClosingPeriod(db, job.periodId, job.run);
  // The whole invocation (one queue message) against the Worker limits.
  logCloseStep(job.periodId, job.run, job.kind, {
    ms: Date.now() - meter.startedAt,
    d1Calls: meter.calls,
    slowestD1Ms: meter.slowestMs,
    sqlMs: Math.round(meter.sqlMs),
  });
}

export function closeDuePeriodFromCron(env: Env, now: Date): Promise<string | null> {
  return closeDuePeriod(env.DB, queueSink(env), now);
}
