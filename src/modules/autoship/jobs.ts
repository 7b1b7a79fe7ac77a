import type { Env } from '../../env';
import { loadSettings } from '../company/settings';
import type { NewJob } from '../jobs/model';
import type { JobKindSpec } from '../jobs/runner';
import { startNewJobs } from '../jobs/start';
import type { AutoshipJob } from './messages';
import { dueAutoships, generateAutoshipOrder } from './repository';
import { localDate } from './schedule';

/** Cron: one queue message per due autoship (sendBatch takes at most 100). */
export async function enqueueDueAutoships(env: Env, now: Date): Promise<number> {
  const settings = await loadSettings(env.DB);
  const today = localDate(now, settings.timeZone);
  let after = 0;
  let sent = 0;
  for (;;) {
    const due = await dueAutoships(env.DB, today, after, 100);
    if (due.length === 0) return sent;
    // One job per autoship and due date: a due autoship whose job is still running (or failed, for staff to
    // see) is not sent again; the watchdog re-drives lost ones.
    sent += await startNewJobs(env, due.map(autoshipJob));
    after = due[due.length - 1].autoshipId;
  }
}

export function autoshipJob(d: { autoshipId: number; dueDate: string }): NewJob<AutoshipJob> {
  return {
    id: `autoship:${d.autoshipId}:${d.dueDate}`,
    kind: 'autoship',
    subject: `autoship ${d.autoshipId} due ${d.dueDate}`,
    message: { kind: 'autoship.generate', autoshipId: d.autoshipId, dueDate: d.dueDate },
  };
}

/**
 * Nothing to add: a generation that failed wrote nothing (order, run and schedule move in one batch), so the
 * FAILED job is where staff see the reason; the hourly cron does not start that due date again (its job
 * exists) until staff retry the job. Cancelling leaves the autoship due, for staff to pause or edit it.
 */
export const autoshipJobSpec: JobKindSpec<AutoshipJob> = {};

export async function handleAutoshipJob(job: AutoshipJob, env: Env, now: Date): Promise<void> {
  await generateAutoshipOrder(env.DB, { autoshipId: job.autoshipId, dueDate: job.dueDate }, now);
}
