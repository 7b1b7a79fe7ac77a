-- Accounts that can be taken back: every session token carries its account's token_version (JWT claim
-- "ver"); raising the version (password change, sign out everywhere, a staff sign-out, a suspension)
-- makes every earlier token fail. Checked by primary key on every request, so no new index is needed.
ALTER TABLE distributor ADD COLUMN token_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE staff_user ADD COLUMN token_version INTEGER NOT NULL DEFAULT 0;

-- When an API key last authenticated a request (written at most once a minute per key).
ALTER TABLE api_key ADD COLUMN last_used_at TEXT;

-- Suspending a distributor also signs them out everywhere (1) or leaves their sessions running (0).
ALTER TABLE company_settings ADD COLUMN sign_out_on_suspension INTEGER NOT NULL DEFAULT 1
  CHECK (sign_out_on_suspension IN (0, 1));
