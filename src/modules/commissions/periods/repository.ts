import type { PeriodTotals } from '../engine';
import type { commissionPeriod } from '../tables';

export type PeriodStatus = 'OPEN' | 'CLOSING' | 'REVIEW' | 'COMMITTED' | 'PAID';

export type PeriodRow = typeof commissionPeriod.$inferSelect;

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
