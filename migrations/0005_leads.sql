-- Lead intake: ad-campaign webhooks store each delivery raw, one intake row per external lead (the dedupe
-- key), then a queued job turns the intake into a lead and routes it to a distributor or the company pool.

-- Google Ads lead forms: the google_key typed into each form's webhook setup. Only its SHA-256 is kept; the
-- webhook compares hashes in constant time.
CREATE TABLE lead_google_form (
  form_id TEXT PRIMARY KEY, -- 64-bit id as decimal text
  name TEXT,
  key_sha256 TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;

-- Meta pages whose leads are fetched from the Graph API with a (long-lived) Page access token.
CREATE TABLE lead_meta_page (
  page_id TEXT PRIMARY KEY,
  name TEXT,
  access_token TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;

-- Generic senders (Zapier, Make, web forms) at /webhooks/leads/<name>.
CREATE TABLE lead_source (
  name TEXT PRIMARY KEY COLLATE NOCASE, -- URL slug
  auth TEXT NOT NULL CHECK (auth IN ('TOKEN', 'HMAC')),
  token_sha256 TEXT, -- TOKEN: SHA-256 of the bearer token
  hmac_secret TEXT, -- HMAC: the shared secret (needed to compute the signature)
  signature_header TEXT NOT NULL DEFAULT 'X-Signature',
  field_mapping TEXT NOT NULL DEFAULT '[]', -- JSON [{"from": "contact.email", "to": "EMAIL"}]
  active INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  CHECK ((auth = 'TOKEN') = (token_sha256 IS NOT NULL)),
  CHECK ((auth = 'HMAC') = (hmac_secret IS NOT NULL))
) STRICT;

-- Every accepted delivery, byte for byte (as UTF-8 text), kept whatever happens to its processing.
CREATE TABLE lead_event (
  id INTEGER PRIMARY KEY,
  source TEXT NOT NULL CHECK (source IN ('GOOGLE_ADS', 'META', 'GENERIC')),
  source_name TEXT, -- generic source name
  content_type TEXT,
  body TEXT NOT NULL,
  body_sha256 TEXT NOT NULL,
  received_at TEXT NOT NULL,
  UNIQUE (source, body_sha256)
) STRICT;

-- One row per external lead: the dedupe key of every source. The queued job moves it PENDING -> DONE (or
-- FAILED when it cannot succeed or ran out of retries; the raw event stays).
CREATE TABLE lead_intake (
  id INTEGER PRIMARY KEY,
  source TEXT NOT NULL CHECK (source IN ('GOOGLE_ADS', 'META', 'GENERIC')),
  external_id TEXT NOT NULL, -- Google lead_id, Meta leadgen_id, generic id field or body hash
  event_id INTEGER NOT NULL REFERENCES lead_event (id),
  ref TEXT NOT NULL DEFAULT '{}', -- JSON: what the job needs beyond the event (Meta page/form/ad ids)
  status TEXT NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'DONE', 'FAILED')),
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  lead_id INTEGER,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (source, external_id)
) STRICT;
CREATE INDEX lead_intake_status ON lead_intake (status, id);

-- Refused deliveries: why, never the body (it may carry a secret or be an attack).
CREATE TABLE lead_rejection (
  id INTEGER PRIMARY KEY,
  endpoint TEXT NOT NULL,
  reason TEXT NOT NULL,
  http_status INTEGER NOT NULL,
  body_bytes INTEGER,
  received_at TEXT NOT NULL
) STRICT;

-- Routing rules: a lead matching country and/or postal-code prefix goes round-robin to the ACTIVE members.
CREATE TABLE lead_routing_rule (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  priority INTEGER NOT NULL DEFAULT 100, -- lower first
  country TEXT, -- ISO 3166-1 alpha-2; null = any
  postal_prefix TEXT, -- normalised (upper case, no spaces or dashes); null = any
  active INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE lead_routing_member (
  rule_id INTEGER NOT NULL REFERENCES lead_routing_rule (id) ON DELETE CASCADE,
  distributor_id INTEGER NOT NULL REFERENCES distributor (id),
  position INTEGER NOT NULL,
  turn INTEGER NOT NULL DEFAULT 0, -- round-robin: the lowest turn gets the next lead
  PRIMARY KEY (rule_id, distributor_id)
) STRICT, WITHOUT ROWID;

-- Leads. status has no CHECK on purpose: the pipeline adds statuses beyond NEW without a table rebuild.
CREATE TABLE lead (
  id INTEGER PRIMARY KEY,
  source TEXT NOT NULL CHECK (source IN ('GOOGLE_ADS', 'META', 'GENERIC')),
  source_name TEXT,
  external_id TEXT NOT NULL,
  intake_id INTEGER REFERENCES lead_intake (id),
  status TEXT NOT NULL DEFAULT 'NEW',
  is_test INTEGER NOT NULL DEFAULT 0,
  -- Campaign ids: 64-bit integers kept as decimal text.
  form_id TEXT,
  campaign_id TEXT,
  adgroup_id TEXT,
  creative_id TEXT,
  ad_id TEXT,
  asset_group_id TEXT,
  page_id TEXT,
  gcl_id TEXT,
  full_name TEXT,
  first_name TEXT,
  last_name TEXT,
  email TEXT,
  phone TEXT,
  street_address TEXT,
  postal_code TEXT,
  city TEXT,
  region TEXT,
  country TEXT, -- as sent
  country_code TEXT, -- ISO alpha-2 when recognisable (routing uses it)
  company_name TEXT,
  job_title TEXT,
  referral_code TEXT,
  utm TEXT NOT NULL DEFAULT '{}', -- JSON {source, medium, campaign, term, content}
  answers TEXT NOT NULL DEFAULT '[]', -- JSON [{key, label, value}]: questions without a standard field
  assigned_distributor_id INTEGER REFERENCES distributor (id), -- null = company pool
  submitted_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (source, external_id)
) STRICT;
CREATE INDEX lead_assigned ON lead (assigned_distributor_id, id);

-- Every assignment, with its reason: the first by the router, later ones by staff.
CREATE TABLE lead_assignment (
  id INTEGER PRIMARY KEY,
  lead_id INTEGER NOT NULL REFERENCES lead (id),
  distributor_id INTEGER REFERENCES distributor (id), -- null = company pool
  reason TEXT NOT NULL CHECK (reason IN ('REFERRAL_CODE', 'UTM', 'RULE', 'POOL', 'MANUAL')),
  rule_id INTEGER,
  detail TEXT,
  assigned_by TEXT NOT NULL, -- 'router' or 'staff:<id>'
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX lead_assignment_lead ON lead_assignment (lead_id, id);
