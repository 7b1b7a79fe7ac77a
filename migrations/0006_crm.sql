-- CRM: prospects, contact history (activities), tasks, automatic follow-up rules, dormant members, feedback
-- (NPS), and one full-text index over every person a user may look up.

-- A distributor's own contact list. Private: only the owner (and staff) ever read it.
CREATE TABLE prospect (
  id INTEGER PRIMARY KEY,
  owner_id INTEGER NOT NULL REFERENCES distributor (id),
  first_name TEXT NOT NULL,
  last_name TEXT NOT NULL DEFAULT '',
  email TEXT,
  phone TEXT,
  notes TEXT,
  status TEXT NOT NULL DEFAULT 'NEW'
    CHECK (status IN ('NEW', 'CONTACTED', 'INTERESTED', 'NOT_INTERESTED', 'CONVERTED')),
  next_step TEXT,
  next_step_date TEXT, -- 'YYYY-MM-DD'
  source TEXT NOT NULL DEFAULT 'MANUAL' CHECK (source IN ('MANUAL', 'CSV', 'VCARD')),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX prospect_owner ON prospect (owner_id, id);

-- Contact history on a person: subject = (type, id), so that any kind of person (leads included) plugs in.
CREATE TABLE activity (
  id INTEGER PRIMARY KEY,
  subject_type TEXT NOT NULL CHECK (subject_type IN ('CUSTOMER', 'PROSPECT', 'DISTRIBUTOR', 'LEAD')),
  subject_id INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('CALL', 'EMAIL', 'SMS', 'MEETING', 'NOTE')),
  body TEXT NOT NULL,
  occurred_at TEXT NOT NULL,
  author_distributor_id INTEGER REFERENCES distributor (id), -- null: staff or an integration
  author TEXT NOT NULL, -- 'distributor:5', 'staff:1'
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX activity_subject ON activity (subject_type, subject_id, occurred_at, id);
CREATE INDEX activity_author ON activity (author_distributor_id, occurred_at, id);

-- Follow-ups. Automatic ones carry a dedupe key, so a rule that runs twice creates nothing twice.
CREATE TABLE task (
  id INTEGER PRIMARY KEY,
  owner_id INTEGER NOT NULL REFERENCES distributor (id),
  kind TEXT NOT NULL CHECK (kind IN ('GENERAL', 'CALL', 'FOLLOW_UP', 'REORDER', 'DORMANT')),
  title TEXT NOT NULL,
  notes TEXT,
  subject_type TEXT CHECK (subject_type IN ('CUSTOMER', 'PROSPECT', 'DISTRIBUTOR', 'LEAD')),
  subject_id INTEGER,
  due_date TEXT NOT NULL, -- 'YYYY-MM-DD', a day in the company time zone
  done_at TEXT,
  dedupe_key TEXT UNIQUE,
  created_by TEXT NOT NULL, -- 'distributor:5', 'staff:1', 'rule:ORDER_FOLLOW_UP'
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  CHECK ((subject_type IS NULL) = (subject_id IS NULL))
) STRICT;
CREATE INDEX task_open ON task (owner_id, due_date, id) WHERE done_at IS NULL;
CREATE INDEX task_owner ON task (owner_id, id);
CREATE INDEX task_subject ON task (subject_type, subject_id) WHERE subject_type IS NOT NULL;

-- Company-level settings of the automatic follow-up rules. n: days for ORDER_FOLLOW_UP (after the paid order)
-- and REORDER_REMINDER (before the expected reorder date), consecutive periods for DORMANT_MEMBER.
CREATE TABLE crm_rule (
  rule TEXT PRIMARY KEY CHECK (rule IN ('ORDER_FOLLOW_UP', 'REORDER_REMINDER', 'DORMANT_MEMBER')),
  enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  n INTEGER NOT NULL CHECK (n BETWEEN 1 AND 365),
  updated_at TEXT NOT NULL
) STRICT;
INSERT INTO crm_rule (rule, enabled, n, updated_at) VALUES
  ('ORDER_FOLLOW_UP', 1, 7, '2026-01-01T00:00:00.000Z'),
  ('REORDER_REMINDER', 1, 5, '2026-01-01T00:00:00.000Z'),
  ('DORMANT_MEMBER', 1, 3, '2026-01-01T00:00:00.000Z');

-- Members with no volume for the rule's N consecutive periods, as the nightly run last found them.
-- responsible_id: the sponsor of a distributor, the owner of a customer.
CREATE TABLE dormant_member (
  member_type TEXT NOT NULL CHECK (member_type IN ('DISTRIBUTOR', 'CUSTOMER')),
  member_id INTEGER NOT NULL,
  responsible_id INTEGER, -- null: the root distributor has no sponsor
  last_active_period TEXT, -- last period with volume (null: never)
  periods INTEGER NOT NULL, -- consecutive complete periods without volume, as of detected_for
  detected_for TEXT NOT NULL, -- the last complete period checked
  detected_at TEXT NOT NULL, -- first found dormant (this spell)
  checked_at TEXT NOT NULL, -- the run that last confirmed it
  PRIMARY KEY (member_type, member_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX dormant_responsible ON dormant_member (responsible_id, member_type, member_id);

-- The order follow-up rule looks up customer orders by the time they were paid.
CREATE INDEX sales_order_customer_paid ON sales_order (paid_at) WHERE kind = 'CUSTOMER' AND paid_at IS NOT NULL;

-- NPS feedback (0-10) from a customer, about an order or in general.
CREATE TABLE feedback (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customer (id),
  order_id INTEGER REFERENCES sales_order (id),
  distributor_id INTEGER NOT NULL REFERENCES distributor (id), -- the customer's owner when recorded
  score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 10),
  comment TEXT,
  recorded_by TEXT NOT NULL, -- 'distributor:5', 'staff:1', 'apikey:3'
  created_at TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX feedback_order ON feedback (order_id) WHERE order_id IS NOT NULL;
CREATE INDEX feedback_distributor ON feedback (distributor_id, created_at);
CREATE INDEX feedback_customer ON feedback (customer_id, id);

-- People search: one row per person (rowid = id * 4 + 0 distributor, 1 customer, 2 prospect, 3 lead).
-- name/contact are folded for matching (ł, ø, æ, ß... which unicode61 keeps; it removes the other
-- diacritics itself); contact holds the e-mail and the phone's digits with their 6..10-digit suffixes (a
-- number is found without its country code). Scope tokens make "people I may see" a full-text AND:
-- scope = k<kind> (kd, kc, kp, kl), then s<id> for each sponsor ancestor and self (distributors) or o<owner>
-- (customers, prospects, leads);
-- pscope = p<id> for each placement ancestor and self, in root..self order (a placement move rewrites the
-- prefix). Triggers keep it current on every write; imported distributors (import_id set) are indexed in bulk
-- by src/modules/crm/search/index.ts.
CREATE VIRTUAL TABLE person_fts USING fts5(
  name, contact, scope, pscope,
  kind UNINDEXED, ref_id UNINDEXED, display UNINDEXED, email UNINDEXED, phone UNINDEXED,
  tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'
);

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

CREATE TRIGGER customer_search_insert AFTER INSERT ON customer BEGIN
  INSERT OR REPLACE INTO person_fts (rowid, name, contact, scope, pscope, kind, ref_id, display, email, phone)
  VALUES (NEW.id * 4 + 1, replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(NEW.first_name || ' ' || NEW.last_name, 'ł', 'l'), 'Ł', 'L'), 'ø', 'o'), 'Ø', 'O'), 'æ', 'ae'), 'Æ', 'AE'), 'ß', 'ss'), 'đ', 'd'), 'Đ', 'D'), 'ı', 'i'), 'œ', 'oe'), 'Œ', 'OE'), coalesce(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(NEW.email, 'ł', 'l'), 'Ł', 'L'), 'ø', 'o'), 'Ø', 'O'), 'æ', 'ae'), 'Æ', 'AE'), 'ß', 'ss'), 'đ', 'd'), 'Đ', 'D'), 'ı', 'i'), 'œ', 'oe'), 'Œ', 'OE'), '') || ' ' || coalesce(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', '') || ' ' || substr(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', ''), -6) || ' ' || substr(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', ''), -7) || ' ' || substr(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', ''), -8) || ' ' || substr(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', ''), -9) || ' ' || substr(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', ''), -10), ''), 'kc ' || coalesce('o' || NEW.owner_id, ''), '',
    'CUSTOMER', NEW.id, NEW.first_name || ' ' || NEW.last_name, NEW.email, NEW.phone);
