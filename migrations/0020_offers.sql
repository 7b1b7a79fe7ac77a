-- Offers (issue 13 §1–3): quotes for a customer or a lead, their public link, their PDF in R2.

-- VAT per market, in basis points (2500 = 25 %). Catalogue prices are net of VAT.
ALTER TABLE market ADD COLUMN vat_rate_bp INTEGER NOT NULL DEFAULT 0 CHECK (vat_rate_bp BETWEEN 0 AND 10000);
UPDATE market SET vat_rate_bp = 2500 WHERE country = 'DK';
UPDATE market SET vat_rate_bp = 2300 WHERE country = 'PL';
UPDATE market SET vat_rate_bp = 1900 WHERE country = 'DE';

-- The company's offer settings: one row. The discount limit applies to every line; colours are the public
-- page's and the PDF's (#rrggbb).
CREATE TABLE offer_settings (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  max_discount_bp INTEGER NOT NULL DEFAULT 1500 CHECK (max_discount_bp BETWEEN 0 AND 10000),
  brand_color TEXT NOT NULL DEFAULT '#1d4e89',
  accent_color TEXT NOT NULL DEFAULT '#0b6e4f',
  updated_at TEXT
) STRICT;
INSERT INTO offer_settings (id) VALUES (1);

-- Stored files (R2 bucket FILES): key, size and SHA-256 of each object.
CREATE TABLE stored_file (
  key TEXT PRIMARY KEY,
  content_type TEXT NOT NULL,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  created_at TEXT NOT NULL
) STRICT;

CREATE TABLE offer (
  id INTEGER PRIMARY KEY,
  owner_id INTEGER NOT NULL REFERENCES distributor (id),
  customer_id INTEGER REFERENCES customer (id), -- set on a lead's offer when the lead accepts (conversion)
  lead_id INTEGER REFERENCES lead (id),
  status TEXT NOT NULL DEFAULT 'DRAFT'
    CHECK (status IN ('DRAFT', 'SENT', 'VIEWED', 'ACCEPTED', 'DECLINED', 'EXPIRED', 'SIGNED', 'SUPERSEDED')),
  country TEXT NOT NULL,
  currency TEXT NOT NULL,
  locale TEXT NOT NULL CHECK (locale IN ('da', 'pl', 'de', 'en')),
  vat_rate_bp INTEGER NOT NULL,
  valid_until TEXT NOT NULL, -- 'YYYY-MM-DD', the last day (company time zone) it can be accepted
  note TEXT,
  terms TEXT,
  net INTEGER NOT NULL, -- minor units
  vat INTEGER NOT NULL,
  gross INTEGER NOT NULL,
  public_token TEXT UNIQUE, -- the link's secret (256 bits, base64url); null until sent
  link_revoked_at TEXT,
  supersedes_id INTEGER REFERENCES offer (id),
  superseded_by_id INTEGER REFERENCES offer (id),
  sent_at TEXT,
  viewed_at TEXT,
  decided_at TEXT,
  decision_ip TEXT,
  decision_user_agent TEXT,
  order_id INTEGER REFERENCES sales_order (id),
  pdf_key TEXT REFERENCES stored_file (key),
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  CHECK (customer_id IS NOT NULL OR lead_id IS NOT NULL)
) STRICT;
CREATE INDEX offer_owner ON offer (owner_id, id);
CREATE INDEX offer_customer ON offer (customer_id, id) WHERE customer_id IS NOT NULL;
CREATE INDEX offer_lead ON offer (lead_id, id) WHERE lead_id IS NOT NULL;
CREATE INDEX offer_open_validity ON offer (valid_until) WHERE status IN ('SENT', 'VIEWED');
CREATE UNIQUE INDEX offer_one_revision ON offer (supersedes_id) WHERE supersedes_id IS NOT NULL;

CREATE TABLE offer_line (
  id INTEGER PRIMARY KEY,
  offer_id INTEGER NOT NULL REFERENCES offer (id),
  position INTEGER NOT NULL,
  product_id INTEGER NOT NULL REFERENCES product (id),
  sku TEXT NOT NULL,
  name TEXT NOT NULL, -- in the offer's language, as it was when the offer was made
  quantity INTEGER NOT NULL CHECK (quantity > 0),
  unit_price INTEGER NOT NULL CHECK (unit_price >= 0), -- catalogue retail, net of VAT
  discount_bp INTEGER NOT NULL DEFAULT 0 CHECK (discount_bp BETWEEN 0 AND 10000),
  unit_net INTEGER NOT NULL CHECK (unit_net >= 0), -- after the discount, rounded half up
  line_net INTEGER NOT NULL, -- unit_net × quantity
  UNIQUE (offer_id, position)
) STRICT;
