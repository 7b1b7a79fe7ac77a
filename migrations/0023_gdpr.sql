-- GDPR (issue 15 §3): personal-data exports, erasures (recorded without the erased data), erasure requests
-- filed by distributors, the company's retention policies, and a fuller consent history.

-- An export of everything held about one person: built by a queued job into one archive in R2
-- (FILES, gdpr-exports/), downloadable by the requester or staff until it expires.
CREATE TABLE gdpr_export (
  id INTEGER PRIMARY KEY,
  subject_type TEXT NOT NULL CHECK (subject_type IN ('CUSTOMER', 'LEAD', 'PROSPECT', 'DISTRIBUTOR')),
  subject_id INTEGER NOT NULL,
  status TEXT NOT NULL DEFAULT 'QUEUED' CHECK (status IN ('QUEUED', 'READY', 'FAILED', 'EXPIRED')),
  requested_by TEXT NOT NULL, -- 'staff:1', 'distributor:5'
  file_key TEXT, -- gdpr-exports/<id>-<random>.zip once READY
  size INTEGER, -- bytes of the archive
  row_count INTEGER, -- rows in the archive, all tables
  error TEXT,
  created_at TEXT NOT NULL,
  ready_at TEXT,
  expires_at TEXT -- the archive is deleted after this instant (nightly)
) STRICT;
CREATE INDEX gdpr_export_subject ON gdpr_export (subject_type, subject_id, id);
CREATE INDEX gdpr_export_expiry ON gdpr_export (status, expires_at);

-- One row per erased person: who erased them, when and why, and which documents were kept for a legal
-- reason (their keys and the reason, never the erased data itself).
CREATE TABLE gdpr_erasure (
  id INTEGER PRIMARY KEY,
  subject_type TEXT NOT NULL CHECK (subject_type IN ('CUSTOMER', 'LEAD', 'PROSPECT', 'DISTRIBUTOR')),
  subject_id INTEGER NOT NULL,
  pseudonym TEXT NOT NULL, -- 'Member 12345'
  reason TEXT NOT NULL,
  erased_by TEXT NOT NULL,
  erased_at TEXT NOT NULL,
  kept TEXT NOT NULL DEFAULT '[]', -- JSON [{kind, key, reason}]: documents kept with access limited
  files_deleted INTEGER NOT NULL DEFAULT 0, -- 1 once the person's deletable R2 objects are gone
  UNIQUE (subject_type, subject_id)
) STRICT;

-- A distributor asks for their own erasure; staff carry it out (or refuse it, saying why).
CREATE TABLE gdpr_erasure_request (
  id INTEGER PRIMARY KEY,
  distributor_id INTEGER NOT NULL REFERENCES distributor (id),
  reason TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'DONE', 'REFUSED')),
  created_at TEXT NOT NULL,
  settled_by TEXT,
  settled_at TEXT,
  settle_note TEXT
) STRICT;
CREATE INDEX gdpr_erasure_request_status ON gdpr_erasure_request (status, id);

-- Retention per kind of record, in days (null = keep). The nightly cron deletes what is older, in chunks.
CREATE TABLE retention_policy (
  kind TEXT PRIMARY KEY CHECK (kind IN ('LEAD_EVENTS', 'MESSAGES', 'LOST_LEADS', 'INACTIVE_PROSPECTS')),
  days INTEGER CHECK (days IS NULL OR days BETWEEN 1 AND 36500),
  cursor INTEGER NOT NULL DEFAULT 0, -- the last row id the nightly run has handled (kinds walked by id)
  updated_by TEXT,
  updated_at TEXT NOT NULL
) STRICT;
INSERT INTO retention_policy (kind, days, updated_at) VALUES
  ('LEAD_EVENTS', NULL, '1970-01-01T00:00:00.000Z'),
  ('MESSAGES', NULL, '1970-01-01T00:00:00.000Z'),
  ('LOST_LEADS', NULL, '1970-01-01T00:00:00.000Z'),
  ('INACTIVE_PROSPECTS', NULL, '1970-01-01T00:00:00.000Z');

-- The consent history (message_consent, append-only) gains the purpose and the text the person was shown.
ALTER TABLE message_consent ADD COLUMN purpose TEXT NOT NULL DEFAULT 'MARKETING'
  CHECK (purpose IN ('MARKETING', 'TRANSACTIONAL'));
ALTER TABLE message_consent ADD COLUMN text_shown TEXT;

-- A customer's consent columns changing (form, staff edit) is a grant or withdrawal in the history, written
-- by the same statement: no code path can change them without a history row.
CREATE TRIGGER customer_consent_insert AFTER INSERT ON customer
WHEN NEW.consent_email_at IS NOT NULL OR NEW.consent_sms_at IS NOT NULL BEGIN
  INSERT INTO message_consent (subject_type, subject_id, channel, action, source, recorded_by, recorded_at, purpose)
  SELECT 'CUSTOMER', NEW.id, channel, 'GRANTED', coalesce(NEW.consent_source, 'customer record'), 'customer record',
    NEW.updated_at, 'MARKETING'
  FROM (SELECT 'EMAIL' AS channel WHERE NEW.consent_email_at IS NOT NULL
        UNION ALL SELECT 'SMS' WHERE NEW.consent_sms_at IS NOT NULL);
END;
CREATE TRIGGER customer_consent_update AFTER UPDATE OF consent_email_at, consent_sms_at ON customer
WHEN (OLD.consent_email_at IS NULL) <> (NEW.consent_email_at IS NULL)
  OR (OLD.consent_sms_at IS NULL) <> (NEW.consent_sms_at IS NULL) BEGIN
  INSERT INTO message_consent (subject_type, subject_id, channel, action, source, recorded_by, recorded_at, purpose)
  SELECT 'CUSTOMER', NEW.id, channel, action, coalesce(NEW.consent_source, 'customer record'), 'customer record',
    NEW.updated_at, 'MARKETING'
  FROM (SELECT 'EMAIL' AS channel, CASE WHEN NEW.consent_email_at IS NULL THEN 'WITHDRAWN' ELSE 'GRANTED' END AS action
        WHERE (OLD.consent_email_at IS NULL) <> (NEW.consent_email_at IS NULL)
        UNION ALL
        SELECT 'SMS', CASE WHEN NEW.consent_sms_at IS NULL THEN 'WITHDRAWN' ELSE 'GRANTED' END
        WHERE (OLD.consent_sms_at IS NULL) <> (NEW.consent_sms_at IS NULL));
END;

-- What an erasure and an export look up by person, without scanning the tables.
CREATE INDEX lead_intake_lead ON lead_intake (lead_id) WHERE lead_id IS NOT NULL;
CREATE INDEX lead_converted_customer ON lead (converted_customer_id) WHERE converted_customer_id IS NOT NULL;
CREATE INDEX lead_converted_distributor ON lead (converted_distributor_id) WHERE converted_distributor_id IS NOT NULL;
CREATE INDEX notification_subject ON notification (subject_type, subject_id);
