-- Prospect bulk import: a contact file (CSV or vCard) for one owner's list, uploaded in parts, validated and
-- applied by queued steps, all or nothing per file (the import engine's third kind).
-- Status: UPLOADING -> VALIDATING -> (REJECTED | APPLYING -> (DONE | FAILED)).

-- The import that wrote a prospect: a failed import deletes exactly its own.
ALTER TABLE prospect ADD COLUMN import_id INTEGER;
CREATE INDEX prospect_import_id ON prospect (import_id) WHERE import_id IS NOT NULL;

CREATE TABLE prospect_import (
  id INTEGER PRIMARY KEY,
  format TEXT NOT NULL CHECK (format IN ('CSV', 'VCARD')),
  status TEXT NOT NULL CHECK (status IN ('UPLOADING', 'VALIDATING', 'APPLYING', 'DONE', 'REJECTED', 'FAILED')),
  owner_id INTEGER NOT NULL REFERENCES distributor (id), -- whose list the contacts join
  total_rows INTEGER, -- contacts in the file
  -- Progress of the current step: validate, apply (chunks written).
  step TEXT,
  done INTEGER NOT NULL DEFAULT 0,
  total INTEGER NOT NULL DEFAULT 0,
  issue_count INTEGER NOT NULL DEFAULT 0,
  prospect_chunks INTEGER, -- set when validation passed
  error TEXT,
  created_by INTEGER,
  created_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT
) STRICT;

CREATE TABLE prospect_import_part (
  import_id INTEGER NOT NULL REFERENCES prospect_import (id) ON DELETE CASCADE,
  part_no INTEGER NOT NULL,
  rows INTEGER NOT NULL, -- contacts staged (the valid ones)
  records INTEGER NOT NULL, -- contacts in the part, good or bad
  lines INTEGER NOT NULL, -- physical lines (CSV: header not counted); file-global line numbers are prefix sums
  issue_count INTEGER NOT NULL,
  issues TEXT NOT NULL, -- JSON [[line within part, message], ...], capped
  uploaded_at TEXT NOT NULL,
  PRIMARY KEY (import_id, part_no)
) STRICT, WITHOUT ROWID;

-- Parsed and checked contacts, staged until the import ends.
CREATE TABLE prospect_import_row (
  import_id INTEGER NOT NULL,
  part_no INTEGER NOT NULL,
  line INTEGER NOT NULL, -- the contact's first line within the part
  first_name TEXT NOT NULL,
  last_name TEXT,
  email TEXT,
  phone TEXT,
  notes TEXT,
  status TEXT,
  next_step TEXT,
  next_step_date TEXT,
  PRIMARY KEY (import_id, part_no, line)
) STRICT, WITHOUT ROWID;

-- Chunks: ranges of staged rows, (from] exclusive .. (to] inclusive.
CREATE TABLE prospect_import_chunk (
  import_id INTEGER NOT NULL,
  chunk_no INTEGER NOT NULL,
  from_part INTEGER NOT NULL,
  from_line INTEGER NOT NULL,
  to_part INTEGER NOT NULL,
  to_line INTEGER NOT NULL,
  -- Raised in the same batch that applies the chunk; the CHECK makes a second application fail whole.
  applied INTEGER NOT NULL DEFAULT 0 CHECK (applied IN (0, 1)),
  PRIMARY KEY (import_id, chunk_no)
) STRICT, WITHOUT ROWID;

CREATE TABLE prospect_import_issue (
  import_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  line INTEGER NOT NULL,
  message TEXT NOT NULL,
  PRIMARY KEY (import_id, seq)
) STRICT, WITHOUT ROWID;
