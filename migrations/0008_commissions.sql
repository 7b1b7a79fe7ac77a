-- Commissions: plan versions, the period lifecycle with its frozen snapshot, results, the ledger, payouts.

CREATE TABLE plan_version (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  plan TEXT NOT NULL, -- JSON, validated by the plan schema
  status TEXT NOT NULL CHECK (status IN ('DRAFT', 'SCHEDULED')),
  -- The first period (YYYY-MM) it is in force for; the plan in force for P is the scheduled version with the
  -- latest effective_from <= P.
  effective_from TEXT,
  used INTEGER NOT NULL DEFAULT 0, -- 1 once a period was closed under it: then it never changes
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX plan_version_effective ON plan_version (effective_from) WHERE status = 'SCHEDULED';

-- commission_period (0003) gains its lifecycle columns.
ALTER TABLE commission_period ADD COLUMN plan_version_id INTEGER REFERENCES plan_version (id);
ALTER TABLE commission_period ADD COLUMN starts_at TEXT;
ALTER TABLE commission_period ADD COLUMN ends_at TEXT;
ALTER TABLE commission_period ADD COLUMN run INTEGER NOT NULL DEFAULT 0; -- computation run; recompute = run + 1
ALTER TABLE commission_period ADD COLUMN step TEXT; -- progress: step name, units done, units in all
ALTER TABLE commission_period ADD COLUMN step_done INTEGER NOT NULL DEFAULT 0;
ALTER TABLE commission_period ADD COLUMN step_total INTEGER NOT NULL DEFAULT 0;
ALTER TABLE commission_period ADD COLUMN member_count INTEGER;
ALTER TABLE commission_period ADD COLUMN totals TEXT; -- JSON PeriodTotals of the latest run
ALTER TABLE commission_period ADD COLUMN error TEXT;
ALTER TABLE commission_period ADD COLUMN closing_started_at TEXT;
ALTER TABLE commission_period ADD COLUMN computed_at TEXT;
ALTER TABLE commission_period ADD COLUMN committed_at TEXT;
ALTER TABLE commission_period ADD COLUMN paid_at TEXT;

-- The frozen members of a period (tree, statuses, ranks, carries, balances) in chunks of typed columns.
CREATE TABLE period_snapshot_chunk (
  period_id TEXT NOT NULL REFERENCES commission_period (id),
  chunk INTEGER NOT NULL,
  data TEXT NOT NULL, -- JSON {ids, sponsor, parent, position, status, joined, forced, lifetime, carryL, carryR, balance}
  PRIMARY KEY (period_id, chunk)
) STRICT, WITHOUT ROWID;

-- Staff-forced paid-as ranks (SPEC §3).
CREATE TABLE rank_override (
  period_id TEXT NOT NULL,
  distributor_id INTEGER NOT NULL REFERENCES distributor (id),
  rank_id TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (period_id, distributor_id)
) STRICT, WITHOUT ROWID;

-- Per distributor per period: what the latest run computed.
CREATE TABLE period_result (
  period_id TEXT NOT NULL,
  distributor_id INTEGER NOT NULL,
  pv INTEGER NOT NULL,
  cv INTEGER NOT NULL,
  gv INTEGER NOT NULL,
  gcv INTEGER NOT NULL,
  active INTEGER NOT NULL,
  paid_as_rank TEXT,
  lifetime_rank TEXT,
  total INTEGER NOT NULL,
  payout INTEGER NOT NULL,
  balance_in INTEGER NOT NULL,
  balance_out INTEGER NOT NULL,
  carry_left INTEGER NOT NULL DEFAULT 0, -- binary carry out
  carry_right INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (period_id, distributor_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX period_result_total ON period_result (period_id, total DESC, distributor_id);

-- Commission lines of the latest run: one per (earner, bonus, component).
CREATE TABLE commission_line (
  period_id TEXT NOT NULL,
  distributor_id INTEGER NOT NULL,
  bonus TEXT NOT NULL,
  level INTEGER NOT NULL,
  source_id INTEGER NOT NULL, -- the member a component is about (stairstep child), else 0
  volume INTEGER NOT NULL,
  bp INTEGER NOT NULL,
  before_cap INTEGER NOT NULL,
  amount INTEGER NOT NULL,
  PRIMARY KEY (period_id, distributor_id, bonus, level, source_id)
) STRICT, WITHOUT ROWID;

-- Append-only money movements. Never updated; a correction is a new entry.
CREATE TABLE ledger_entry (
  id INTEGER PRIMARY KEY,
  distributor_id INTEGER NOT NULL REFERENCES distributor (id),
  kind TEXT NOT NULL CHECK (kind IN ('COMMISSION', 'ADJUSTMENT', 'PAYOUT')),
  amount INTEGER NOT NULL, -- minor units of the payout currency; payouts are negative
  currency TEXT NOT NULL,
  period_id TEXT,
  adjustment_type TEXT, -- ADJUSTMENT: BONUS | CORRECTION | CHARGEBACK | OTHER
  reason TEXT,
  staff_id INTEGER,
  payout_batch_id INTEGER,
  created_at TEXT NOT NULL,
  -- Deterministic key of generated entries: a commit or payout run twice writes nothing twice.
  dedupe_key TEXT UNIQUE
) STRICT;
CREATE INDEX ledger_entry_distributor ON ledger_entry (distributor_id, id);

CREATE TABLE payout_batch (
  id INTEGER PRIMARY KEY,
  period_id TEXT NOT NULL UNIQUE REFERENCES commission_period (id),
  currency TEXT NOT NULL,
  count INTEGER NOT NULL,
  total INTEGER NOT NULL,
  created_at TEXT NOT NULL
) STRICT;

-- Bank details for payouts (SEPA credit transfer needs IBAN and BIC).
ALTER TABLE distributor ADD COLUMN iban TEXT;
ALTER TABLE distributor ADD COLUMN bic TEXT;
ALTER TABLE distributor ADD COLUMN lifetime_rank_id TEXT;

-- Days after a period's end before the cron starts its close (late payments).
ALTER TABLE company_settings ADD COLUMN close_grace_days INTEGER NOT NULL DEFAULT 3;

-- The close reads a period's orders and refunds by period.
CREATE INDEX sales_order_period ON sales_order (period, id) WHERE period IS NOT NULL;
CREATE INDEX refund_period ON refund (period, id);
