// The team rollups of a committed period (migration 0031): each step of the job report.teamRanks adds, for
// the members of its distributor-id range, their sales (from the period's paid order lines and refunds) and
// their own retention, lead and message counters of the period into every sponsor ancestor's team cells (the
// member included). Every statement reads the cursor of report_rank_progress as its guard, in the batch that
// advances it: a redelivered step adds nothing twice.

/** ?1 = period, ?2 = last id of the range, ?3 = the cursor the step read (the range starts after it). */
const GUARD =
  'EXISTS (SELECT 1 FROM report_rank_progress g WHERE g.period = ?1 AND g.after_id = ?3 AND g.done = 0)';
/** The sponsor chain of member `d`, root first, the member last. */
const ANCESTORS = "json_each('[' || replace(rtrim(d.sponsor_path, '.'), '.', ',') || ']') a";

const SALES = `INSERT INTO report_team_sales (scope_id, period, market, product_id, currency, kind, quantity, amount, qv, cv)
SELECT a.value, ?1, x.market, x.product_id, x.currency, x.kind, sum(x.quantity), sum(x.amount), sum(x.qv), sum(x.cv)
FROM (
  SELECT o.distributor_id AS member, coalesce(c.country, s.country) AS market, l.product_id, o.currency, o.kind,
    sum(l.quantity) AS quantity, sum(l.quantity * l.unit_price) AS amount, sum(l.quantity * l.unit_qv) AS qv,
    sum(l.quantity * l.unit_cv) AS cv
  FROM sales_order o JOIN order_line l ON l.order_id = o.id JOIN distributor s ON s.id = o.distributor_id
  LEFT JOIN customer c ON c.id = o.customer_id
  WHERE o.period = ?1 AND o.paid_at IS NOT NULL AND o.distributor_id > ?3 AND o.distributor_id <= ?2
  GROUP BY 1, 2, 3, 4, 5
  UNION ALL
  SELECT o.distributor_id, coalesce(c.country, s.country), l.product_id, o.currency, o.kind, -sum(j.value ->> '$.quantity'),
    -sum((j.value ->> '$.quantity') * l.unit_price), -sum((j.value ->> '$.quantity') * l.unit_qv),
    -sum((j.value ->> '$.quantity') * l.unit_cv)
  FROM refund r JOIN sales_order o ON o.id = r.order_id, json_each(r.lines) j
  JOIN order_line l ON l.id = j.value ->> '$.lineId' JOIN distributor s ON s.id = o.distributor_id
  LEFT JOIN customer c ON c.id = o.customer_id
  WHERE r.period = ?1 AND o.distributor_id > ?3 AND o.distributor_id <= ?2
  GROUP BY 1, 2, 3, 4, 5
) x JOIN distributor d ON d.id = x.member, ${ANCESTORS}
WHERE ${GUARD}
GROUP BY a.value, x.market, x.product_id, x.currency, x.kind
ON CONFLICT (scope_id, period, market, product_id, currency, kind) DO UPDATE SET
  quantity = quantity + excluded.quantity, amount = amount + excluded.amount, qv = qv + excluded.qv, cv = cv + excluded.cv`;

/** A member's own cells of the period (scope_id = the member) summed into the ancestors' team cells. */
const OWN = (table: string) => `FROM ${table} x JOIN distributor d ON d.id = x.scope_id, ${ANCESTORS}
WHERE x.scope_id > ?3 AND x.scope_id <= ?2 AND x.month = ?1 AND ${GUARD}`;

const COHORTS = `INSERT INTO report_team_cohort (scope_id, cohort, month, customers)
SELECT a.value, x.cohort, ?1, sum(x.customers) ${OWN('report_cohort')} AND x.customers != 0
GROUP BY a.value, x.cohort
ON CONFLICT (scope_id, cohort, month) DO UPDATE SET customers = customers + excluded.customers`;

const LEAD_FUNNEL = `INSERT INTO report_team_lead_funnel (scope_id, month, source, campaign, stage, leads)
SELECT a.value, ?1, x.source, x.campaign, x.stage, sum(x.leads) ${OWN('report_lead_funnel')}
GROUP BY a.value, x.source, x.campaign, x.stage
ON CONFLICT (scope_id, month, source, campaign, stage) DO UPDATE SET leads = leads + excluded.leads`;

const LEAD_CONTACT = `INSERT INTO report_team_lead_contact (scope_id, month, source, campaign, hours, leads)
SELECT a.value, ?1, x.source, x.campaign, x.hours, sum(x.leads) ${OWN('report_lead_contact')}
GROUP BY a.value, x.source, x.campaign, x.hours
ON CONFLICT (scope_id, month, source, campaign, hours) DO UPDATE SET leads = leads + excluded.leads`;

const MESSAGES = `INSERT INTO report_team_message (scope_id, month, channel, template, sent, delivered, failed, opted_out, replied)
SELECT a.value, ?1, x.channel, x.template, sum(x.sent), sum(x.delivered), sum(x.failed), sum(x.opted_out),
  sum(x.replied) ${OWN('report_message')}
GROUP BY a.value, x.channel, x.template
ON CONFLICT (scope_id, month, channel, template) DO UPDATE SET sent = sent + excluded.sent,
  delivered = delivered + excluded.delivered, failed = failed + excluded.failed,
  opted_out = opted_out + excluded.opted_out, replied = replied + excluded.replied`;

const MESSAGES_ORDERED = `INSERT INTO report_team_message_ordered (scope_id, month, channel, template, days, messages)
SELECT a.value, ?1, x.channel, x.template, x.days, sum(x.messages) ${OWN('report_message_ordered')}
GROUP BY a.value, x.channel, x.template, x.days
ON CONFLICT (scope_id, month, channel, template, days) DO UPDATE SET messages = messages + excluded.messages`;

/** Every rollup statement, in the order a step's batch runs them (before the cursor moves). */
export const TEAM_ROLLUP_SQL = [
  SALES,
  COHORTS,
  LEAD_FUNNEL,
  LEAD_CONTACT,
  MESSAGES,
  MESSAGES_ORDERED,
] as const;

/** The statements of one step: members after `after` up to `upTo`, while the cursor is still at `after`. */
export function teamRollupStatements(
  db: D1Database,
  periodId: string,
  after: number,
  upTo: number,
): D1PreparedStatement[] {
  return TEAM_ROLLUP_SQL.map((sql) => db.prepare(sql).bind(periodId, upTo, after));
}
