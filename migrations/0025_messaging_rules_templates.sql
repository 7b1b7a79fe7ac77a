-- Issue 12, the rest of messaging: broadcasts from templates, follow-up rules that send messages as well as
-- (or instead of) their task, the shop link the marketing templates use.

-- A broadcast is a free text (body) or a template (template_key, rendered per recipient), never both.
CREATE TABLE message_broadcast_0025 (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  channel TEXT NOT NULL CHECK (channel IN ('SMS', 'EMAIL')),
  purpose TEXT NOT NULL CHECK (purpose IN ('TRANSACTIONAL', 'MARKETING')),
  subject TEXT,
  body TEXT,
  template_key TEXT, -- a purpose key (messaging/model.ts BROADCAST_TEMPLATES)
  segment TEXT NOT NULL, -- JSON {kind, country?, dormant?, minLifetimeRank?, campaignId?}
  status TEXT NOT NULL DEFAULT 'RUNNING' CHECK (status IN ('RUNNING', 'PAUSED', 'CANCELLED', 'DONE')),
  cursor INTEGER NOT NULL DEFAULT 0, -- the last recipient id handled
  queued INTEGER NOT NULL DEFAULT 0,
  suppressed INTEGER NOT NULL DEFAULT 0,
  skipped INTEGER NOT NULL DEFAULT 0, -- no usable address, or no consent for marketing
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  finished_at TEXT,
  CHECK ((body IS NULL) != (template_key IS NULL))
) STRICT;
INSERT INTO message_broadcast_0025 (id, name, channel, purpose, subject, body, template_key, segment, status, cursor,
  queued, suppressed, skipped, created_by, created_at, updated_at, finished_at)
SELECT id, name, channel, purpose, subject, body, NULL, segment, status, cursor, queued, suppressed, skipped, created_by,
  created_at, updated_at, finished_at FROM message_broadcast;
DROP TABLE message_broadcast;
ALTER TABLE message_broadcast_0025 RENAME TO message_broadcast;

-- Every follow-up rule of the CRM can send its template, per channel.
CREATE TABLE message_rule_0025 (
  rule TEXT NOT NULL CHECK (rule IN ('ORDER_FOLLOW_UP', 'REORDER_REMINDER', 'DORMANT_MEMBER')),
  channel TEXT NOT NULL CHECK (channel IN ('SMS', 'EMAIL')),
  enabled INTEGER NOT NULL DEFAULT 0,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (rule, channel)
) STRICT;
INSERT INTO message_rule_0025 (rule, channel, enabled, updated_at) SELECT rule, channel, enabled, updated_at FROM message_rule;
DROP TABLE message_rule;
ALTER TABLE message_rule_0025 RENAME TO message_rule;
INSERT INTO message_rule (rule, channel, updated_at) VALUES
  ('REORDER_REMINDER', 'SMS', '1970-01-01T00:00:00.000Z'),
  ('REORDER_REMINDER', 'EMAIL', '1970-01-01T00:00:00.000Z'),
  ('DORMANT_MEMBER', 'SMS', '1970-01-01T00:00:00.000Z'),
  ('DORMANT_MEMBER', 'EMAIL', '1970-01-01T00:00:00.000Z');

-- What a rule does when it fires: the task for the owner, its template message (by the channels enabled in
-- message_rule), or both. ORDER_FOLLOW_UP did both already; the others only made tasks.
ALTER TABLE crm_rule ADD COLUMN action TEXT NOT NULL DEFAULT 'TASK' CHECK (action IN ('TASK', 'MESSAGE', 'BOTH'));
UPDATE crm_rule SET action = 'BOTH' WHERE rule = 'ORDER_FOLLOW_UP';

-- The shop link of marketing templates ({{ shopUrl }}); '{referralCode}' in it becomes the sending
-- distributor's referral code. Null: templates that use the link are not sent.
ALTER TABLE messaging_settings ADD COLUMN shop_url TEXT;
