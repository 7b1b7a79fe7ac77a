import type { Env } from '../env';
import { enqueueDueAutoships } from '../modules/autoship/jobs';
import { closeDuePeriodFromCron } from '../modules/commissions/periods/jobs';
import { runCrmRule } from '../modules/crm/rules/cron';
import { enqueueStalePendingIntakes, pruneRejections } from '../modules/leads/housekeeping';
import { runOrderFollowUpMessages } from '../modules/messaging/rules';
import { enqueueStuckOutbox } from '../modules/messaging/sweep';

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
    const closing = await closeDuePeriodFromCron(env, now);
    if (closing) console.log(`cron ${controller.cron}: started the close of ${closing}`);
    const stale = await enqueueStalePendingIntakes(env, now);
    if (stale) console.log(`cron ${controller.cron}: ${stale} pending lead intakes enqueued again`);
    const stuck = await enqueueStuckOutbox(env, now);
    if (stuck) console.log(`cron ${controller.cron}: ${stuck} outbox messages enqueued again`);
  }
  // CRM follow-up rules (days in the company time zone; idempotent, so a repeated run creates nothing twice).
  if (controller.cron === HOURLY) {
    await runCrmRule('ORDER_FOLLOW_UP', env, now);
    const sent = await runOrderFollowUpMessages(env, now);
    if (sent) console.log(`cron ${controller.cron}: ${sent} order follow-up messages queued`);
  }
  if (controller.cron === NIGHTLY) {
    await runCrmRule('REORDER_REMINDER', env, now);
    await runCrmRule('DORMANT_MEMBER', env, now);
    const pruned = await pruneRejections(env.DB, now);
    if (pruned)
      console.log(`cron ${controller.cron}: ${pruned} webhook rejection records past retention deleted`);
  }
}
