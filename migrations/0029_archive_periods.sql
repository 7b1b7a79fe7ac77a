-- Archive of committed periods (issue 14 §6): a period older than the company's horizon has its detailed rows
-- (commission lines, volume lines, order lines, the frozen snapshot, raw lead events) moved into R2 chunks; the
-- live database keeps the headers (periods, results, orders, the ledger) and this index of the chunks.

-- The company's horizon: how many committed periods (newest first) stay live; null = archive nothing.
CREATE TABLE archive_settings (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  horizon_periods INTEGER CHECK (horizon_periods BETWEEN 1 AND 120),
  updated_at TEXT NOT NULL
) STRICT;
INSERT INTO archive_settings (id, horizon_periods, updated_at) VALUES (1, NULL, '1970-01-01T00:00:00.000Z');

-- One row per period being archived or archived. WRITING: chunks are being written (the live rows are read);
-- VERIFIED: every chunk was read back and matched, readers use the archive, the live rows are being deleted;
-- ARCHIVED: the live rows are gone. `part` is the part being written; `counts` the rows of each finished part.
CREATE TABLE period_archive (
  period_id TEXT PRIMARY KEY, -- a commission_period id (no reference: this module sits before commissions)
  status TEXT NOT NULL CHECK (status IN ('WRITING', 'VERIFIED', 'ARCHIVED')),
  location TEXT NOT NULL, -- R2 key prefix of the period's chunks and manifest
  part TEXT,
  counts TEXT NOT NULL DEFAULT '{}', -- JSON {part: rows}
  started_at TEXT NOT NULL,
  verified_at TEXT,
  archived_at TEXT
) STRICT;

-- The chunks of a period's parts in key order: the reader finds a member's or an order's chunk by key range.
CREATE TABLE archive_chunk (
  period_id TEXT NOT NULL REFERENCES period_archive (period_id),
  part TEXT NOT NULL,
  chunk INTEGER NOT NULL,
  first_key INTEGER NOT NULL, -- leading key of the first and last row (distributor, order, event, refund id)
  last_key INTEGER NOT NULL,
  cursor TEXT NOT NULL, -- JSON keyset position after the chunk's last row (where the next chunk starts)
  rows INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  sha256 TEXT NOT NULL, -- hex of the object's bytes
  verified INTEGER NOT NULL DEFAULT 0, -- 1 once the object was read back and matched rows and checksum
  deleted INTEGER NOT NULL DEFAULT 0, -- 1 once the chunk's live rows were deleted
  PRIMARY KEY (period_id, part, chunk)
) STRICT, WITHOUT ROWID;
