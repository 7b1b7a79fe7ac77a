// REORDER_REMINDER: N days before a customer is expected to reorder, a task for the owner. The expected date
// is the next date of the customer's active autoship, or else their last paid order + the average interval
// between their paid orders (two orders at least). One task per autoship date / per last order.
import { nowIso } from '../../../lib/db';
import { loadSettings } from '../../company/settings';
import { addDays, dayInZone } from '../dates';
import { makesTasks, ruleSettings } from './settings';

/**
 * The reorders due between ?1 (today) and ?2 (today + N), as common table expressions ending in `due`
 * (customer_id, reorder_day, source, product_id, occurrence, last_order_id): the task here and the rule's message
 * (messaging/rules.ts) are found by the same query. `occurrence` names one expected reorder. `product_id` is the
 * autoship's first product or the last order's first line's; it is NULL when that order's lines are archived
 * (archive/periodRows.ts), and `last_order_id` lets the message find it there.
 */
export const REORDERS_DUE = `h AS (
    SELECT customer_id, count(*) AS n, julianday(min(paid_at)) AS first, julianday(max(paid_at)) AS last,
      max(id) AS last_order
    FROM sales_order
    WHERE kind = 'CUSTOMER' AND paid_at IS NOT NULL AND status IN ('PAID', 'PARTIALLY_REFUNDED')
    GROUP BY customer_id HAVING count(*) >= 2
  ), e AS (SELECT *, last + (last - first) / (n - 1) AS expected FROM h),
  due AS (
    SELECT a.customer_id, a.next_date AS reorder_day, 'autoship' AS source,
      (SELECT json_extract(l.value, '$.productId') FROM json_each(a.lines) l ORDER BY l.key LIMIT 1) AS product_id,
      'autoship:' || a.id || ':' || a.next_date AS occurrence, NULL AS last_order_id
    FROM autoship a
    WHERE a.status = 'ACTIVE' AND a.customer_id IS NOT NULL AND a.next_date >= ?1 AND a.next_date <= ?2
    UNION ALL
    SELECT e.customer_id, date(e.expected), 'history',
      (SELECT product_id FROM order_line WHERE order_id = e.last_order ORDER BY id LIMIT 1),
      'history:' || e.customer_id || ':' || e.last_order, e.last_order
    FROM e
    WHERE e.expected >= julianday(?1) AND e.expected < julianday(?2) + 1
      AND NOT EXISTS (SELECT 1 FROM autoship a WHERE a.customer_id = e.customer_id AND a.status = 'ACTIVE')
  )`;

export async function runReorderReminders(db: D1Database, now: Date): Promise<number> {
  const rule = await ruleSettings(db, 'REORDER_REMINDER');
  if (!makesTasks(rule)) return 0;
  const { timeZone } = await loadSettings(db);
  const today = dayInZone(now, timeZone);
  const until = addDays(today, rule.n);
  const stamp = nowIso();
  const res = await db
    .prepare(
      `WITH ${REORDERS_DUE}
       INSERT INTO task (owner_id, kind, title, subject_type, subject_id, due_date, dedupe_key, created_by, created_at, updated_at)
       SELECT c.owner_id, 'REORDER',
         CASE due.source
           WHEN 'autoship' THEN 'Reorder coming: ' || c.first_name || ' ' || c.last_name || ' (autoship on ' || due.reorder_day || ')'
           ELSE 'Time to reorder? ' || c.first_name || ' ' || c.last_name || ' (usually around ' || due.reorder_day || ')'
         END,
         'CUSTOMER', c.id, ?1, 'reorder:' || due.occurrence, 'rule:REORDER_REMINDER', ?3, ?3
       FROM due JOIN customer c ON c.id = due.customer_id
       WHERE true
       ON CONFLICT (dedupe_key) DO NOTHING`,
    )
    .bind(today, until, stamp)
    .run();
  return res.meta.changes ?? 0;
}
