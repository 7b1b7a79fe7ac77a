-- Issue 9 §7.
-- A forced paid-as rank may be "no rank": rank_id NULL (a row at all means forced).
CREATE TABLE rank_override_new (
  period_id TEXT NOT NULL,
  distributor_id INTEGER NOT NULL REFERENCES distributor (id),
  rank_id TEXT,
  reason TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (period_id, distributor_id)
) STRICT, WITHOUT ROWID;
INSERT INTO rank_override_new SELECT period_id, distributor_id, rank_id, reason, created_at FROM rank_override;
DROP TABLE rank_override;
ALTER TABLE rank_override_new RENAME TO rank_override;

-- Statuses whose commission balance is held instead of paid out (JSON array of ACTIVE/SUSPENDED/TERMINATED).
-- SPEC §3.1 minPayout has no status condition, so none by default.
ALTER TABLE company_settings ADD COLUMN payout_held_statuses TEXT NOT NULL DEFAULT '[]'
  CHECK (json_valid(payout_held_statuses) AND json_type(payout_held_statuses) = 'array');
