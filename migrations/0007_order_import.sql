-- Order bulk import: an upload in parts, validated and applied by queued steps, all or nothing per file.
-- Status: UPLOADING -> VALIDATING -> (REJECTED | APPLYING -> (DONE | FAILED)).

-- The order reference of the system an order came from: unique, so that a file cannot be imported twice.
ALTER TABLE sales_order ADD COLUMN external_id TEXT;
ALTER TABLE sales_order ADD COLUMN import_id INTEGER;
CREATE UNIQUE INDEX sales_order_external ON sales_order (external_id) WHERE external_id IS NOT NULL;

-- Customers known to an earlier system: orders of the import name them by this reference.
ALTER TABLE customer ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX customer_external ON customer (external_id) WHERE external_id IS NOT NULL;

CREATE TABLE order_import (
  id INTEGER PRIMARY KEY,
  format TEXT NOT NULL CHECK (format IN ('NDJSON', 'CSV')),
  status TEXT NOT NULL CHECK (status IN ('UPLOADING', 'VALIDATING', 'APPLYING', 'DONE', 'REJECTED', 'FAILED')),
  total_rows INTEGER, -- orders in the file
  -- Progress of the current step: validate (orders read), orders / volumes (chunks written).
  step TEXT,
  done INTEGER NOT NULL DEFAULT 0,
  total INTEGER NOT NULL DEFAULT 0,
  issue_count INTEGER NOT NULL DEFAULT 0,
  order_chunks INTEGER, -- set when validation passed
  volume_chunks INTEGER, -- set once the volume deltas are computed
  error TEXT,
  created_by INTEGER,
  created_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT
) STRICT;

CREATE TABLE order_import_part (
  import_id INTEGER NOT NULL REFERENCES order_import (id) ON DELETE CASCADE,
  part_no INTEGER NOT NULL,
  rows INTEGER NOT NULL, -- orders stored
  records INTEGER NOT NULL, -- orders in the part, good or bad
  lines INTEGER NOT NULL, -- physical lines (CSV: header not counted); file-global line numbers are prefix sums
  issue_count INTEGER NOT NULL,
  issues TEXT NOT NULL, -- JSON [[line within part, message], ...], capped
  uploaded_at TEXT NOT NULL,
  PRIMARY KEY (import_id, part_no)
) STRICT, WITHOUT ROWID;

-- Parsed orders, staged until the import ends (one row per order; CSV rows of one order are grouped).
CREATE TABLE order_import_row (
  import_id INTEGER NOT NULL,
  part_no INTEGER NOT NULL,
  line INTEGER NOT NULL, -- the order's first line within the part
  external_id TEXT NOT NULL,
  distributor_ext TEXT,
  distributor_id INTEGER,
  customer_ext TEXT,
  customer_id INTEGER,
  kind TEXT,
  currency TEXT,
  status TEXT,
  paid_at TEXT,
  created_at TEXT,
  reference TEXT,
  lines TEXT, -- JSON [[sku, quantity, unitPrice|null, unitQv|null, unitCv|null, line within part], ...]
  bad INTEGER NOT NULL DEFAULT 0, -- 1: field errors, reported from its part
  PRIMARY KEY (import_id, part_no, line)
) STRICT, WITHOUT ROWID;
CREATE INDEX order_import_row_ext ON order_import_row (import_id, external_id);

-- Order chunks: ranges of staged rows, (from] exclusive .. (to] inclusive. Volume chunks: computed deltas.
CREATE TABLE order_import_chunk (
  import_id INTEGER NOT NULL,
  chunk_no INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('orders', 'volume')),
  from_part INTEGER,
  from_line INTEGER,
  to_part INTEGER,
  to_line INTEGER,
  period TEXT,
  payload TEXT, -- volume: JSON [[distributor_id, pv, cv, customer_pv, customer_cv, gv, gcv, qualified], ...]
  -- Raised in the same batch that applies the chunk; the CHECK makes a second application fail whole.
  applied INTEGER NOT NULL DEFAULT 0 CHECK (applied IN (0, 1)),
  PRIMARY KEY (import_id, chunk_no)
) STRICT, WITHOUT ROWID;

-- Own volume of the imported orders per member and period, summed as order chunks are applied.
CREATE TABLE order_import_volume (
  import_id INTEGER NOT NULL,
  period TEXT NOT NULL,
  distributor_id INTEGER NOT NULL,
  pv INTEGER NOT NULL,
  cv INTEGER NOT NULL,
  customer_pv INTEGER NOT NULL,
  customer_cv INTEGER NOT NULL,
  PRIMARY KEY (import_id, period, distributor_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE order_import_issue (
  import_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  line INTEGER NOT NULL,
  message TEXT NOT NULL,
  PRIMARY KEY (import_id, seq)
) STRICT, WITHOUT ROWID;
