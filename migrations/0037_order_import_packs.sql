-- Order import (issue 14 §2): parts are staged as packs of parsed orders (one JSON array per ≤ 1.5 MB) instead
-- of one row per order, and validation leaves each chunk's checked rows (references resolved, prices, volumes,
-- periods) for the apply step, which writes them without reading and checking the staged orders again.
-- Both tables hold only an import's working state: an order import in flight while this runs is lost (FAILED
-- by its job's watchdog or rejected), so deploy it with no order import running.

DROP TABLE order_import_row;
CREATE TABLE order_import_row (
  import_id INTEGER NOT NULL,
  part_no INTEGER NOT NULL,
  pack INTEGER NOT NULL, -- 0, 1, ... within the part, in file order
  -- JSON [[line, externalId, distributorExternalId, distributorId, customerExternalId, customerId, kind, currency,
  --   status, paidAt, createdAt, paymentReference, [[sku, quantity, unitPrice, unitQv, unitCv, line], ...], bad], ...]
  orders TEXT NOT NULL,
  PRIMARY KEY (import_id, part_no, pack)
) STRICT;

DROP TABLE order_import_chunk;
-- Order chunks: staged orders [first, first + count) of one pack. Volume chunks: computed deltas.
CREATE TABLE order_import_chunk (
  import_id INTEGER NOT NULL,
  chunk_no INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('orders', 'volume')),
  part_no INTEGER,
  pack INTEGER,
  first INTEGER,
  count INTEGER,
  -- orders: digest of the catalog, markets and closed periods its rows were checked against; apply checks the
  -- rows again only when these changed since.
  context TEXT,
  period TEXT,
  -- Raised in the same batch that applies the chunk; the CHECK makes a second application fail whole.
  applied INTEGER NOT NULL DEFAULT 0 CHECK (applied IN (0, 1)),
  payload TEXT, -- volume: JSON [[distributor_id, pv, cv, customer_pv, customer_cv, gv, gcv, qualified], ...]
  PRIMARY KEY (import_id, chunk_no)
) STRICT, WITHOUT ROWID;

-- What validation checked of an order chunk, in the form apply writes (its own table: marking a chunk applied
-- rewrites the marker's row, and a row holding 1.5 MB would be rewritten whole).
CREATE TABLE order_import_checked (
  import_id INTEGER NOT NULL,
  chunk_no INTEGER NOT NULL,
  sales TEXT NOT NULL, -- JSON report_sales sums of the paid lines
  months TEXT NOT NULL, -- JSON [[customerId, period], ...] of the paid customer orders
  -- jsonb [[externalId, distributorId, customerId, kind, currency, status, total, qv, cv, createdAt, paidAt, period,
  --   paymentReference, country, [[productId, quantity, unitPrice, unitQv, unitCv], ...]], ...]
  checked BLOB NOT NULL,
  PRIMARY KEY (import_id, chunk_no)
) STRICT;
