-- Genealogy bulk import into an empty company: the import drops every index of distributor before its
-- first chunk and builds them again (one sorted pass each) before it is DONE. Keeping ten B-trees in step
-- row by row is what made a 1,000,000-row import slow: each insert lands on a random page of each index.
-- The indexes of UNIQUE column constraints cannot be dropped, so distributor is rebuilt here with the same
-- columns, checks and references and its uniqueness as named UNIQUE indexes (same rules, same query plans).
--
-- Order matters (D1 keeps foreign keys on): copy the rows aside, drop the table (the references of other
-- tables to its rows become deferred violations), create it again under the same name, and insert the rows
-- back, which resolves those violations before the commit. Renaming the old table instead would make every
-- referencing table follow it.
PRAGMA defer_foreign_keys = ON;

CREATE TABLE distributor_0009_copy AS SELECT * FROM distributor;
DROP TABLE distributor;

CREATE TABLE distributor (
  id INTEGER PRIMARY KEY,
  external_id TEXT,
  referral_code TEXT NOT NULL COLLATE NOCASE,
  first_name TEXT NOT NULL,
  last_name TEXT NOT NULL,
  search_name TEXT NOT NULL, -- lower-cased "first last" for name filters
  email TEXT COLLATE NOCASE,
  phone TEXT,
  country TEXT NOT NULL,
  locale TEXT NOT NULL CHECK (locale IN ('da', 'pl', 'de', 'en')),
  status TEXT NOT NULL CHECK (status IN ('ACTIVE', 'SUSPENDED', 'TERMINATED')),
  joined_at TEXT NOT NULL,
  sponsor_id INTEGER REFERENCES distributor (id),
  sponsor_path TEXT NOT NULL,
  sponsor_depth INTEGER NOT NULL,
  placement_parent_id INTEGER REFERENCES distributor (id),
  placement_position INTEGER,
  placement_path TEXT NOT NULL,
  placement_depth INTEGER NOT NULL,
  placement_child_count INTEGER NOT NULL DEFAULT 0,
  -- 1 while the member has a free placement position (child count < the company's width).
  placement_open INTEGER NOT NULL DEFAULT 1,
  -- Maintained counters (everyone below, not counting the member): kept right by every write path.
  team_size INTEGER NOT NULL DEFAULT 0,
  team_active INTEGER NOT NULL DEFAULT 0,
  placement_team_size INTEGER NOT NULL DEFAULT 0,
  lifetime_rank INTEGER NOT NULL DEFAULT 0,
  password_hash TEXT,
  import_id INTEGER,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  iban TEXT,
  bic TEXT,
  lifetime_rank_id TEXT
) STRICT;

-- The former column constraints, as named indexes (the COLLATE NOCASE of the columns applies to them).
CREATE UNIQUE INDEX distributor_external_id ON distributor (external_id);
CREATE UNIQUE INDEX distributor_referral_code ON distributor (referral_code);
CREATE UNIQUE INDEX distributor_email ON distributor (email);
CREATE UNIQUE INDEX distributor_sponsor_path ON distributor (sponsor_path);
CREATE UNIQUE INDEX distributor_placement_path ON distributor (placement_path);
-- As in 0001_foundation.sql.
CREATE INDEX distributor_sponsor ON distributor (sponsor_id);
CREATE UNIQUE INDEX distributor_placement_slot ON distributor (placement_parent_id, placement_position);
CREATE INDEX distributor_placement_open ON distributor (placement_depth, placement_path) WHERE placement_open = 1;
CREATE INDEX distributor_joined ON distributor (joined_at, id);
CREATE INDEX distributor_import ON distributor (import_id) WHERE import_id IS NOT NULL;

INSERT INTO distributor (id, external_id, referral_code, first_name, last_name, search_name, email, phone, country,
  locale, status, joined_at, sponsor_id, sponsor_path, sponsor_depth, placement_parent_id, placement_position,
  placement_path, placement_depth, placement_child_count, placement_open, team_size, team_active,
  placement_team_size, lifetime_rank, password_hash, import_id, created_at, updated_at, iban, bic, lifetime_rank_id)
SELECT id, external_id, referral_code, first_name, last_name, search_name, email, phone, country,
  locale, status, joined_at, sponsor_id, sponsor_path, sponsor_depth, placement_parent_id, placement_position,
  placement_path, placement_depth, placement_child_count, placement_open, team_size, team_active,
  placement_team_size, lifetime_rank, password_hash, import_id, created_at, updated_at, iban, bic, lifetime_rank_id
FROM distributor_0009_copy ORDER BY id;
DROP TABLE distributor_0009_copy;

-- The people-search triggers of 0006_crm.sql, unchanged (dropping the old table dropped them).
CREATE TRIGGER distributor_search_insert AFTER INSERT ON distributor WHEN NEW.import_id IS NULL BEGIN
  INSERT OR REPLACE INTO person_fts (rowid, name, contact, scope, pscope, kind, ref_id, display, email, phone)
  VALUES (NEW.id * 4 + 0, replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(NEW.first_name || ' ' || NEW.last_name, 'ł', 'l'), 'Ł', 'L'), 'ø', 'o'), 'Ø', 'O'), 'æ', 'ae'), 'Æ', 'AE'), 'ß', 'ss'), 'đ', 'd'), 'Đ', 'D'), 'ı', 'i'), 'œ', 'oe'), 'Œ', 'OE'), coalesce(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(NEW.email, 'ł', 'l'), 'Ł', 'L'), 'ø', 'o'), 'Ø', 'O'), 'æ', 'ae'), 'Æ', 'AE'), 'ß', 'ss'), 'đ', 'd'), 'Đ', 'D'), 'ı', 'i'), 'œ', 'oe'), 'Œ', 'OE'), '') || ' ' || coalesce(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', '') || ' ' || substr(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', ''), -6) || ' ' || substr(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', ''), -7) || ' ' || substr(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', ''), -8) || ' ' || substr(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', ''), -9) || ' ' || substr(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', ''), -10), ''), 'kd s' || replace(substr(NEW.sponsor_path, 1, length(NEW.sponsor_path) - 1), '.', ' s'), coalesce((SELECT pscope || ' ' FROM person_fts WHERE rowid = NEW.placement_parent_id * 4), '') || 'p' || NEW.id,
    'DISTRIBUTOR', NEW.id, NEW.first_name || ' ' || NEW.last_name, NEW.email, NEW.phone);
