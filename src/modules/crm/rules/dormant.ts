// DORMANT_MEMBER: distributors with no PV and customers with no paid order for the rule's N consecutive
// complete periods (and none so far in the current one). The nightly run rewrites the dormant_member list
// (read by the dormantMembers query) and gives the sponsor / owner one task per dormant spell. A customer
// exists from their record or their first order, whichever is earlier: history entered later (an order
// import, orders placed earlier) counts.
import { atomic, nowIso } from '../../../lib/db';
import { type KeysetPage, type PageFilter, selectPage } from '../../../lib/keyset';
import { monthInZone } from '../../../lib/time';
import { loadSettings } from '../../company/settings';
import { notificationsFromSelect } from '../../notifications/statements';
import { addMonths, dayInZone, startOfDayInZone } from '../dates';
import type { dormantMember } from '../tables';
import { makesTasks, ruleSettings } from './settings';

const monthNumber = (col: string) =>
  `(cast(substr(${col}, 1, 4) AS INTEGER) * 12 + cast(substr(${col}, 6, 2) AS INTEGER))`;

export async function runDormantMembers(db: D1Database, now: Date): Promise<number> {
  const rule = await ruleSettings(db, 'DORMANT_MEMBER');
  if (!rule.enabled) {
    await db.prepare('DELETE FROM dormant_member').run();
    return 0;
  }
  const { timeZone } = await loadSettings(db);
  const current = monthInZone(now, timeZone);
  const firstChecked = addMonths(current, -rule.n); // the N complete periods: firstChecked .. current - 1
  const lastComplete = addMonths(current, -1);
  // Members who joined after firstChecked started have not had N periods yet.
  const existedBefore = startOfDayInZone(`${firstChecked}-01`, timeZone).toISOString();
  const today = dayInZone(now, timeZone);
  const stamp = nowIso();
  const [dist, cust] = await atomic(db, [
    db
      .prepare(
        `INSERT INTO dormant_member (member_type, member_id, responsible_id, last_active_period, periods, detected_for, detected_at, checked_at)
         SELECT 'DISTRIBUTOR', d.id, d.sponsor_id, la.period,
           ${monthNumber('?2')} - coalesce(${monthNumber('la.period')}, ${monthNumber('d.joined_at')} - 1), ?2, ?4, ?4
         FROM distributor d
         LEFT JOIN (SELECT distributor_id, max(period) AS period FROM volume WHERE pv > 0 GROUP BY distributor_id) la
           ON la.distributor_id = d.id
         WHERE d.status = 'ACTIVE' AND d.joined_at < ?3 AND (la.period IS NULL OR la.period < ?1)
         ON CONFLICT (member_type, member_id) DO UPDATE SET responsible_id = excluded.responsible_id,
           last_active_period = excluded.last_active_period, periods = excluded.periods,
           detected_for = excluded.detected_for, checked_at = excluded.checked_at`,
      )
      .bind(firstChecked, lastComplete, existedBefore, stamp),
    db
      .prepare(
        `INSERT INTO dormant_member (member_type, member_id, responsible_id, last_active_period, periods, detected_for, detected_at, checked_at)
         SELECT 'CUSTOMER', c.id, c.owner_id, la.period,
           ${monthNumber('?2')} - coalesce(${monthNumber('la.period')}, ${monthNumber('c.created_at')} - 1), ?2, ?4, ?4
         FROM customer c
         LEFT JOIN (SELECT customer_id, max(period) AS period FROM sales_order
                    WHERE kind = 'CUSTOMER' AND paid_at IS NOT NULL AND status IN ('PAID', 'PARTIALLY_REFUNDED')
                    GROUP BY customer_id) la ON la.customer_id = c.id
         LEFT JOIN (SELECT customer_id, min(created_at) AS at FROM sales_order WHERE kind = 'CUSTOMER'
                    GROUP BY customer_id) fo ON fo.customer_id = c.id
         WHERE min(c.created_at, coalesce(fo.at, c.created_at)) < ?3 AND (la.period IS NULL OR la.period < ?1)
         ON CONFLICT (member_type, member_id) DO UPDATE SET responsible_id = excluded.responsible_id,
           last_active_period = excluded.last_active_period, periods = excluded.periods,
           detected_for = excluded.detected_for, checked_at = excluded.checked_at`,
      )
      .bind(firstChecked, lastComplete, existedBefore, stamp),
    // Whoever this run did not confirm is no longer dormant.
    db.prepare('DELETE FROM dormant_member WHERE checked_at != ?').bind(stamp),
  ]);
  // The task (unless the rule only sends its message) and, for a customer, the owner's notification, in one
  // batch: both once per dormant spell.
  const [tasks] = await atomic(db, [
    db
      .prepare(
        `INSERT INTO task (owner_id, kind, title, subject_type, subject_id, due_date, dedupe_key, created_by, created_at, updated_at)
       SELECT m.responsible_id, 'DORMANT',
         'Dormant for ' || m.periods || ' months: ' || coalesce(d.first_name || ' ' || d.last_name, c.first_name || ' ' || c.last_name),
         m.member_type, m.member_id, ?1,
         'dormant:' || m.member_type || ':' || m.member_id || ':' || coalesce(m.last_active_period, 'never'),
         'rule:DORMANT_MEMBER', ?2, ?2
       FROM dormant_member m
       LEFT JOIN distributor d ON m.member_type = 'DISTRIBUTOR' AND d.id = m.member_id
       LEFT JOIN customer c ON m.member_type = 'CUSTOMER' AND c.id = m.member_id
       WHERE m.responsible_id IS NOT NULL AND m.checked_at = ?2 AND ?3 = 1
       ON CONFLICT (dedupe_key) DO NOTHING`,
      )
      .bind(today, stamp, makesTasks(rule) ? 1 : 0),
    notificationsFromSelect(
      db,
      'CUSTOMER_DORMANT',
      `SELECT m.responsible_id AS distributor_id, 'CUSTOMER' AS subject_type, CAST(m.member_id AS TEXT) AS subject_id,
         json_object('customerName', trim(c.first_name || ' ' || coalesce(c.last_name, '')), 'periods', m.periods,
                     'lastActivePeriod', m.last_active_period) AS payload,
         'dormant:CUSTOMER:' || m.member_id || ':' || coalesce(m.last_active_period, 'never') AS dedupe_key
       FROM dormant_member m JOIN customer c ON c.id = m.member_id
       WHERE m.member_type = 'CUSTOMER' AND m.responsible_id IS NOT NULL AND m.checked_at = ?`,
      [stamp],
      stamp,
    ),
  ]);
  void dist;
  void cust;
  return tasks.meta.changes ?? 0;
}

export type DormantRow = Omit<typeof dormantMember.$inferSelect, 'checked_at'>;

/** One page of the dormant list, optionally of one responsible distributor and one member type. */
export function dormantPage(
  db: D1Database,
  filter: { responsible: number | null; memberType?: 'DISTRIBUTOR' | 'CUSTOMER' | null },
  page: KeysetPage,
): Promise<DormantRow[]> {
  const f: PageFilter = { where: [], params: [] };
  if (filter.responsible != null) {
    f.where.push('responsible_id = ?');
    f.params.push(filter.responsible);
  }
  if (filter.memberType) {
    f.where.push('member_type = ?');
    f.params.push(filter.memberType);
  }
  return selectPage<DormantRow>(db, 'dormant_member', ['member_type', 'member_id'], 'ASC', f, page);
}
