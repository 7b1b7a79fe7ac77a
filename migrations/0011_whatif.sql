-- What-if runs: a period computed under another plan version, compared per distributor, never in the ledger.
CREATE TABLE whatif_run (
  id INTEGER PRIMARY KEY,
  period_id TEXT NOT NULL,
  plan_version_id INTEGER NOT NULL REFERENCES plan_version (id),
  status TEXT NOT NULL CHECK (status IN ('QUEUED', 'DONE', 'FAILED')),
  summary TEXT, -- JSON
  error TEXT,
  created_at TEXT NOT NULL,
  finished_at TEXT
) STRICT;

CREATE TABLE whatif_result (
  run_id INTEGER NOT NULL REFERENCES whatif_run (id),
  distributor_id INTEGER NOT NULL,
  base_rank TEXT,
  new_rank TEXT,
  base_total INTEGER NOT NULL,
  new_total INTEGER NOT NULL,
  delta INTEGER NOT NULL,
  PRIMARY KEY (run_id, distributor_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX whatif_result_delta ON whatif_result (run_id, delta, distributor_id);
