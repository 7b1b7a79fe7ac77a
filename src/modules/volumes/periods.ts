import { addMonths, monthInZone } from '../../lib/time';

/** The month after 'YYYY-MM'. */
export function nextMonth(period: string): string {
  return addMonths(period, 1);
}

/**
 * The commission period an instant's volume belongs to: its month in the company time zone, or, when that
 * period is already closing or closed, the next open one (late payments are never lost).
 */
export async function periodForInstant(db: D1Database, instant: Date, timeZone: string): Promise<string> {
  const { results } = await db
    .prepare("SELECT id FROM commission_period WHERE status != 'OPEN'")
    .all<{ id: string }>();
  const closed = new Set(results.map((r) => r.id));
  let period = monthInZone(instant, timeZone);
  while (closed.has(period)) period = nextMonth(period);
  return period;
}

/**
 * Whether a period's volumes are frozen: from the start of its close (CLOSING) its snapshot is fixed, so a
 * refund of one of its orders enters the open period instead (a clawback, SPEC §2 and §4).
 */
export async function isPeriodFrozen(db: D1Database, period: string): Promise<boolean> {
  const row = await db
    .prepare("SELECT 1 FROM commission_period WHERE id = ? AND status != 'OPEN'")
    .bind(period)
    .first();
  return row !== null;
}
