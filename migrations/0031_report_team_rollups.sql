-- Team rollups of the reports (issue 15 §4): per committed period, the sales (market × product × currency ×
-- kind), retention cohorts, lead funnel and message counters of every sponsor team (scope_id = the team's top
-- member, who is part of the team). They are summed by the job report.teamRanks after the commit, in the same
-- distributor-id range steps and batches as the team rank counts (src/modules/reports/teamRollup.ts), so a team
-- report reads a few rows per period and never sums the team on read. Sales come from the period's paid order
-- lines (net of the period's refunds); cohorts, leads and messages from the counters migration 0024 keeps per
-- owning distributor (scope_id = the distributor), month = the period.

CREATE TABLE report_team_sales (
  scope_id INTEGER NOT NULL,
  period TEXT NOT NULL,
  market TEXT NOT NULL,
  product_id INTEGER NOT NULL,
  currency TEXT NOT NULL,
  kind TEXT NOT NULL,
  quantity INTEGER NOT NULL,
  amount INTEGER NOT NULL,
  qv INTEGER NOT NULL,
  cv INTEGER NOT NULL,
  PRIMARY KEY (scope_id, period, market, product_id, currency, kind)
) STRICT, WITHOUT ROWID;

CREATE TABLE report_team_cohort (
  scope_id INTEGER NOT NULL,
  cohort TEXT NOT NULL,
  month TEXT NOT NULL,
  customers INTEGER NOT NULL,
  PRIMARY KEY (scope_id, cohort, month)
) STRICT, WITHOUT ROWID;

CREATE TABLE report_team_lead_funnel (
  scope_id INTEGER NOT NULL,
  month TEXT NOT NULL,
  source TEXT NOT NULL,
  campaign TEXT NOT NULL,
  stage INTEGER NOT NULL,
  leads INTEGER NOT NULL,
  PRIMARY KEY (scope_id, month, source, campaign, stage)
) STRICT, WITHOUT ROWID;

CREATE TABLE report_team_lead_contact (
  scope_id INTEGER NOT NULL,
  month TEXT NOT NULL,
  source TEXT NOT NULL,
  campaign TEXT NOT NULL,
  hours INTEGER NOT NULL,
  leads INTEGER NOT NULL,
  PRIMARY KEY (scope_id, month, source, campaign, hours)
) STRICT, WITHOUT ROWID;

CREATE TABLE report_team_message (
  scope_id INTEGER NOT NULL,
  month TEXT NOT NULL,
  channel TEXT NOT NULL,
  template TEXT NOT NULL,
  sent INTEGER NOT NULL,
  delivered INTEGER NOT NULL,
  failed INTEGER NOT NULL,
  opted_out INTEGER NOT NULL,
  replied INTEGER NOT NULL,
  PRIMARY KEY (scope_id, month, channel, template)
) STRICT, WITHOUT ROWID;

CREATE TABLE report_team_message_ordered (
  scope_id INTEGER NOT NULL,
  month TEXT NOT NULL,
  channel TEXT NOT NULL,
  template TEXT NOT NULL,
  days INTEGER NOT NULL,
  messages INTEGER NOT NULL,
  PRIMARY KEY (scope_id, month, channel, template, days)
) STRICT, WITHOUT ROWID;

-- Backfill: the periods committed before this migration, for the members their team rank job has already
-- passed (all of them once it is done; the job's later steps add the rest). Same statements as the job's steps.
INSERT INTO report_team_sales (scope_id, period, market, product_id, currency, kind, quantity, amount, qv, cv)
SELECT a.value, x.period, x.market, x.product_id, x.currency, x.kind, sum(x.quantity), sum(x.amount), sum(x.qv), sum(x.cv)
FROM (
  SELECT o.period, o.distributor_id AS member, coalesce(c.country, s.country) AS market, l.product_id, o.currency, o.kind,
    sum(l.quantity) AS quantity, sum(l.quantity * l.unit_price) AS amount, sum(l.quantity * l.unit_qv) AS qv,
    sum(l.quantity * l.unit_cv) AS cv
  FROM report_rank_progress g JOIN commission_period p ON p.id = g.period AND p.status IN ('COMMITTED', 'PAID')
  JOIN sales_order o ON o.period = g.period AND o.paid_at IS NOT NULL AND (g.done = 1 OR o.distributor_id <= g.after_id)
  JOIN order_line l ON l.order_id = o.id JOIN distributor s ON s.id = o.distributor_id
  LEFT JOIN customer c ON c.id = o.customer_id
  WHERE true GROUP BY 1, 2, 3, 4, 5, 6
  UNION ALL
  SELECT r.period, o.distributor_id, coalesce(c.country, s.country), l.product_id, o.currency, o.kind,
    -sum(j.value ->> '$.quantity'), -sum((j.value ->> '$.quantity') * l.unit_price),
    -sum((j.value ->> '$.quantity') * l.unit_qv), -sum((j.value ->> '$.quantity') * l.unit_cv)
  FROM report_rank_progress g JOIN commission_period p ON p.id = g.period AND p.status IN ('COMMITTED', 'PAID')
  JOIN refund r ON r.period = g.period JOIN sales_order o ON o.id = r.order_id, json_each(r.lines) j
  JOIN order_line l ON l.id = j.value ->> '$.lineId' JOIN distributor s ON s.id = o.distributor_id
  LEFT JOIN customer c ON c.id = o.customer_id
  WHERE g.done = 1 OR o.distributor_id <= g.after_id GROUP BY 1, 2, 3, 4, 5, 6
) x JOIN distributor d ON d.id = x.member,
  json_each('[' || replace(rtrim(d.sponsor_path, '.'), '.', ',') || ']') a
WHERE true GROUP BY a.value, x.period, x.market, x.product_id, x.currency, x.kind;

INSERT INTO report_team_cohort (scope_id, cohort, month, customers)
SELECT a.value, x.cohort, x.month, sum(x.customers)
FROM report_rank_progress g JOIN commission_period p ON p.id = g.period AND p.status IN ('COMMITTED', 'PAID')
JOIN report_cohort x ON x.month = g.period AND x.scope_id != 0 AND (g.done = 1 OR x.scope_id <= g.after_id)
JOIN distributor d ON d.id = x.scope_id, json_each('[' || replace(rtrim(d.sponsor_path, '.'), '.', ',') || ']') a
WHERE x.customers != 0 GROUP BY a.value, x.cohort, x.month;

INSERT INTO report_team_lead_funnel (scope_id, month, source, campaign, stage, leads)
SELECT a.value, x.month, x.source, x.campaign, x.stage, sum(x.leads)
FROM report_rank_progress g JOIN commission_period p ON p.id = g.period AND p.status IN ('COMMITTED', 'PAID')
JOIN report_lead_funnel x ON x.month = g.period AND x.scope_id != 0 AND (g.done = 1 OR x.scope_id <= g.after_id)
JOIN distributor d ON d.id = x.scope_id, json_each('[' || replace(rtrim(d.sponsor_path, '.'), '.', ',') || ']') a
WHERE true GROUP BY a.value, x.month, x.source, x.campaign, x.stage;

INSERT INTO report_team_lead_contact (scope_id, month, source, campaign, hours, leads)
SELECT a.value, x.month, x.source, x.campaign, x.hours, sum(x.leads)
FROM report_rank_progress g JOIN commission_period p ON p.id = g.period AND p.status IN ('COMMITTED', 'PAID')
JOIN report_lead_contact x ON x.month = g.period AND x.scope_id != 0 AND (g.done = 1 OR x.scope_id <= g.after_id)
JOIN distributor d ON d.id = x.scope_id, json_each('[' || replace(rtrim(d.sponsor_path, '.'), '.', ',') || ']') a
WHERE true GROUP BY a.value, x.month, x.source, x.campaign, x.hours;

INSERT INTO report_team_message (scope_id, month, channel, template, sent, delivered, failed, opted_out, replied)
SELECT a.value, x.month, x.channel, x.template, sum(x.sent), sum(x.delivered), sum(x.failed), sum(x.opted_out),
  sum(x.replied)
FROM report_rank_progress g JOIN commission_period p ON p.id = g.period AND p.status IN ('COMMITTED', 'PAID')
JOIN report_message x ON x.month = g.period AND x.scope_id != 0 AND (g.done = 1 OR x.scope_id <= g.after_id)
JOIN distributor d ON d.id = x.scope_id, json_each('[' || replace(rtrim(d.sponsor_path, '.'), '.', ',') || ']') a
WHERE true GROUP BY a.value, x.month, x.channel, x.template;

INSERT INTO report_team_message_ordered (scope_id, month, channel, template, days, messages)
SELECT a.value, x.month, x.channel, x.template, x.days, sum(x.messages)
FROM report_rank_progress g JOIN commission_period p ON p.id = g.period AND p.status IN ('COMMITTED', 'PAID')
JOIN report_message_ordered x ON x.month = g.period AND x.scope_id != 0 AND (g.done = 1 OR x.scope_id <= g.after_id)
JOIN distributor d ON d.id = x.scope_id, json_each('[' || replace(rtrim(d.sponsor_path, '.'), '.', ',') || ']') a
WHERE true GROUP BY a.value, x.month, x.channel, x.template, x.days;