END;

CREATE TRIGGER customer_search_update AFTER UPDATE OF first_name, last_name, email, phone, owner_id ON customer BEGIN
  INSERT OR REPLACE INTO person_fts (rowid, name, contact, scope, pscope, kind, ref_id, display, email, phone)
  VALUES (NEW.id * 4 + 1, replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(NEW.first_name || ' ' || NEW.last_name, 'ł', 'l'), 'Ł', 'L'), 'ø', 'o'), 'Ø', 'O'), 'æ', 'ae'), 'Æ', 'AE'), 'ß', 'ss'), 'đ', 'd'), 'Đ', 'D'), 'ı', 'i'), 'œ', 'oe'), 'Œ', 'OE'), coalesce(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(NEW.email, 'ł', 'l'), 'Ł', 'L'), 'ø', 'o'), 'Ø', 'O'), 'æ', 'ae'), 'Æ', 'AE'), 'ß', 'ss'), 'đ', 'd'), 'Đ', 'D'), 'ı', 'i'), 'œ', 'oe'), 'Œ', 'OE'), '') || ' ' || coalesce(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', '') || ' ' || substr(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', ''), -6) || ' ' || substr(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', ''), -7) || ' ' || substr(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', ''), -8) || ' ' || substr(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', ''), -9) || ' ' || substr(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', ''), -10), ''), 'kc ' || coalesce('o' || NEW.owner_id, ''), '',
    'CUSTOMER', NEW.id, NEW.first_name || ' ' || NEW.last_name, NEW.email, NEW.phone);
