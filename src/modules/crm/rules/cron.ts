// The cron entry of the automatic follow-up rules: one call per rule from src/jobs/cron.ts. A failing rule
// is logged and does not stop the other cron work; the next run catches up (every rule is idempotent).
import type { Env } from '../../../env';
import { runDormantMembers } from './dormant';
import { runOrderFollowUps } from './followUps';
import { runReorderReminders } from './reorder';
import type { CrmRuleName } from './settings';

const RUNNERS: Record<CrmRuleName, (db: D1Database, now: Date) => Promise<number>> = {
  ORDER_FOLLOW_UP: runOrderFollowUps,
  REORDER_REMINDER: runReorderReminders,
  DORMANT_MEMBER: runDormantMembers,
};

export async function runCrmRule(rule: CrmRuleName, env: Env, now: Date): Promise<void> {
  try {
    const created = await RUNNERS[rule](env.DB, now);
    console.log(`crm rule ${rule}: ${created} task(s) created`);
  } catch (e) {
    console.error(`crm rule ${rule} failed`, e);
  }
}
