// ORDER_FOLLOW_UP: N days after a customer's order was paid, a "how is it going" task for the customer's
// owner. The dedupe key (one per order) makes every run idempotent; a 7-day look-back catches runs missed.
import { nowIso } from '../../../lib/db';
import { loadSettings } from '../../company/settings';
import { addDays, dayInZone, startOfDayInZone } from '../dates';
import { makesTasks, ruleSettings } from './settings';

const LOOK_BACK_DAYS = 7;

export async function runOrderFollowUps(db: D1Database, now: Date): Promise<number> {
  const rule = await ruleSettings(db, 'ORDER_FOLLOW_UP');
  if (!makesTasks(rule)) return 0;
  const { timeZone } = await loadSettings(db);
  const today = dayInZone(now, timeZone);
  // Orders paid on local days [today - N - LOOK_BACK, today - N].
  const from = startOfDayInZone(addDays(today, -rule.n - LOOK_BACK_DAYS), timeZone).toISOString();
  const to = startOfDayInZone(addDays(today, -rule.n + 1), timeZone).toISOString();
  const stamp = nowIso();
  const res = await db
    .prepare(
      `INSERT INTO task (owner_id, kind, title, subject_type, subject_id, due_date, dedupe_key, created_by, created_at, updated_at)
       SELECT c.owner_id, 'FOLLOW_UP', 'How is it going? ' || c.first_name || ' ' || c.last_name || ' (order ' || o.id || ')',
         'CUSTOMER', c.id, ?1, 'order-follow-up:' || o.id, 'rule:ORDER_FOLLOW_UP', ?4, ?4
       FROM sales_order o JOIN customer c ON c.id = o.customer_id
       WHERE o.kind = 'CUSTOMER' AND o.paid_at IS NOT NULL AND o.paid_at >= ?2 AND o.paid_at < ?3
         AND o.status IN ('PAID', 'PARTIALLY_REFUNDED')
       ON CONFLICT (dedupe_key) DO NOTHING`,
    )
    .bind(today, from, to, stamp)
    .run();
  return res.meta.changes ?? 0;
}