END;

CREATE TRIGGER distributor_search_update AFTER UPDATE OF first_name, last_name, email, phone, sponsor_path ON distributor
WHEN OLD.first_name IS NOT NEW.first_name OR OLD.last_name IS NOT NEW.last_name OR OLD.email IS NOT NEW.email
  OR OLD.phone IS NOT NEW.phone OR OLD.sponsor_path IS NOT NEW.sponsor_path BEGIN
  INSERT OR REPLACE INTO person_fts (rowid, name, contact, scope, pscope, kind, ref_id, display, email, phone)
  VALUES (NEW.id * 4 + 0, replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(NEW.first_name || ' ' || NEW.last_name, 'ł', 'l'), 'Ł', 'L'), 'ø', 'o'), 'Ø', 'O'), 'æ', 'ae'), 'Æ', 'AE'), 'ß', 'ss'), 'đ', 'd'), 'Đ', 'D'), 'ı', 'i'), 'œ', 'oe'), 'Œ', 'OE'), coalesce(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(NEW.email, 'ł', 'l'), 'Ł', 'L'), 'ø', 'o'), 'Ø', 'O'), 'æ', 'ae'), 'Æ', 'AE'), 'ß', 'ss'), 'đ', 'd'), 'Đ', 'D'), 'ı', 'i'), 'œ', 'oe'), 'Œ', 'OE'), '') || ' ' || coalesce(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', '') || ' ' || substr(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', ''), -6) || ' ' || substr(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', ''), -7) || ' ' || substr(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', ''), -8) || ' ' || substr(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', ''), -9) || ' ' || substr(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', ''), -10), ''), 'kd s' || replace(substr(NEW.sponsor_path, 1, length(NEW.sponsor_path) - 1), '.', ' s'), coalesce((SELECT pscope FROM person_fts WHERE rowid = NEW.id * 4), coalesce((SELECT pscope || ' ' FROM person_fts WHERE rowid = NEW.placement_parent_id * 4), '') || 'p' || NEW.id),
    'DISTRIBUTOR', NEW.id, NEW.first_name || ' ' || NEW.last_name, NEW.email, NEW.phone);
END;

-- What a bulk load dropped, as JSON [[name, sql], ...], until it is rebuilt (null: nothing dropped).
ALTER TABLE genealogy_import ADD COLUMN dropped_indexes TEXT;
