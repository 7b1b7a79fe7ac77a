-- Autoship: subscriptions that create an order every N days or on a day of the month.
CREATE TABLE autoship (
  id INTEGER PRIMARY KEY,
  distributor_id INTEGER NOT NULL REFERENCES distributor (id), -- the owner; volume is attributed here
  customer_id INTEGER REFERENCES customer (id), -- a customer's subscription; null = the distributor's own
  lines TEXT NOT NULL, -- JSON [{"productId": 1, "quantity": 2}]
  interval_days INTEGER CHECK (interval_days BETWEEN 7 AND 365),
  day_of_month INTEGER CHECK (day_of_month BETWEEN 1 AND 28),
  next_date TEXT NOT NULL, -- 'YYYY-MM-DD' in the company time zone
  status TEXT NOT NULL CHECK (status IN ('ACTIVE', 'PAUSED', 'CANCELLED')),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  CHECK ((interval_days IS NULL) != (day_of_month IS NULL))
) STRICT;
CREATE INDEX autoship_due ON autoship (next_date) WHERE status = 'ACTIVE';
CREATE INDEX autoship_owner ON autoship (distributor_id, id);

-- One row per generated order: the order's idempotency key is 'autoship:<id>:<due date>', so a due date
-- makes at most one order however often the cron or its queue message runs.
CREATE TABLE autoship_run (
  autoship_id INTEGER NOT NULL REFERENCES autoship (id),
  due_date TEXT NOT NULL,
  order_id INTEGER REFERENCES sales_order (id),
  error TEXT,
  created_at TEXT NOT NULL,
  PRIMARY KEY (autoship_id, due_date)
) STRICT, WITHOUT ROWID;
