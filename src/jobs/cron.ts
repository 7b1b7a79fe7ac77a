import type { Env } from '../env';

/** Cron triggers: each job decides for itself what is due (later issues add period close, autoship, ...). */
export async function handleScheduled(
  controller: ScheduledController,
  _env: Env,
  _ctx: ExecutionContext,
): Promise<void> {
  console.log(`cron ${controller.cron} at ${new Date(controller.scheduledTime).toISOString()}`);
}
