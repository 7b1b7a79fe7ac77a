-- One job mechanism (issue 11): every queued job records its state, heartbeat, attempts and last error here,
-- so that a job killed at any moment is re-driven by the watchdog or ends FAILED where staff see it.
-- Lead intake keeps its own per-lead record (lead_intake), which is this for leads at 1,000 a second.
CREATE TABLE job (
  id TEXT PRIMARY KEY,            -- the job's key: 'period-close:2026-11:1', 'orderImport:12', 'whatif:5', ...
  kind TEXT NOT NULL,             -- which module runs it: 'period.close', 'genealogyImport', 'orderImport', 'whatif', 'autoship'
  subject TEXT NOT NULL,          -- what it works on, for staff ('2026-11', 'import 12', 'autoship 7 due 2026-12-01')
  status TEXT NOT NULL CHECK (status IN ('QUEUED', 'RUNNING', 'RETRYING', 'DONE', 'FAILED', 'CANCELLED')),
  step TEXT NOT NULL,             -- the kind of the current step's queue message ('period.compute')
  message TEXT NOT NULL,          -- the current step's queue message (JSON, with its jobId): what a re-drive sends
  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0), -- deliveries of the current step
  max_attempts INTEGER NOT NULL CHECK (max_attempts > 0),
  redrives INTEGER NOT NULL DEFAULT 0 CHECK (redrives >= 0), -- watchdog re-sends since the step last moved on
  claim TEXT,                     -- id of the queue delivery running the step (guards DONE against a later step)
  last_error TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  heartbeat_at TEXT,              -- when a consumer last claimed or reported progress
  next_attempt_at TEXT,           -- RETRYING: when the queue redelivers
  finished_at TEXT
) STRICT;
-- The watchdog reads only unfinished jobs.
CREATE INDEX job_unfinished ON job (updated_at) WHERE status IN ('QUEUED', 'RUNNING', 'RETRYING');
CREATE INDEX job_list ON job (created_at, id);
CREATE INDEX job_status ON job (status, created_at, id);
