import type { Env } from '../env';
import { enqueueDueAutoships } from '../modules/autoship/jobs';

export const HOURLY = '0 * * * *';
export const NIGHTLY = '0 2 * * *';

/** Cron triggers (UTC): each job decides for itself what is due, in the company's time zone. */
export async function handleScheduled(
  controller: ScheduledController,
  env: Env,
  _ctx: ExecutionContext,
): Promise<void> {
  const now = new Date(controller.scheduledTime);
  if (controller.cron === HOURLY) {
    const n = await enqueueDueAutoships(env, now);
    console.log(`cron ${controller.cron}: ${n} autoship orders due`);
  }
}
