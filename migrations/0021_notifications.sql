-- Issue 12 §6 (password reset by e-mail) and §7 (in-app notifications).

-- Password reset tokens: only the SHA-256 of the token is kept. One hour of validity; a token is used once
-- (used_at), and using it raises the account's token version, which ends every earlier session.
CREATE TABLE password_reset_token (
  id INTEGER PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE, -- hex SHA-256 of the token in the link
  account_kind TEXT NOT NULL CHECK (account_kind IN ('staff', 'distributor')),
  account_id INTEGER NOT NULL,
  locale TEXT NOT NULL CHECK (locale IN ('da', 'pl', 'de', 'en')),
  outbox_id INTEGER REFERENCES message_outbox (id),
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  used_at TEXT
) STRICT;
CREATE INDEX password_reset_token_account ON password_reset_token (account_kind, account_id, id);

-- In-app notifications of a distributor, written by the module that knows the event, in the event's batch.
CREATE TABLE notification (
  id INTEGER PRIMARY KEY,
  distributor_id INTEGER NOT NULL REFERENCES distributor (id),
  kind TEXT NOT NULL CHECK (kind IN ('LEAD_ASSIGNED', 'ORDER_PAID', 'RANK_ADVANCED', 'CUSTOMER_DORMANT', 'STATEMENT_READY', 'REPLY_RECEIVED',
    'OFFER_VIEWED', 'OFFER_ACCEPTED', 'OFFER_DECLINED', 'OFFER_SIGNED')),
  subject_type TEXT, -- 'LEAD', 'ORDER', 'CUSTOMER', 'DISTRIBUTOR', 'PERIOD', 'MESSAGE', 'OFFER'
  subject_id TEXT, -- the subject's id (a period id is text)
  payload TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(payload)),
  dedupe_key TEXT UNIQUE, -- an event seen twice (a redelivered step) notifies once
  created_at TEXT NOT NULL,
  read_at TEXT
) STRICT;
CREATE INDEX notification_owner ON notification (distributor_id, id);
CREATE INDEX notification_unread ON notification (distributor_id) WHERE read_at IS NULL;

-- Password reset e-mails go to staff members too: the outbox gets the recipient type STAFF. SQLite cannot
-- change a CHECK, so message_outbox is rebuilt as 0009 rebuilt distributor (copy aside, drop, create under
-- the same name, copy back: references to it are deferred violations resolved before the commit).
PRAGMA defer_foreign_keys = ON;

CREATE TABLE message_outbox_0021_copy AS SELECT * FROM message_outbox;
DROP TABLE message_outbox;

CREATE TABLE message_outbox (
  id INTEGER PRIMARY KEY,
  recipient_type TEXT NOT NULL CHECK (recipient_type IN ('CUSTOMER', 'LEAD', 'PROSPECT', 'DISTRIBUTOR', 'STAFF')),
  recipient_id INTEGER NOT NULL,
  address TEXT NOT NULL, -- the E.164 number or e-mail address used
  channel TEXT NOT NULL CHECK (channel IN ('SMS', 'EMAIL')),
  purpose TEXT NOT NULL CHECK (purpose IN ('TRANSACTIONAL', 'MARKETING')),
  template_key TEXT, -- null: free text
  locale TEXT NOT NULL CHECK (locale IN ('da', 'pl', 'de', 'en')),
  subject TEXT,
  body TEXT NOT NULL,
  html TEXT,
  sms_encoding TEXT CHECK (sms_encoding IN ('GSM7', 'UCS2')),
  sms_segments INTEGER,
  sender_kind TEXT NOT NULL CHECK (sender_kind IN ('DISTRIBUTOR', 'STAFF', 'RULE', 'SYSTEM')),
  sender TEXT NOT NULL, -- 'distributor:5', 'staff:1', 'rule:ORDER_FOLLOW_UP', 'system:password-reset'
  -- The distributor whose thread the message belongs to (the recipient's owner); null: company messages.
  owner_distributor_id INTEGER REFERENCES distributor (id),
  status TEXT NOT NULL DEFAULT 'QUEUED' CHECK (status IN ('QUEUED', 'SENDING', 'SENT', 'DELIVERED', 'FAILED', 'BOUNCED', 'UNDELIVERABLE', 'SUPPRESSED')),
  provider TEXT CHECK (provider IN ('TWILIO', 'GATEWAYAPI', 'RESEND', 'CLOUDFLARE')),
  provider_message_id TEXT,
  provider_status TEXT, -- the provider's last raw status word
  idempotency_key TEXT NOT NULL UNIQUE, -- sent as the provider's idempotency key where it has one
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  not_before TEXT, -- not sent before this instant (Retry-After, backoff, quiet hours)
  claimed_at TEXT, -- when the current SENDING claim was taken
  sent_at TEXT,
  delivered_at TEXT,
  final_at TEXT, -- when a final status was reached
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
INSERT INTO message_outbox SELECT * FROM message_outbox_0021_copy;
DROP TABLE message_outbox_0021_copy;
CREATE INDEX message_outbox_recipient ON message_outbox (recipient_type, recipient_id, id);
CREATE INDEX message_outbox_owner ON message_outbox (owner_distributor_id, id);
CREATE INDEX message_outbox_status ON message_outbox (status, not_before);
CREATE UNIQUE INDEX message_outbox_provider_id ON message_outbox (provider, provider_message_id)
  WHERE provider_message_id IS NOT NULL;