END;

CREATE TRIGGER customer_search_delete AFTER DELETE ON customer BEGIN
  DELETE FROM person_fts WHERE rowid = OLD.id * 4 + 1;
END;

CREATE TRIGGER prospect_search_insert AFTER INSERT ON prospect BEGIN
  INSERT OR REPLACE INTO person_fts (rowid, name, contact, scope, pscope, kind, ref_id, display, email, phone)
  VALUES (NEW.id * 4 + 2, replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(trim(NEW.first_name || ' ' || NEW.last_name), 'ł', 'l'), 'Ł', 'L'), 'ø', 'o'), 'Ø', 'O'), 'æ', 'ae'), 'Æ', 'AE'), 'ß', 'ss'), 'đ', 'd'), 'Đ', 'D'), 'ı', 'i'), 'œ', 'oe'), 'Œ', 'OE'), coalesce(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(NEW.email, 'ł', 'l'), 'Ł', 'L'), 'ø', 'o'), 'Ø', 'O'), 'æ', 'ae'), 'Æ', 'AE'), 'ß', 'ss'), 'đ', 'd'), 'Đ', 'D'), 'ı', 'i'), 'œ', 'oe'), 'Œ', 'OE'), '') || ' ' || coalesce(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', '') || ' ' || substr(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', ''), -6) || ' ' || substr(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', ''), -7) || ' ' || substr(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', ''), -8) || ' ' || substr(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', ''), -9) || ' ' || substr(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', ''), -10), ''), 'kp ' || coalesce('o' || NEW.owner_id, ''), '',
    'PROSPECT', NEW.id, trim(NEW.first_name || ' ' || NEW.last_name), NEW.email, NEW.phone);
END;

CREATE TRIGGER prospect_search_update AFTER UPDATE OF first_name, last_name, email, phone, owner_id ON prospect BEGIN
  INSERT OR REPLACE INTO person_fts (rowid, name, contact, scope, pscope, kind, ref_id, display, email, phone)
  VALUES (NEW.id * 4 + 2, replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(trim(NEW.first_name || ' ' || NEW.last_name), 'ł', 'l'), 'Ł', 'L'), 'ø', 'o'), 'Ø', 'O'), 'æ', 'ae'), 'Æ', 'AE'), 'ß', 'ss'), 'đ', 'd'), 'Đ', 'D'), 'ı', 'i'), 'œ', 'oe'), 'Œ', 'OE'), coalesce(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(NEW.email, 'ł', 'l'), 'Ł', 'L'), 'ø', 'o'), 'Ø', 'O'), 'æ', 'ae'), 'Æ', 'AE'), 'ß', 'ss'), 'đ', 'd'), 'Đ', 'D'), 'ı', 'i'), 'œ', 'oe'), 'Œ', 'OE'), '') || ' ' || coalesce(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', '') || ' ' || substr(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', ''), -6) || ' ' || substr(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', ''), -7) || ' ' || substr(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', ''), -8) || ' ' || substr(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', ''), -9) || ' ' || substr(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', ''), -10), ''), 'kp ' || coalesce('o' || NEW.owner_id, ''), '',
    'PROSPECT', NEW.id, trim(NEW.first_name || ' ' || NEW.last_name), NEW.email, NEW.phone);
