-- Lead pipeline: every status change is kept (who, when, why), and a converted lead links to the customer
-- or distributor it became. Columns are added, never rebuilt: lead keeps its rows, triggers and history.
CREATE TABLE lead_status_change (
  id INTEGER PRIMARY KEY,
  lead_id INTEGER NOT NULL REFERENCES lead (id),
  from_status TEXT NOT NULL,
  to_status TEXT NOT NULL CHECK (to_status IN ('NEW', 'CONTACTED', 'QUALIFIED', 'CONVERTED', 'LOST')),
  reason TEXT,
  actor TEXT NOT NULL, -- 'staff:<id>' or 'distributor:<id>'
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX lead_status_change_lead ON lead_status_change (lead_id, id);

ALTER TABLE lead ADD COLUMN lost_reason TEXT; -- set while LOST, cleared on reopening
ALTER TABLE lead ADD COLUMN converted_customer_id INTEGER REFERENCES customer (id);
ALTER TABLE lead ADD COLUMN converted_distributor_id INTEGER REFERENCES distributor (id);
ALTER TABLE lead ADD COLUMN converted_at TEXT;
