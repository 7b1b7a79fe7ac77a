import type { PeriodTotals } from '../engine';

export type PeriodStatus = 'OPEN' | 'CLOSING' | 'REVIEW' | 'COMMITTED' | 'PAID';

export interface PeriodRow {
  id: string;
  status: PeriodStatus;
  plan_version_id: number | null;
  starts_at: string | null;
  ends_at: string | null;
  run: number;
  step: string | null;
  step_done: number;
  step_total: number;
  member_count: number | null;
  totals: string | null;
  error: string | null;
  closing_started_at: string | null;
  computed_at: string | null;
  committed_at: string | null;
  paid_at: string | null;
}

export async function periodById(db: D1Database, id: string): Promise<PeriodRow | null> {
  return db.prepare('SELECT * FROM commission_period WHERE id = ?').bind(id).first<PeriodRow>();
}

export function progress(
  db: D1Database,
  id: string,
  step: string,
  done: number,
  total: number,
): D1PreparedStatement {
  return db
    .prepare('UPDATE commission_period SET step = ?, step_done = ?, step_total = ? WHERE id = ?')
    .bind(step, done, total, id);
}

export function totalsOf(row: PeriodRow): PeriodTotals | null {
  return row.totals ? (JSON.parse(row.totals) as PeriodTotals) : null;
}
