-- Report aggregates (issue 15 §4). Every counter is kept by a trigger in the same transaction (the same D1
-- batch) as the write that changes it — the live paths and the bulk INSERT ... SELECT of the imports alike —
-- so a report reads a few rows keyed by scope and never scans orders, leads, messages or the tree.
-- scope_id 0 = the company; otherwise a distributor (their team, or their own customers/leads/messages).

-- 1. Sales per commission period × market (the buyer's country) × product × currency × order kind.
CREATE TABLE report_sales (
  period TEXT NOT NULL,
  market TEXT NOT NULL,
  product_id INTEGER NOT NULL,
  currency TEXT NOT NULL,
  kind TEXT NOT NULL,
  quantity INTEGER NOT NULL DEFAULT 0,
  amount INTEGER NOT NULL DEFAULT 0,
  qv INTEGER NOT NULL DEFAULT 0,
  cv INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (period, market, product_id, currency, kind)
) STRICT, WITHOUT ROWID;

-- A pending order becomes PAID: its lines enter the period's sales.
CREATE TRIGGER report_sales_paid AFTER UPDATE OF status ON sales_order
WHEN old.status = 'PENDING' AND new.status = 'PAID' AND new.period IS NOT NULL
BEGIN
  INSERT INTO report_sales (period, market, product_id, currency, kind, quantity, amount, qv, cv)
  SELECT new.period,
    coalesce((SELECT country FROM customer WHERE id = new.customer_id), (SELECT country FROM distributor WHERE id = new.distributor_id)),
    l.product_id, new.currency, new.kind, sum(l.quantity), sum(l.quantity * l.unit_price), sum(l.quantity * l.unit_qv),
    sum(l.quantity * l.unit_cv)
  FROM order_line l WHERE l.order_id = new.id GROUP BY l.product_id
  ON CONFLICT (period, market, product_id, currency, kind) DO UPDATE SET quantity = quantity + excluded.quantity,
    amount = amount + excluded.amount, qv = qv + excluded.qv, cv = cv + excluded.cv;
END;

-- The order import writes orders PAID, then their lines: each line of a paid order enters the sales.
CREATE TRIGGER report_sales_line AFTER INSERT ON order_line
WHEN (SELECT status FROM sales_order WHERE id = new.order_id) = 'PAID'
BEGIN
  INSERT INTO report_sales (period, market, product_id, currency, kind, quantity, amount, qv, cv)
  SELECT o.period,
    coalesce((SELECT country FROM customer WHERE id = o.customer_id), (SELECT country FROM distributor WHERE id = o.distributor_id)),
    new.product_id, o.currency, o.kind, new.quantity, new.quantity * new.unit_price, new.quantity * new.unit_qv,
    new.quantity * new.unit_cv
  FROM sales_order o WHERE o.id = new.order_id AND o.period IS NOT NULL
  ON CONFLICT (period, market, product_id, currency, kind) DO UPDATE SET quantity = quantity + excluded.quantity,
    amount = amount + excluded.amount, qv = qv + excluded.qv, cv = cv + excluded.cv;
END;

-- A refund takes its lines out of the sales of the period whose volume it lowers.
CREATE TRIGGER report_sales_refund AFTER INSERT ON refund
BEGIN
  INSERT INTO report_sales (period, market, product_id, currency, kind, quantity, amount, qv, cv)
  SELECT new.period,
    coalesce((SELECT country FROM customer WHERE id = o.customer_id), (SELECT country FROM distributor WHERE id = o.distributor_id)),
    l.product_id, o.currency, o.kind, -sum(j.value ->> '$.quantity'), -sum((j.value ->> '$.quantity') * l.unit_price),
    -sum((j.value ->> '$.quantity') * l.unit_qv), -sum((j.value ->> '$.quantity') * l.unit_cv)
  FROM json_each(new.lines) j JOIN order_line l ON l.id = j.value ->> '$.lineId' JOIN sales_order o ON o.id = l.order_id
  WHERE true GROUP BY l.product_id, o.id
  ON CONFLICT (period, market, product_id, currency, kind) DO UPDATE SET quantity = quantity + excluded.quantity,
    amount = amount + excluded.amount, qv = qv + excluded.qv, cv = cv + excluded.cv;
END;

-- 2. Terminations per month (UTC month of the termination), for the company and every sponsor ancestor.
-- Enrollments come from downline_joins (kept by the genealogy for every ancestor).
CREATE TABLE report_terminations (
  scope_id INTEGER NOT NULL,
  month TEXT NOT NULL,
  members INTEGER NOT NULL,
  PRIMARY KEY (scope_id, month)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER report_terminated AFTER UPDATE OF status ON distributor
WHEN new.status = 'TERMINATED' AND old.status != 'TERMINATED'
BEGIN
  INSERT INTO report_terminations (scope_id, month, members)
  SELECT value, substr(new.updated_at, 1, 7), 1
  FROM json_each('[0,' || replace(rtrim(new.sponsor_path, '.'), '.', ',') || ']') WHERE value != new.id
  ON CONFLICT (scope_id, month) DO UPDATE SET members = members + 1;
END;

-- 3. Customer retention. A customer's cohort is the earliest period in which they paid an order; report_cohort
-- counts, per scope (company, the customer's distributor), cohort and period, the customers who paid in it.
CREATE TABLE report_customer_month (
  customer_id INTEGER NOT NULL,
  month TEXT NOT NULL,
  counted INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (customer_id, month)
) STRICT, WITHOUT ROWID;

CREATE TABLE report_cohort (
  scope_id INTEGER NOT NULL,
  cohort TEXT NOT NULL,
  month TEXT NOT NULL,
  customers INTEGER NOT NULL,
  PRIMARY KEY (scope_id, cohort, month)
) STRICT, WITHOUT ROWID;

-- A customer's order paid (live) or imported paid.
CREATE TRIGGER report_cohort_paid AFTER UPDATE OF status ON sales_order
WHEN old.status = 'PENDING' AND new.status = 'PAID' AND new.customer_id IS NOT NULL AND new.period IS NOT NULL
BEGIN
  INSERT OR IGNORE INTO report_customer_month (customer_id, month, counted) VALUES (new.customer_id, new.period, 0);
  -- An earlier cohort than the one counted so far: the customer's counted periods leave the old cohort ...
  INSERT INTO report_cohort (scope_id, cohort, month, customers)
  SELECT CASE s.k WHEN 0 THEN 0 ELSE c.owner_id END, prev.cohort, m.month, -1
  FROM (SELECT min(month) AS cohort FROM report_customer_month WHERE customer_id = new.customer_id AND counted = 1) prev,
    report_customer_month m, customer c, (SELECT 0 AS k UNION ALL SELECT 1) s
  WHERE prev.cohort > new.period AND m.customer_id = new.customer_id AND m.counted = 1 AND c.id = new.customer_id
    AND EXISTS (SELECT 1 FROM report_customer_month WHERE customer_id = new.customer_id AND month = new.period AND counted = 0)
  ON CONFLICT (scope_id, cohort, month) DO UPDATE SET customers = customers + excluded.customers;
  -- ... and enter the new one (a new period of a known customer enters their cohort).
  INSERT INTO report_cohort (scope_id, cohort, month, customers)
  SELECT CASE s.k WHEN 0 THEN 0 ELSE c.owner_id END, cur.cohort, m.month, 1
  FROM (SELECT min(month) AS cohort, min(CASE WHEN counted = 1 THEN month END) AS counted_from
        FROM report_customer_month WHERE customer_id = new.customer_id) cur,
    report_customer_month m, customer c, (SELECT 0 AS k UNION ALL SELECT 1) s
  WHERE m.customer_id = new.customer_id AND c.id = new.customer_id AND (m.counted = 0 OR cur.counted_from > new.period)
    AND EXISTS (SELECT 1 FROM report_customer_month WHERE customer_id = new.customer_id AND month = new.period AND counted = 0)
  ON CONFLICT (scope_id, cohort, month) DO UPDATE SET customers = customers + excluded.customers;
  UPDATE report_customer_month SET counted = 1 WHERE customer_id = new.customer_id AND month = new.period AND counted = 0;
END;

CREATE TRIGGER report_cohort_imported AFTER INSERT ON sales_order
WHEN new.status = 'PAID' AND new.customer_id IS NOT NULL AND new.period IS NOT NULL
BEGIN
  INSERT OR IGNORE INTO report_customer_month (customer_id, month, counted) VALUES (new.customer_id, new.period, 0);
  -- An earlier cohort than the one counted so far: the customer's counted periods leave the old cohort ...
  INSERT INTO report_cohort (scope_id, cohort, month, customers)
  SELECT CASE s.k WHEN 0 THEN 0 ELSE c.owner_id END, prev.cohort, m.month, -1
  FROM (SELECT min(month) AS cohort FROM report_customer_month WHERE customer_id = new.customer_id AND counted = 1) prev,
    report_customer_month m, customer c, (SELECT 0 AS k UNION ALL SELECT 1) s
  WHERE prev.cohort > new.period AND m.customer_id = new.customer_id AND m.counted = 1 AND c.id = new.customer_id
    AND EXISTS (SELECT 1 FROM report_customer_month WHERE customer_id = new.customer_id AND month = new.period AND counted = 0)
  ON CONFLICT (scope_id, cohort, month) DO UPDATE SET customers = customers + excluded.customers;
  -- ... and enter the new one (a new period of a known customer enters their cohort).
  INSERT INTO report_cohort (scope_id, cohort, month, customers)
  SELECT CASE s.k WHEN 0 THEN 0 ELSE c.owner_id END, cur.cohort, m.month, 1
  FROM (SELECT min(month) AS cohort, min(CASE WHEN counted = 1 THEN month END) AS counted_from
        FROM report_customer_month WHERE customer_id = new.customer_id) cur,
    report_customer_month m, customer c, (SELECT 0 AS k UNION ALL SELECT 1) s
  WHERE m.customer_id = new.customer_id AND c.id = new.customer_id AND (m.counted = 0 OR cur.counted_from > new.period)
    AND EXISTS (SELECT 1 FROM report_customer_month WHERE customer_id = new.customer_id AND month = new.period AND counted = 0)
  ON CONFLICT (scope_id, cohort, month) DO UPDATE SET customers = customers + excluded.customers;
  UPDATE report_customer_month SET counted = 1 WHERE customer_id = new.customer_id AND month = new.period AND counted = 0;
END;

-- 4. Paid-as ranks of committed periods: for the company, and for every sponsor ancestor (their team, themself
-- included). The company's count is written when the period is committed (one GROUP BY over its results);
-- the teams' counts (every ranked member adds one to each ancestor: far too much for the commit's statement
-- at a million members) are added after the commit by the job report.teamRanks (src/modules/reports/
-- teamRanks.ts), in ranges of distributor id. Members without a paid-as rank are not counted per team.
CREATE TABLE report_rank (
  scope_id INTEGER NOT NULL,
  period TEXT NOT NULL,
  rank TEXT NOT NULL,
  members INTEGER NOT NULL,
  PRIMARY KEY (scope_id, period, rank)
) STRICT, WITHOUT ROWID;

-- Where the team counts of a committed period have got to: members with distributor_id <= after_id are
-- counted; done = 1 once all are (the team report says "not ready" until then). A range is added only while
-- after_id is still where it started, so a redelivered step never counts a range twice.
CREATE TABLE report_rank_progress (
  period TEXT PRIMARY KEY,
  after_id INTEGER NOT NULL,
  done INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TRIGGER report_rank_committed AFTER UPDATE OF status ON commission_period
WHEN new.status = 'COMMITTED' AND old.status != 'COMMITTED'
BEGIN
  INSERT INTO report_rank (scope_id, period, rank, members)
  SELECT 0, new.id, coalesce(paid_as_rank, ''), count(*) FROM period_result WHERE period_id = new.id
  GROUP BY coalesce(paid_as_rank, '')
  ON CONFLICT (scope_id, period, rank) DO UPDATE SET members = excluded.members;
  -- Never reset: the team counts already added stay matched by the cursor.
  INSERT OR IGNORE INTO report_rank_progress (period, after_id, done) VALUES (new.id, 0, 0);
END;

-- 5. Lead funnel per scope (company, the distributor the lead was first assigned to) × month the lead came in
-- × source × campaign: leads that reached each stage (0 NEW, 1 CONTACTED, 2 QUALIFIED, 3 CONVERTED), and hours
-- from arrival to the first status change out of NEW. Test leads are left out.
CREATE TABLE report_lead (
  lead_id INTEGER PRIMARY KEY,
  distributor_id INTEGER,
  month TEXT NOT NULL,
  source TEXT NOT NULL,
  campaign TEXT NOT NULL,
  stage INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  contacted INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE report_lead_funnel (
  scope_id INTEGER NOT NULL,
  month TEXT NOT NULL,
  source TEXT NOT NULL,
  campaign TEXT NOT NULL,
  stage INTEGER NOT NULL,
  leads INTEGER NOT NULL,
  PRIMARY KEY (scope_id, month, source, campaign, stage)
) STRICT, WITHOUT ROWID;

CREATE TABLE report_lead_contact (
  scope_id INTEGER NOT NULL,
  month TEXT NOT NULL,
  source TEXT NOT NULL,
  campaign TEXT NOT NULL,
  hours INTEGER NOT NULL,
  leads INTEGER NOT NULL,
  PRIMARY KEY (scope_id, month, source, campaign, hours)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER report_lead_new AFTER INSERT ON lead WHEN new.is_test = 0
BEGIN
  INSERT INTO report_lead (lead_id, distributor_id, month, source, campaign, stage, created_at)
  VALUES (new.id, new.assigned_distributor_id, substr(new.created_at, 1, 7), new.source,
    coalesce(new.campaign_id, json_extract(new.utm, '$.campaign'), ''), 0, new.created_at);
  INSERT INTO report_lead_funnel (scope_id, month, source, campaign, stage, leads)
  SELECT CASE s.k WHEN 0 THEN 0 ELSE r.distributor_id END, r.month, r.source, r.campaign, 0, 1
  FROM report_lead r, (SELECT 0 AS k UNION ALL SELECT 1) s
  WHERE r.lead_id = new.id AND (s.k = 0 OR r.distributor_id IS NOT NULL)
  ON CONFLICT (scope_id, month, source, campaign, stage) DO UPDATE SET leads = leads + 1;
END;

CREATE TRIGGER report_lead_status AFTER INSERT ON lead_status_change
BEGIN
  INSERT INTO report_lead_contact (scope_id, month, source, campaign, hours, leads)
  SELECT CASE s.k WHEN 0 THEN 0 ELSE r.distributor_id END, r.month, r.source, r.campaign,
    max(0, CAST((julianday(new.created_at) - julianday(r.created_at)) * 24 AS INTEGER)), 1
  FROM report_lead r, (SELECT 0 AS k UNION ALL SELECT 1) s
  WHERE r.lead_id = new.lead_id AND r.contacted = 0 AND new.from_status = 'NEW' AND new.to_status != 'NEW'
    AND (s.k = 0 OR r.distributor_id IS NOT NULL)
  ON CONFLICT (scope_id, month, source, campaign, hours) DO UPDATE SET leads = leads + 1;
  INSERT INTO report_lead_funnel (scope_id, month, source, campaign, stage, leads)
  SELECT CASE s.k WHEN 0 THEN 0 ELSE r.distributor_id END, r.month, r.source, r.campaign, t.stage, 1
  FROM report_lead r, (SELECT 0 AS k UNION ALL SELECT 1) s,
    (SELECT 1 AS stage UNION ALL SELECT 2 UNION ALL SELECT 3) t
  WHERE r.lead_id = new.lead_id AND (s.k = 0 OR r.distributor_id IS NOT NULL)
    AND t.stage > r.stage
    AND t.stage <= CASE new.to_status WHEN 'CONTACTED' THEN 1 WHEN 'QUALIFIED' THEN 2 WHEN 'CONVERTED' THEN 3 ELSE 0 END
  ON CONFLICT (scope_id, month, source, campaign, stage) DO UPDATE SET leads = leads + 1;
  UPDATE report_lead SET
    stage = max(stage, CASE new.to_status WHEN 'CONTACTED' THEN 1 WHEN 'QUALIFIED' THEN 2 WHEN 'CONVERTED' THEN 3 ELSE 0 END),
    contacted = contacted OR (new.from_status = 'NEW' AND new.to_status != 'NEW')
  WHERE lead_id = new.lead_id;
END;

-- 6. Message performance per scope (company, the owning distributor) × month queued × channel × template:
-- sent, delivered, failed from the outbox's status changes; opted out (a withdrawal of consent) and replied
-- (an inbound SMS) credited to the latest message sent to that person on that channel; ordered: messages to a
-- customer followed by their paid order within 30 days, by whole days between (the report sums up to N).
CREATE TABLE report_message (
  scope_id INTEGER NOT NULL,
  month TEXT NOT NULL,
  channel TEXT NOT NULL,
  template TEXT NOT NULL,
  sent INTEGER NOT NULL DEFAULT 0,
  delivered INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0,
  opted_out INTEGER NOT NULL DEFAULT 0,
  replied INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (scope_id, month, channel, template)
) STRICT, WITHOUT ROWID;

CREATE TABLE report_message_order (
  outbox_id INTEGER PRIMARY KEY,
  days INTEGER NOT NULL
) STRICT;

CREATE TABLE report_message_ordered (
  scope_id INTEGER NOT NULL,
  month TEXT NOT NULL,
  channel TEXT NOT NULL,
  template TEXT NOT NULL,
  days INTEGER NOT NULL,
  messages INTEGER NOT NULL,
  PRIMARY KEY (scope_id, month, channel, template, days)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER report_message_status AFTER UPDATE ON message_outbox
WHEN (old.sent_at IS NULL AND new.sent_at IS NOT NULL) OR old.status IS NOT new.status
BEGIN
  INSERT INTO report_message (scope_id, month, channel, template, sent, delivered, failed)
  SELECT CASE s.k WHEN 0 THEN 0 ELSE new.owner_distributor_id END, substr(new.created_at, 1, 7), new.channel,
    coalesce(new.template_key, ''),
    old.sent_at IS NULL AND new.sent_at IS NOT NULL,
    new.status = 'DELIVERED' AND old.status != 'DELIVERED',
    new.status IN ('FAILED', 'BOUNCED', 'UNDELIVERABLE') AND old.status NOT IN ('FAILED', 'BOUNCED', 'UNDELIVERABLE')
  FROM (SELECT 0 AS k UNION ALL SELECT 1) s
  WHERE s.k = 0 OR new.owner_distributor_id IS NOT NULL
  ON CONFLICT (scope_id, month, channel, template) DO UPDATE SET sent = sent + excluded.sent,
    delivered = delivered + excluded.delivered, failed = failed + excluded.failed;
END;

CREATE TRIGGER report_message_opt_out AFTER INSERT ON message_consent WHEN new.action = 'WITHDRAWN'
BEGIN
  INSERT INTO report_message (scope_id, month, channel, template, opted_out)
  SELECT CASE s.k WHEN 0 THEN 0 ELSE m.owner_distributor_id END, substr(m.created_at, 1, 7), m.channel,
    coalesce(m.template_key, ''), 1
  FROM (SELECT * FROM message_outbox WHERE recipient_type = new.subject_type AND recipient_id = new.subject_id
          AND channel = new.channel AND sent_at IS NOT NULL ORDER BY id DESC LIMIT 1) m,
    (SELECT 0 AS k UNION ALL SELECT 1) s
  WHERE s.k = 0 OR m.owner_distributor_id IS NOT NULL
  ON CONFLICT (scope_id, month, channel, template) DO UPDATE SET opted_out = opted_out + 1;
END;

CREATE TRIGGER report_message_reply AFTER INSERT ON activity WHEN new.author = 'inbound:sms'
BEGIN
  INSERT INTO report_message (scope_id, month, channel, template, replied)
  SELECT CASE s.k WHEN 0 THEN 0 ELSE m.owner_distributor_id END, substr(m.created_at, 1, 7), m.channel,
    coalesce(m.template_key, ''), 1
  FROM (SELECT * FROM message_outbox WHERE recipient_type = new.subject_type AND recipient_id = new.subject_id
          AND channel = 'SMS' AND sent_at IS NOT NULL ORDER BY id DESC LIMIT 1) m,
    (SELECT 0 AS k UNION ALL SELECT 1) s
  WHERE s.k = 0 OR m.owner_distributor_id IS NOT NULL
  ON CONFLICT (scope_id, month, channel, template) DO UPDATE SET replied = replied + 1;
END;

CREATE TRIGGER report_message_ordered_paid AFTER UPDATE OF status ON sales_order
WHEN old.status = 'PENDING' AND new.status = 'PAID' AND new.customer_id IS NOT NULL AND new.paid_at IS NOT NULL
BEGIN
  INSERT INTO report_message_ordered (scope_id, month, channel, template, days, messages)
  SELECT CASE s.k WHEN 0 THEN 0 ELSE m.owner_distributor_id END, substr(m.created_at, 1, 7), m.channel,
    coalesce(m.template_key, ''), CAST(julianday(new.paid_at) - julianday(m.sent_at) AS INTEGER), 1
  FROM message_outbox m, (SELECT 0 AS k UNION ALL SELECT 1) s
  WHERE m.recipient_type = 'CUSTOMER' AND m.recipient_id = new.customer_id AND m.sent_at IS NOT NULL
    AND julianday(m.sent_at) BETWEEN julianday(new.paid_at) - 30 AND julianday(new.paid_at)
    AND (s.k = 0 OR m.owner_distributor_id IS NOT NULL)
    AND NOT EXISTS (SELECT 1 FROM report_message_order WHERE outbox_id = m.id)
  ON CONFLICT (scope_id, month, channel, template, days) DO UPDATE SET messages = messages + excluded.messages;
  INSERT OR IGNORE INTO report_message_order (outbox_id, days)
  SELECT m.id, CAST(julianday(new.paid_at) - julianday(m.sent_at) AS INTEGER) FROM message_outbox m
  WHERE m.recipient_type = 'CUSTOMER' AND m.recipient_id = new.customer_id AND m.sent_at IS NOT NULL
    AND julianday(m.sent_at) BETWEEN julianday(new.paid_at) - 30 AND julianday(new.paid_at);
END;

CREATE TRIGGER report_message_ordered_imported AFTER INSERT ON sales_order
WHEN new.status = 'PAID' AND new.customer_id IS NOT NULL AND new.paid_at IS NOT NULL
BEGIN
  INSERT INTO report_message_ordered (scope_id, month, channel, template, days, messages)
  SELECT CASE s.k WHEN 0 THEN 0 ELSE m.owner_distributor_id END, substr(m.created_at, 1, 7), m.channel,
    coalesce(m.template_key, ''), CAST(julianday(new.paid_at) - julianday(m.sent_at) AS INTEGER), 1
  FROM message_outbox m, (SELECT 0 AS k UNION ALL SELECT 1) s
  WHERE m.recipient_type = 'CUSTOMER' AND m.recipient_id = new.customer_id AND m.sent_at IS NOT NULL
    AND julianday(m.sent_at) BETWEEN julianday(new.paid_at) - 30 AND julianday(new.paid_at)
    AND (s.k = 0 OR m.owner_distributor_id IS NOT NULL)
    AND NOT EXISTS (SELECT 1 FROM report_message_order WHERE outbox_id = m.id)
  ON CONFLICT (scope_id, month, channel, template, days) DO UPDATE SET messages = messages + excluded.messages;
  INSERT OR IGNORE INTO report_message_order (outbox_id, days)
  SELECT m.id, CAST(julianday(new.paid_at) - julianday(m.sent_at) AS INTEGER) FROM message_outbox m
  WHERE m.recipient_type = 'CUSTOMER' AND m.recipient_id = new.customer_id AND m.sent_at IS NOT NULL
    AND julianday(m.sent_at) BETWEEN julianday(new.paid_at) - 30 AND julianday(new.paid_at);
END;

-- Backfill: the counters of the data already held, by the same rules as the triggers. (Opt-outs, replies and
-- "ordered within N days" of messages sent before this migration are not credited.)
INSERT INTO report_sales (period, market, product_id, currency, kind, quantity, amount, qv, cv)
SELECT period, market, product_id, currency, kind, sum(quantity), sum(amount), sum(qv), sum(cv) FROM (
  SELECT o.period, coalesce(c.country, d.country) AS market, l.product_id, o.currency, o.kind, l.quantity,
    l.quantity * l.unit_price AS amount, l.quantity * l.unit_qv AS qv, l.quantity * l.unit_cv AS cv
  FROM sales_order o JOIN order_line l ON l.order_id = o.id JOIN distributor d ON d.id = o.distributor_id
  LEFT JOIN customer c ON c.id = o.customer_id WHERE o.paid_at IS NOT NULL AND o.period IS NOT NULL
  UNION ALL
  SELECT r.period, coalesce(c.country, d.country), l.product_id, o.currency, o.kind, -(j.value ->> '$.quantity'),
    -(j.value ->> '$.quantity') * l.unit_price, -(j.value ->> '$.quantity') * l.unit_qv, -(j.value ->> '$.quantity') * l.unit_cv
  FROM refund r, json_each(r.lines) j JOIN order_line l ON l.id = j.value ->> '$.lineId'
  JOIN sales_order o ON o.id = l.order_id JOIN distributor d ON d.id = o.distributor_id
  LEFT JOIN customer c ON c.id = o.customer_id
) WHERE true GROUP BY 1, 2, 3, 4, 5;

INSERT INTO report_terminations (scope_id, month, members)
SELECT a.value, substr(coalesce((SELECT max(e.created_at) FROM genealogy_event e WHERE e.distributor_id = d.id AND e.kind = 'TERMINATE'),
    d.updated_at), 1, 7), count(*)
FROM distributor d, json_each('[0,' || replace(rtrim(d.sponsor_path, '.'), '.', ',') || ']') a
WHERE d.status = 'TERMINATED' AND a.value != d.id GROUP BY 1, 2;

INSERT INTO report_customer_month (customer_id, month, counted)
SELECT DISTINCT customer_id, period, 1 FROM sales_order
WHERE paid_at IS NOT NULL AND customer_id IS NOT NULL AND period IS NOT NULL;

INSERT INTO report_cohort (scope_id, cohort, month, customers)
SELECT CASE x.k WHEN 0 THEN 0 ELSE c.owner_id END, f.cohort, m.month, count(*)
FROM (SELECT customer_id, min(month) AS cohort FROM report_customer_month GROUP BY 1) f
JOIN report_customer_month m ON m.customer_id = f.customer_id JOIN customer c ON c.id = f.customer_id,
  (SELECT 0 AS k UNION ALL SELECT 1) x
WHERE true GROUP BY 1, 2, 3;

INSERT INTO report_rank (scope_id, period, rank, members)
SELECT 0, r.period_id, coalesce(r.paid_as_rank, ''), count(*) FROM period_result r
JOIN commission_period p ON p.id = r.period_id AND p.status IN ('COMMITTED', 'PAID') WHERE true GROUP BY 2, 3;
INSERT INTO report_rank (scope_id, period, rank, members)
SELECT a.value, r.period_id, r.paid_as_rank, count(*)
FROM period_result r JOIN commission_period p ON p.id = r.period_id AND p.status IN ('COMMITTED', 'PAID')
JOIN distributor d ON d.id = r.distributor_id, json_each('[' || replace(rtrim(d.sponsor_path, '.'), '.', ',') || ']') a
WHERE r.paid_as_rank IS NOT NULL GROUP BY 1, 2, 3;
INSERT INTO report_rank_progress (period, after_id, done)
SELECT id, coalesce((SELECT max(distributor_id) FROM period_result WHERE period_id = commission_period.id), 0), 1
FROM commission_period WHERE status IN ('COMMITTED', 'PAID');

INSERT INTO report_lead (lead_id, distributor_id, month, source, campaign, stage, created_at, contacted)
SELECT x.id, x.assigned_distributor_id, substr(x.created_at, 1, 7), x.source,
  coalesce(x.campaign_id, json_extract(x.utm, '$.campaign'), ''),
  coalesce((SELECT max(CASE h.to_status WHEN 'CONTACTED' THEN 1 WHEN 'QUALIFIED' THEN 2 WHEN 'CONVERTED' THEN 3 ELSE 0 END)
    FROM lead_status_change h WHERE h.lead_id = x.id), 0),
  x.created_at,
  EXISTS (SELECT 1 FROM lead_status_change h WHERE h.lead_id = x.id AND h.from_status = 'NEW' AND h.to_status != 'NEW')
FROM lead x WHERE x.is_test = 0;

INSERT INTO report_lead_funnel (scope_id, month, source, campaign, stage, leads)
SELECT CASE s.k WHEN 0 THEN 0 ELSE r.distributor_id END, r.month, r.source, r.campaign, t.stage, count(*)
FROM report_lead r, (SELECT 0 AS k UNION ALL SELECT 1) s,
  (SELECT 0 AS stage UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3) t
WHERE t.stage <= r.stage AND (s.k = 0 OR r.distributor_id IS NOT NULL) GROUP BY 1, 2, 3, 4, 5;

INSERT INTO report_lead_contact (scope_id, month, source, campaign, hours, leads)
SELECT CASE s.k WHEN 0 THEN 0 ELSE r.distributor_id END, r.month, r.source, r.campaign,
  max(0, CAST((julianday(h.created_at) - julianday(r.created_at)) * 24 AS INTEGER)), count(*)
FROM report_lead r JOIN lead_status_change h ON h.id = (SELECT min(id) FROM lead_status_change
    WHERE lead_id = r.lead_id AND from_status = 'NEW' AND to_status != 'NEW'),
  (SELECT 0 AS k UNION ALL SELECT 1) s
WHERE s.k = 0 OR r.distributor_id IS NOT NULL GROUP BY 1, 2, 3, 4, 5;

INSERT INTO report_message (scope_id, month, channel, template, sent, delivered, failed)
SELECT CASE s.k WHEN 0 THEN 0 ELSE m.owner_distributor_id END, substr(m.created_at, 1, 7), m.channel,
  coalesce(m.template_key, ''), count(m.sent_at), sum(m.status = 'DELIVERED'),
  sum(m.status IN ('FAILED', 'BOUNCED', 'UNDELIVERABLE'))
FROM message_outbox m, (SELECT 0 AS k UNION ALL SELECT 1) s
WHERE (m.sent_at IS NOT NULL OR m.status != 'QUEUED') AND (s.k = 0 OR m.owner_distributor_id IS NOT NULL)
GROUP BY 1, 2, 3, 4;
