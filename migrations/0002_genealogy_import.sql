-- Genealogy bulk import: an upload in parts, validated and applied by queued steps.
-- Status: UPLOADING -> VALIDATING -> (REJECTED | APPLYING -> (DONE | FAILED)).
CREATE TABLE genealogy_import (
  id INTEGER PRIMARY KEY,
  format TEXT NOT NULL CHECK (format IN ('NDJSON', 'CSV')),
  status TEXT NOT NULL CHECK (status IN ('UPLOADING', 'VALIDATING', 'APPLYING', 'DONE', 'REJECTED', 'FAILED')),
  total_rows INTEGER,
  -- Progress of the current step: step name, units done, units in all.
  step TEXT,
  done INTEGER NOT NULL DEFAULT 0,
  total INTEGER NOT NULL DEFAULT 0,
  issue_count INTEGER NOT NULL DEFAULT 0,
  -- First distributor id of this import (ids are id_base + row index in file order), fixed once computed.
  id_base INTEGER,
  chunk_count INTEGER,
  error TEXT,
  created_by INTEGER,
  created_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT
) STRICT;

CREATE TABLE genealogy_import_part (
  import_id INTEGER NOT NULL REFERENCES genealogy_import (id) ON DELETE CASCADE,
  part_no INTEGER NOT NULL,
  rows INTEGER NOT NULL, -- rows stored
  records INTEGER NOT NULL, -- data records in the part, good or bad
  -- Physical lines of the part (CSV: its header not counted): file-global line numbers are prefix sums.
  lines INTEGER NOT NULL,
  issue_count INTEGER NOT NULL,
  issues TEXT NOT NULL, -- JSON [[line within part, message], ...], capped
  uploaded_at TEXT NOT NULL,
  PRIMARY KEY (import_id, part_no)
) STRICT, WITHOUT ROWID;

-- Parsed rows, staged until the import is applied (then deleted).
CREATE TABLE genealogy_import_row (
  import_id INTEGER NOT NULL,
  part_no INTEGER NOT NULL,
  line INTEGER NOT NULL, -- within the part
  external_id TEXT NOT NULL,
  sponsor_ext TEXT,
  parent_ext TEXT,
  position INTEGER,
  first_name TEXT,
  last_name TEXT,
  email TEXT,
  phone TEXT,
  country TEXT,
  locale TEXT,
  status TEXT,
  joined_at TEXT,
  referral_code TEXT,
  search_name TEXT,
  bad INTEGER NOT NULL DEFAULT 0, -- 1: the row has field errors (reported from its part)
  PRIMARY KEY (import_id, part_no, line)
) STRICT, WITHOUT ROWID;
CREATE INDEX genealogy_import_row_ext ON genealogy_import_row (import_id, external_id);

-- The computed result, in chunks applied one batch at a time (payload: JSON, under D1's row size).
CREATE TABLE genealogy_import_chunk (
  import_id INTEGER NOT NULL,
  chunk_no INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('distributor', 'level', 'join', 'existing')),
  payload TEXT NOT NULL,
  -- Raised in the same batch that applies the chunk; the CHECK makes a second application fail whole.
  applied INTEGER NOT NULL DEFAULT 0 CHECK (applied IN (0, 1)),
  PRIMARY KEY (import_id, chunk_no)
) STRICT, WITHOUT ROWID;

-- Line-numbered reasons for a rejection (capped; genealogy_import.issue_count counts them all).
CREATE TABLE genealogy_import_issue (
  import_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  line INTEGER NOT NULL,
  message TEXT NOT NULL,
  PRIMARY KEY (import_id, seq)
) STRICT, WITHOUT ROWID;
