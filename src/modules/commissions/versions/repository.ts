import { nowIso } from '../../../lib/db';
import { ConflictError, NotFoundError, ValidationError } from '../../../lib/errors';
import { isPeriodId } from '../periods/bounds';
import { type Plan, parsePlan } from '../plan';
import type { planVersion } from '../tables';

export type PlanVersionRow = typeof planVersion.$inferSelect;

export async function planVersionById(db: D1Database, id: number): Promise<PlanVersionRow | null> {
  return db.prepare('SELECT * FROM plan_version WHERE id = ?').bind(id).first<PlanVersionRow>();
}

export async function requirePlanVersion(db: D1Database, id: number): Promise<PlanVersionRow> {
  const row = await planVersionById(db, id);
  if (!row) throw new NotFoundError('Plan version not found.');
  return row;
}

function validName(name: string): string {
  const n = name.trim();
  if (!n || n.length > 120)
    throw new ValidationError('Invalid plan name.', [{ path: 'name', message: '1–120 characters.' }]);
  return n;
}

/** A new draft: validated now (a bad plan is refused with every issue), changeable until it is used. */
export async function createDraft(db: D1Database, name: string, json: unknown): Promise<PlanVersionRow> {
  const plan = parsePlan(json);
  const now = nowIso();
  return (await db
    .prepare(
      "INSERT INTO plan_version (name, plan, status, created_at, updated_at) VALUES (?, ?, 'DRAFT', ?, ?) RETURNING *",
    )
    .bind(validName(name), JSON.stringify(plan), now, now)
    .first<PlanVersionRow>())!;
}

export async function updateDraft(
  db: D1Database,
  id: number,
  name: string | null,
  json: unknown,
): Promise<PlanVersionRow> {
  const current = await requirePlanVersion(db, id);
  if (current.used)
    throw new ConflictError('A plan version that a period was closed under never changes.', 'PLAN_USED');
  const plan = json === undefined || json === null ? JSON.parse(current.plan) : parsePlan(json);
  return (await db
    .prepare('UPDATE plan_version SET name = ?, plan = ?, updated_at = ? WHERE id = ? RETURNING *')
    .bind(name == null ? current.name : validName(name), JSON.stringify(plan), nowIso(), id)
    .first<PlanVersionRow>())!;
}

/** Puts a version in force from a period on. Periods already closing or closed keep the plan they had. */
export async function scheduleVersion(
  db: D1Database,
  id: number,
  fromPeriod: string,
): Promise<PlanVersionRow> {
  if (!isPeriodId(fromPeriod))
    throw new ValidationError('Invalid period.', [
      {
        path: 'effectiveFrom',
        message: 'Use YYYY-MM.',
        code: 'INVALID_FORMAT',
        params: { format: 'YYYY-MM' },
      },
    ]);
  const current = await requirePlanVersion(db, id);
  parsePlan(JSON.parse(current.plan));
  const closed = await db
    .prepare("SELECT id FROM commission_period WHERE id >= ? AND status != 'OPEN' ORDER BY id LIMIT 1")
    .bind(fromPeriod)
    .first<{ id: string }>();
  if (closed)
    throw new ConflictError(
      `Period ${closed.id} is already closing or closed under its own plan.`,
      'PERIOD_CLOSED',
    );
  try {
    return (await db
      .prepare(
        "UPDATE plan_version SET status = 'SCHEDULED', effective_from = ?, updated_at = ? WHERE id = ? RETURNING *",
      )
      .bind(fromPeriod, nowIso(), id)
      .first<PlanVersionRow>())!;
  } catch (e) {
    if (String(e).includes('UNIQUE constraint failed'))
      throw new ConflictError(
        `Another version is already in force from ${fromPeriod}.`,
        'EFFECTIVE_FROM_TAKEN',
      );
    throw e;
  }
}

/** The version in force for a period: the scheduled one with the latest effective_from <= period. */
export async function versionInForce(db: D1Database, period: string): Promise<PlanVersionRow | null> {
  return db
    .prepare(
      "SELECT * FROM plan_version WHERE status = 'SCHEDULED' AND effective_from <= ? ORDER BY effective_from DESC LIMIT 1",
    )
    .bind(period)
    .first<PlanVersionRow>();
}

export function planOf(row: PlanVersionRow): Plan {
  return JSON.parse(row.plan) as Plan;
}
