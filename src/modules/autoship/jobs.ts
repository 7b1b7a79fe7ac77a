import type { Env } from '../../env';
import { loadSettings } from '../company/settings';
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
    await env.JOBS.sendBatch(
      due.map((d) => ({ body: { kind: 'autoship.generate', ...d } satisfies AutoshipJob })),
    );
    sent += due.length;
    after = due[due.length - 1].autoshipId;
  }
}

export async function handleAutoshipJob(job: AutoshipJob, env: Env, now: Date): Promise<void> {
  await generateAutoshipOrder(env.DB, { autoshipId: job.autoshipId, dueDate: job.dueDate }, now);
}
