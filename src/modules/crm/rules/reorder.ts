// REORDER_REMINDER: N days before a customer is expected to reorder, a task for the owner. The expected date
// is the next date of the customer's active autoship, or else their last paid order + the average interval
// between their paid orders (two orders at least). One task per autoship date / per last order.
import { atomic, nowIso } from '../../../lib/db';
import { loadSettings } from '../../company/settings';
import { addDays, dayInZone } from '../dates';
import { ruleSettings } from './settings';

export async function runReorderReminders(db: D1Database, now: Date): Promise<number> {
  const rule = await ruleSettings(db, 'REORDER_REMINDER');
  if (!rule.enabled) return 0;
  const { timeZone } = await loadSettings(db);
  const today = dayInZone(now, timeZone);
  const until = addDays(today, rule.n);
  const stamp = nowIso();
  const [autoship, history] = await atomic(db, [
    db
      .prepare(
        `INSERT INTO task (owner_id, kind, title, subject_type, subject_id, due_date, dedupe_key, created_by, created_at, updated_at)
         SELECT c.owner_id, 'REORDER', 'Reorder coming: ' || c.first_name || ' ' || c.last_name || ' (autoship on ' || a.next_date || ')',
           'CUSTOMER', c.id, ?1, 'reorder:autoship:' || a.id || ':' || a.next_date, 'rule:REORDER_REMINDER', ?3, ?3
         FROM autoship a JOIN customer c ON c.id = a.customer_id
         WHERE a.status = 'ACTIVE' AND a.next_date >= ?1 AND a.next_date <= ?2
         ON CONFLICT (dedupe_key) DO NOTHING`,
      )
      .bind(today, until, stamp),
    db
      .prepare(
        `WITH h AS (
           SELECT customer_id, count(*) AS n, julianday(min(paid_at)) AS first, julianday(max(paid_at)) AS last,
             max(id) AS last_order
           FROM sales_order
           WHERE kind = 'CUSTOMER' AND paid_at IS NOT NULL AND status IN ('PAID', 'PARTIALLY_REFUNDED')
           GROUP BY customer_id HAVING count(*) >= 2
         ), e AS (SELECT *, last + (last - first) / (n - 1) AS expected FROM h)
         INSERT INTO task (owner_id, kind, title, subject_type, subject_id, due_date, dedupe_key, created_by, created_at, updated_at)
         SELECT c.owner_id, 'REORDER', 'Time to reorder? ' || c.first_name || ' ' || c.last_name || ' (usually around ' || date(e.expected) || ')',
           'CUSTOMER', c.id, ?1, 'reorder:history:' || c.id || ':' || e.last_order, 'rule:REORDER_REMINDER', ?3, ?3
         FROM e JOIN customer c ON c.id = e.customer_id
         WHERE e.expected >= julianday(?1) AND e.expected < julianday(?2) + 1
           AND NOT EXISTS (SELECT 1 FROM autoship a WHERE a.customer_id = c.id AND a.status = 'ACTIVE')
         ON CONFLICT (dedupe_key) DO NOTHING`,
      )
      .bind(today, until, stamp),
  ]);
  return (autoship.meta.changes ?? 0) + (history.meta.changes ?? 0);
}
