import type { Env } from '../env';
import { startDueArchives } from '../modules/archive/start';
import { enqueueDueAutoships } from '../modules/autoship/jobs';
import { closeDuePeriodFromCron } from '../modules/commissions/periods/jobs';
import { runCrmRule } from '../modules/crm/rules/cron';
import { pollQuietSignatures, startMissingAgreements } from '../modules/esign/signatures';
import { expireExports } from '../modules/gdpr/exports';
import { enforceRetention } from '../modules/gdpr/retention';
import { redriveStaleJobs } from '../modules/jobs/watchdog';
import { enqueueStalePendingIntakes, pruneRejections, sweepLeadInbox } from '../modules/leads/housekeeping';
import type { MessageRule } from '../modules/messaging/model';
import { runRuleMessages } from '../modules/messaging/rules';
import { enqueueStuckOutbox } from '../modules/messaging/sweep';
import { expireOffers } from '../modules/offers/expiry';
import { jobSpecOf } from './routes';

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
    // The inbox first: deliveries whose queue message was lost are kept and processed here.
    // Committed periods older than the company's horizon move their detailed rows to R2 (archive/).
    const archiving = await startDueArchives(env);
    if (archiving) console.log(`cron ${controller.cron}: started archiving ${archiving} period(s)`);
    const inbox = await sweepLeadInbox(env, now);
    if (inbox) console.log(`cron ${controller.cron}: ${inbox} lead deliveries recovered from the inbox`);
    const stale = await enqueueStalePendingIntakes(env, now);
    if (stale) console.log(`cron ${controller.cron}: ${stale} pending lead intakes enqueued again`);
    const stuck = await enqueueStuckOutbox(env, now);
    if (stuck) console.log(`cron ${controller.cron}: ${stuck} outbox messages enqueued again`);
    const expired = await expireOffers(env.DB, now);
    if (expired) console.log(`cron ${controller.cron}: ${expired} offers expired`);
    const agreements = await startMissingAgreements(env);
    if (agreements)
      console.log(`cron ${controller.cron}: ${agreements} distributor agreements sent for signature`);
    const polled = await pollQuietSignatures(env, now);
    if (polled) console.log(`cron ${controller.cron}: ${polled} quiet signatures re-read at their provider`);
    // The watchdog: steps nobody has run for a while are sent again, or end FAILED for staff.
    const watched = await redriveStaleJobs(env, now, jobSpecOf);
    if (watched.redriven || watched.failed)
      console.log(
        `cron ${controller.cron}: ${watched.redriven} stale jobs re-sent, ${watched.failed} given up`,
      );
  }
  // CRM follow-up rules (days in the company time zone; idempotent, so a repeated run creates nothing twice).
  if (controller.cron === HOURLY) {
    await runCrmRule('ORDER_FOLLOW_UP', env, now);
    await sendRuleMessages('ORDER_FOLLOW_UP', env, now);
  }
  if (controller.cron === NIGHTLY) {
    await runCrmRule('REORDER_REMINDER', env, now);
    await sendRuleMessages('REORDER_REMINDER', env, now);
    // After the scan: the messages go to the members it found dormant.
    await runCrmRule('DORMANT_MEMBER', env, now);
    await sendRuleMessages('DORMANT_MEMBER', env, now);
    const pruned = await pruneRejections(env.DB, now);
    if (pruned)
      console.log(`cron ${controller.cron}: ${pruned} webhook rejection records past retention deleted`);
    // GDPR: the company's retention policies (bounded per night, resumed the next), expired export archives.
    const retained = await enforceRetention(env, now);
    if (Object.values(retained).some((n) => n > 0))
      console.log(`cron ${controller.cron}: retention ${JSON.stringify(retained)}`);
    const expiredExports = await expireExports(env, now);
    if (expiredExports)
      console.log(`cron ${controller.cron}: ${expiredExports} personal data exports expired`);
  }
}

/** A rule's template messages (messaging/rules.ts); a failure is logged, the next run catches up. */
async function sendRuleMessages(rule: MessageRule, env: Env, now: Date): Promise<void> {
  try {
    const sent = await runRuleMessages(env, rule, now);
    if (sent) console.log(`crm rule ${rule}: ${sent} message(s) queued`);
  } catch (e) {
    console.error(`crm rule ${rule} messages failed`, e);
  }
}
