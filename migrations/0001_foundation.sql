-- Foundation: company settings, staff, API keys, distributors with sponsor and placement trees,
-- maintained team counters, and genealogy imports.

CREATE TABLE company_settings (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  name TEXT NOT NULL,
  time_zone TEXT NOT NULL,
  payout_currency TEXT NOT NULL,
  -- BINARY (width 2, LEFT/RIGHT) or MATRIX (width matrix_width).
  placement_kind TEXT NOT NULL CHECK (placement_kind IN ('BINARY', 'MATRIX')),
  matrix_width INTEGER NOT NULL DEFAULT 3 CHECK (matrix_width BETWEEN 2 AND 36),
  -- Where the sponsor children of a terminated member go: SPONSOR (roll up to the terminated member's
  -- sponsor, the common rule) or COMPANY (to the root). The placement position is always kept.
  terminate_roll_up TEXT NOT NULL DEFAULT 'SPONSOR' CHECK (terminate_roll_up IN ('SPONSOR', 'COMPANY')),
  updated_at TEXT NOT NULL
) STRICT;

INSERT INTO company_settings (id, name, time_zone, payout_currency, placement_kind, matrix_width, terminate_roll_up, updated_at)
VALUES (1, 'Demo Company', 'Europe/Copenhagen', 'EUR', 'BINARY', 3, 'SPONSOR', '2026-01-01T00:00:00.000Z');

CREATE TABLE staff_user (
  id INTEGER PRIMARY KEY,
  email TEXT NOT NULL UNIQUE COLLATE NOCASE,
  name TEXT NOT NULL,
  role TEXT NOT NULL DEFAULT 'ADMIN' CHECK (role IN ('ADMIN')),
  password_hash TEXT NOT NULL,
  created_at TEXT NOT NULL
) STRICT;

CREATE TABLE api_key (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  key_prefix TEXT NOT NULL UNIQUE,
  key_hash TEXT NOT NULL,
  scopes TEXT NOT NULL, -- JSON array of scope strings
  created_at TEXT NOT NULL,
  revoked_at TEXT
) STRICT;

-- Paths make every subtree a contiguous index range:
--   sponsor_path   = decimal ids of the chain from the root down to this member, each followed by '.'
--                    (root "1.", its child "1.5."); subtree of p = [p, p with its last '.' replaced by '/').
--   placement_path = one base-36 digit per step: the position taken under each placement parent
--                    (root ""); subtree of p = [p, p || '~').
CREATE TABLE distributor (
  id INTEGER PRIMARY KEY,
  external_id TEXT UNIQUE,
  referral_code TEXT NOT NULL UNIQUE COLLATE NOCASE,
  first_name TEXT NOT NULL,
  last_name TEXT NOT NULL,
  search_name TEXT NOT NULL, -- lower-cased "first last" for name filters
  email TEXT UNIQUE COLLATE NOCASE,
  phone TEXT,
  country TEXT NOT NULL,
  locale TEXT NOT NULL CHECK (locale IN ('da', 'pl', 'de', 'en')),
  status TEXT NOT NULL CHECK (status IN ('ACTIVE', 'SUSPENDED', 'TERMINATED')),
  joined_at TEXT NOT NULL,
  sponsor_id INTEGER REFERENCES distributor (id),
  sponsor_path TEXT NOT NULL UNIQUE,
  sponsor_depth INTEGER NOT NULL,
  placement_parent_id INTEGER REFERENCES distributor (id),
  placement_position INTEGER,
  placement_path TEXT NOT NULL UNIQUE,
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
  updated_at TEXT NOT NULL
) STRICT;

CREATE INDEX distributor_sponsor ON distributor (sponsor_id);
CREATE UNIQUE INDEX distributor_placement_slot ON distributor (placement_parent_id, placement_position);
-- Breadth-first search for a free matrix position: open members by depth, then tree order.
CREATE INDEX distributor_placement_open ON distributor (placement_depth, placement_path) WHERE placement_open = 1;
CREATE INDEX distributor_joined ON distributor (joined_at, id);
CREATE INDEX distributor_import ON distributor (import_id) WHERE import_id IS NOT NULL;

-- Members of the sponsor downline of ancestor_id at each level (level 1 = personally sponsored).
CREATE TABLE downline_level (
  ancestor_id INTEGER NOT NULL,
  level INTEGER NOT NULL,
  members INTEGER NOT NULL,
  PRIMARY KEY (ancestor_id, level)
) STRICT, WITHOUT ROWID;

-- Members of the sponsor downline of ancestor_id by month joined (company time zone, 'YYYY-MM').
CREATE TABLE downline_joins (
  ancestor_id INTEGER NOT NULL,
  month TEXT NOT NULL,
  members INTEGER NOT NULL,
  PRIMARY KEY (ancestor_id, month)
) STRICT, WITHOUT ROWID;

-- Audit trail of genealogy changes (enrollments are the distributor rows themselves).
CREATE TABLE genealogy_event (
  id INTEGER PRIMARY KEY,
  distributor_id INTEGER NOT NULL REFERENCES distributor (id),
  kind TEXT NOT NULL CHECK (kind IN ('MOVE_SPONSOR', 'MOVE_PLACEMENT', 'STATUS', 'TERMINATE', 'PROFILE')),
  detail TEXT NOT NULL, -- JSON
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX genealogy_event_distributor ON genealogy_event (distributor_id, id);