END;

CREATE TRIGGER prospect_search_delete AFTER DELETE ON prospect BEGIN
  DELETE FROM person_fts WHERE rowid = OLD.id * 4 + 2;
END;

CREATE TRIGGER lead_search_insert AFTER INSERT ON lead BEGIN
  INSERT OR REPLACE INTO person_fts (rowid, name, contact, scope, pscope, kind, ref_id, display, email, phone)
  VALUES (NEW.id * 4 + 3, replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(coalesce(NEW.full_name, trim(coalesce(NEW.first_name, '') || ' ' || coalesce(NEW.last_name, ''))), 'ł', 'l'), 'Ł', 'L'), 'ø', 'o'), 'Ø', 'O'), 'æ', 'ae'), 'Æ', 'AE'), 'ß', 'ss'), 'đ', 'd'), 'Đ', 'D'), 'ı', 'i'), 'œ', 'oe'), 'Œ', 'OE'), coalesce(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(NEW.email, 'ł', 'l'), 'Ł', 'L'), 'ø', 'o'), 'Ø', 'O'), 'æ', 'ae'), 'Æ', 'AE'), 'ß', 'ss'), 'đ', 'd'), 'Đ', 'D'), 'ı', 'i'), 'œ', 'oe'), 'Œ', 'OE'), '') || ' ' || coalesce(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', '') || ' ' || substr(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', ''), -6) || ' ' || substr(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', ''), -7) || ' ' || substr(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', ''), -8) || ' ' || substr(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', ''), -9) || ' ' || substr(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', ''), -10), ''), 'kl ' || coalesce('o' || NEW.assigned_distributor_id, ''), '',
    'LEAD', NEW.id, coalesce(NEW.full_name, trim(coalesce(NEW.first_name, '') || ' ' || coalesce(NEW.last_name, ''))), NEW.email, NEW.phone);
END;

CREATE TRIGGER lead_search_update AFTER UPDATE OF full_name, first_name, last_name, email, phone, assigned_distributor_id ON lead BEGIN
  INSERT OR REPLACE INTO person_fts (rowid, name, contact, scope, pscope, kind, ref_id, display, email, phone)
  VALUES (NEW.id * 4 + 3, replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(coalesce(NEW.full_name, trim(coalesce(NEW.first_name, '') || ' ' || coalesce(NEW.last_name, ''))), 'ł', 'l'), 'Ł', 'L'), 'ø', 'o'), 'Ø', 'O'), 'æ', 'ae'), 'Æ', 'AE'), 'ß', 'ss'), 'đ', 'd'), 'Đ', 'D'), 'ı', 'i'), 'œ', 'oe'), 'Œ', 'OE'), coalesce(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(NEW.email, 'ł', 'l'), 'Ł', 'L'), 'ø', 'o'), 'Ø', 'O'), 'æ', 'ae'), 'Æ', 'AE'), 'ß', 'ss'), 'đ', 'd'), 'Đ', 'D'), 'ı', 'i'), 'œ', 'oe'), 'Œ', 'OE'), '') || ' ' || coalesce(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', '') || ' ' || substr(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', ''), -6) || ' ' || substr(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', ''), -7) || ' ' || substr(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', ''), -8) || ' ' || substr(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', ''), -9) || ' ' || substr(replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '+', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', ''), -10), ''), 'kl ' || coalesce('o' || NEW.assigned_distributor_id, ''), '',
    'LEAD', NEW.id, coalesce(NEW.full_name, trim(coalesce(NEW.first_name, '') || ' ' || coalesce(NEW.last_name, ''))), NEW.email, NEW.phone);
END;

CREATE TRIGGER lead_search_delete AFTER DELETE ON lead BEGIN
  DELETE FROM person_fts WHERE rowid = OLD.id * 4 + 3;
END;

