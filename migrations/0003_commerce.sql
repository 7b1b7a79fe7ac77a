-- Commerce: markets, products, customers, orders, refunds, and live volumes per period.

-- Which currency each market (country) sells in.
CREATE TABLE market (
  country TEXT PRIMARY KEY,
  currency TEXT NOT NULL
) STRICT;
INSERT INTO market (country, currency) VALUES ('DK', 'DKK'), ('PL', 'PLN'), ('DE', 'EUR');

CREATE TABLE product (
  id INTEGER PRIMARY KEY,
  sku TEXT NOT NULL UNIQUE COLLATE NOCASE,
  names TEXT NOT NULL, -- JSON {"da": "...", "pl": "...", "de": "...", "en": "..."}
  qv INTEGER NOT NULL CHECK (qv >= 0),
  cv INTEGER NOT NULL CHECK (cv >= 0), -- minor units of the payout currency
  is_starter_kit INTEGER NOT NULL DEFAULT 0,
  active INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE product_price (
  product_id INTEGER NOT NULL REFERENCES product (id),
  currency TEXT NOT NULL,
  retail INTEGER NOT NULL CHECK (retail >= 0),
  wholesale INTEGER NOT NULL CHECK (wholesale >= 0),
  PRIMARY KEY (product_id, currency)
) STRICT, WITHOUT ROWID;

CREATE TABLE customer (
  id INTEGER PRIMARY KEY,
  owner_id INTEGER NOT NULL REFERENCES distributor (id),
  first_name TEXT NOT NULL,
  last_name TEXT NOT NULL,
  email TEXT,
  phone TEXT,
  country TEXT NOT NULL,
  locale TEXT NOT NULL CHECK (locale IN ('da', 'pl', 'de', 'en')),
  notes TEXT,
  -- Marketing consent (GDPR): what, when and where it was given; null = not given.
  consent_email_at TEXT,
  consent_sms_at TEXT,
  consent_source TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX customer_owner ON customer (owner_id, id);

-- Commission periods (monthly, company time zone). The commissions module drives their lifecycle;
-- commerce only asks whether a period is committed (refunds after that become clawbacks).
CREATE TABLE commission_period (
  id TEXT PRIMARY KEY, -- 'YYYY-MM'
  status TEXT NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'CLOSING', 'REVIEW', 'COMMITTED', 'PAID'))
) STRICT;

CREATE TABLE sales_order (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('PERSONAL', 'CUSTOMER')),
  distributor_id INTEGER NOT NULL REFERENCES distributor (id), -- volume is attributed here
  customer_id INTEGER REFERENCES customer (id),
  status TEXT NOT NULL CHECK (status IN ('PENDING', 'PAID', 'REFUNDED', 'PARTIALLY_REFUNDED', 'CANCELLED')),
  currency TEXT NOT NULL,
  total INTEGER NOT NULL, -- minor units
  qv INTEGER NOT NULL,
  cv INTEGER NOT NULL,
  idempotency_key TEXT,
  created_by TEXT NOT NULL, -- 'staff:1', 'distributor:5', 'apikey:2', 'autoship:7'
  created_at TEXT NOT NULL,
  paid_at TEXT, -- the commission date
  period TEXT, -- commission period of paid_at
  payment_reference TEXT,
  cancelled_at TEXT,
  CHECK ((kind = 'CUSTOMER') = (customer_id IS NOT NULL))
) STRICT;
CREATE UNIQUE INDEX sales_order_idempotency ON sales_order (created_by, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX sales_order_distributor ON sales_order (distributor_id, created_at, id);
CREATE INDEX sales_order_customer ON sales_order (customer_id, created_at, id) WHERE customer_id IS NOT NULL;

CREATE TABLE order_line (
  id INTEGER PRIMARY KEY,
  order_id INTEGER NOT NULL REFERENCES sales_order (id),
  product_id INTEGER NOT NULL REFERENCES product (id),
  sku TEXT NOT NULL,
  quantity INTEGER NOT NULL CHECK (quantity > 0),
  unit_price INTEGER NOT NULL, -- what the buyer pays per unit (wholesale for PERSONAL, retail for CUSTOMER)
  unit_retail INTEGER NOT NULL,
  unit_wholesale INTEGER NOT NULL,
  unit_qv INTEGER NOT NULL, -- copied at order time; 0 for starter kits
  unit_cv INTEGER NOT NULL,
  is_starter_kit INTEGER NOT NULL,
  refunded_quantity INTEGER NOT NULL DEFAULT 0 CHECK (refunded_quantity BETWEEN 0 AND quantity)
) STRICT;
CREATE INDEX order_line_order ON order_line (order_id);

-- One row per paid order: its primary key makes paying twice impossible even under concurrent requests.
CREATE TABLE payment (
  order_id INTEGER PRIMARY KEY REFERENCES sales_order (id),
  paid_at TEXT NOT NULL,
  reference TEXT,
  recorded_by TEXT NOT NULL,
  created_at TEXT NOT NULL
) STRICT;

CREATE TABLE refund (
  id INTEGER PRIMARY KEY,
  order_id INTEGER NOT NULL REFERENCES sales_order (id),
  amount INTEGER NOT NULL,
  qv INTEGER NOT NULL,
  cv INTEGER NOT NULL,
  period TEXT NOT NULL, -- the period whose volume it lowers
  clawback INTEGER NOT NULL, -- 1 when the order's own period was already committed
  reason TEXT NOT NULL,
  lines TEXT NOT NULL, -- JSON [{lineId, quantity}]
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX refund_order ON refund (order_id);

-- Live volumes per distributor and period, kept current as orders are paid and refunded and as the tree
-- changes: pv/cv from their own attributed orders, customer_* the part from customer orders, gv/gcv their
-- whole sponsor downline plus themself.
CREATE TABLE volume (
  distributor_id INTEGER NOT NULL,
  period TEXT NOT NULL,
  pv INTEGER NOT NULL DEFAULT 0,
  cv INTEGER NOT NULL DEFAULT 0,
  customer_pv INTEGER NOT NULL DEFAULT 0,
  customer_cv INTEGER NOT NULL DEFAULT 0,
  gv INTEGER NOT NULL DEFAULT 0,
  gcv INTEGER NOT NULL DEFAULT 0,
  -- Downline members whose PV in the period reached the active threshold (maintained on pay and refund by
  -- detecting the crossing inside the same batch).
  qualified_downline INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (distributor_id, period)
) STRICT, WITHOUT ROWID;

-- PV at which a member counts as active until a compensation plan sets its own activePv.
ALTER TABLE company_settings ADD COLUMN active_pv INTEGER NOT NULL DEFAULT 100;
