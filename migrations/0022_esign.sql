-- Electronic signature (issue 13 §4): the provider per document type, one signature request per signed
-- document, and every provider event received (the audit trail).

-- The company's choice of provider per document type (one row). NONE: no signature is asked for.
CREATE TABLE esign_settings (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  offer_provider TEXT NOT NULL DEFAULT 'NONE' CHECK (offer_provider IN ('NONE', 'AUTENTI', 'DOCUMENSO')),
  agreement_provider TEXT NOT NULL DEFAULT 'NONE' CHECK (agreement_provider IN ('NONE', 'AUTENTI', 'DOCUMENSO')),
  updated_at TEXT
) STRICT;
INSERT INTO esign_settings (id) VALUES (1);

-- One signature of one document. status_rank only grows (0 PENDING, 1 SENT, 2 OPENED, 3 SIGNED, 9 COMPLETED,
-- REJECTED, CANCELLED or FAILED): a repeated or late callback can never move a request backwards.
CREATE TABLE signature_request (
  id INTEGER PRIMARY KEY,
  document_type TEXT NOT NULL CHECK (document_type IN ('OFFER', 'AGREEMENT')),
  subject_id INTEGER NOT NULL,
  provider TEXT NOT NULL CHECK (provider IN ('AUTENTI', 'DOCUMENSO')),
  status TEXT NOT NULL DEFAULT 'PENDING'
    CHECK (status IN ('PENDING', 'SENT', 'OPENED', 'SIGNED', 'COMPLETED', 'REJECTED', 'CANCELLED', 'FAILED')),
  status_rank INTEGER NOT NULL DEFAULT 0,
  external_id TEXT,
  signer_email TEXT NOT NULL,
  signer_first_name TEXT NOT NULL,
  signer_last_name TEXT NOT NULL,
  language TEXT NOT NULL,
  title TEXT NOT NULL,
  signing_url TEXT,
  source_key TEXT REFERENCES stored_file (key),
  signed_key TEXT REFERENCES stored_file (key),
  -- The audit trail kept beside the signed PDF (JSON: the request, the signed file's hash, every event).
  audit_key TEXT REFERENCES stored_file (key),
  failure_reason TEXT,
  completed_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (document_type, subject_id)
) STRICT;
CREATE UNIQUE INDEX signature_request_external ON signature_request (provider, external_id);

-- Every provider event taken in (a delivery id is taken once): the request's audit trail.
CREATE TABLE signature_event (
  id INTEGER PRIMARY KEY,
  request_id INTEGER NOT NULL REFERENCES signature_request (id),
  provider TEXT NOT NULL,
  delivery_id TEXT NOT NULL,
  event TEXT NOT NULL,
  detail TEXT,
  received_at TEXT NOT NULL,
  UNIQUE (provider, delivery_id)
) STRICT;
CREATE INDEX signature_event_request ON signature_event (request_id);

-- Distributor agreements (issue 13 §5): the text per language, a Liquid template filled with the member's data
-- ({{ firstName }}, {{ lastName }}, {{ email }}, {{ country }}, {{ memberId }}, {{ joinedAt }}, {{ company }}).
-- Blank lines separate paragraphs. A language without its own template uses the English one.
CREATE TABLE agreement_template (
  locale TEXT PRIMARY KEY CHECK (locale IN ('da', 'pl', 'de', 'en')),
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
INSERT INTO agreement_template (locale, title, body, updated_at) VALUES ('en', 'Independent distributor agreement',
  'This agreement is made between {{ company }} and {{ firstName }} {{ lastName }} ({{ email }}, {{ country }}), member number {{ memberId }}, enrolled on {{ joinedAt }}.

The distributor sells the company''s products as an independent business and follows the company''s policies and procedures.',
  '2026-12-07T00:00:00.000Z');

-- A close holds (carries) the payout of a member whose agreement is not signed, when the company says so; the
-- member's result records why.
ALTER TABLE company_settings ADD COLUMN payout_hold_unsigned_agreement INTEGER NOT NULL DEFAULT 0
  CHECK (payout_hold_unsigned_agreement IN (0, 1));
ALTER TABLE period_result ADD COLUMN hold_reason TEXT;
