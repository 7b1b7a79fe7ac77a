import { z } from 'zod';
import { atomic, nowIso, selectByIds } from '../../lib/db';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../lib/errors';
import { quantity } from '../../lib/limits';
import { parseInput } from '../../lib/validate';
import type { Viewer } from '../auth/viewer';
import { productsByIds } from '../catalog/repository';
import { loadSettings } from '../company/settings';
import { requireCustomer } from '../customers/repository';
import { createOrder } from '../orders/repository';
import { firstDueDate, localDate, nextDueDate } from './schedule';
import type { autoship } from './tables';

export type AutoshipRow = typeof autoship.$inferSelect;

export function canViewAutoship(viewer: Viewer, a: Pick<AutoshipRow, 'distributor_id'>): boolean {
  if (viewer.kind === 'ADMIN') return true;
  if (viewer.kind === 'INTEGRATION') return viewer.scopes.includes('orders:write');
  return viewer.kind === 'DISTRIBUTOR' && viewer.distributorId === a.distributor_id;
}

export async function autoshipsByIds(db: D1Database, ids: readonly number[]): Promise<AutoshipRow[]> {
  return selectByIds<AutoshipRow>(
    db,
    'SELECT * FROM autoship WHERE id IN (SELECT value FROM json_each(?))',
    ids,
  );
}

export async function requireAutoship(db: D1Database, viewer: Viewer, id: number): Promise<AutoshipRow> {
  const [row] = await autoshipsByIds(db, [id]);
  if (!row || !canViewAutoship(viewer, row)) throw new NotFoundError('Autoship not found.');
  return row;
}

const lines = z
  .array(z.object({ productId: z.number().int().positive(), quantity: quantity() }))
  .min(1, 'At least one line.')
  .max(50);
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'Use YYYY-MM-DD.');

const createSchema = z
  .object({
    distributorId: z.number().int().positive(),
    customerId: z.number().int().positive().nullish(),
    lines,
    intervalDays: z.number().int().min(7, 'At least 7 days.').max(365).nullish(),
    dayOfMonth: z.number().int().min(1).max(28, 'Use 1–28 so that every month has the day.').nullish(),
    startDate: date.nullish(),
  })
  .refine((a) => (a.intervalDays == null) !== (a.dayOfMonth == null), {
    message: 'Give either intervalDays or dayOfMonth.',
    path: ['intervalDays'],
  });

async function checkProducts(db: D1Database, input: { productId: number }[]): Promise<void> {
  const found = await productsByIds(
    db,
    input.map((l) => l.productId),
  );
  const issues = input.flatMap((l, i) => {
    const p = found.find((x) => x.id === l.productId);
    if (!p) return [{ path: `lines.${i}.productId`, message: 'Unknown product.' }];
    if (!p.active) return [{ path: `lines.${i}.productId`, message: `${p.sku} is not for sale.` }];
    return [];
  });
  if (issues.length) throw new ValidationError('Invalid autoship lines.', issues);
}

export async function createAutoship(db: D1Database, viewer: Viewer, raw: unknown): Promise<AutoshipRow> {
  const input = parseInput(createSchema, raw, 'autoship');
  if (input.customerId != null) {
    const c = await requireCustomer(db, viewer, input.customerId);
    if (c.owner_id !== input.distributorId)
      throw new ForbiddenError('That customer belongs to another distributor.');
  }
  await checkProducts(db, input.lines);
  const settings = await loadSettings(db);
  const today = localDate(new Date(), settings.timeZone);
  const start = input.startDate && input.startDate > today ? input.startDate : today;
  const schedule = { intervalDays: input.intervalDays ?? null, dayOfMonth: input.dayOfMonth ?? null };
  const now = nowIso();
  return (await db
    .prepare(
      `INSERT INTO autoship (distributor_id, customer_id, lines, interval_days, day_of_month, next_date, status, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, 'ACTIVE', ?, ?) RETURNING *`,
    )
    .bind(
      input.distributorId,
      input.customerId ?? null,
      JSON.stringify(input.lines),
      schedule.intervalDays,
      schedule.dayOfMonth,
      firstDueDate(start, schedule),
      now,
      now,
    )
    .first<AutoshipRow>())!;
}

const updateSchema = z.object({
  lines: lines.nullish(),
  status: z.enum(['ACTIVE', 'PAUSED', 'CANCELLED']).nullish(),
  nextDate: date.nullish(),
});

export async function updateAutoship(
  db: D1Database,
  current: AutoshipRow,
  raw: unknown,
): Promise<AutoshipRow> {
  const input = parseInput(updateSchema, raw, 'autoship');
  if (current.status === 'CANCELLED')
    throw new ConflictError('A cancelled autoship cannot change.', 'CANCELLED');
  if (input.lines) await checkProducts(db, input.lines);
  const settings = await loadSettings(db);
  const today = localDate(new Date(), settings.timeZone);
  if (input.nextDate && input.nextDate < today)
    throw new ValidationError('The next date cannot be in the past.', [
      { path: 'nextDate', message: 'In the past.', code: 'INVALID_VALUE' },
    ]);
  let next = input.nextDate ?? current.next_date;
  // Resuming never back-fills the missed cycles: the next delivery is today at the earliest.
  if (input.status === 'ACTIVE' && current.status === 'PAUSED' && next < today) next = today;
  return (await db
    .prepare(
      'UPDATE autoship SET lines = ?, status = ?, next_date = ?, updated_at = ? WHERE id = ? RETURNING *',
    )
    .bind(
      input.lines ? JSON.stringify(input.lines) : current.lines,
      input.status ?? current.status,
      next,
      nowIso(),
      current.id,
    )
    .first<AutoshipRow>())!;
}

export interface DueAutoship {
  autoshipId: number;
  dueDate: string;
}

/** Active autoships due on or before `today`, by keyset pages. */
export async function dueAutoships(
  db: D1Database,
  today: string,
  afterId: number,
  limit: number,
): Promise<DueAutoship[]> {
  const { results } = await db
    .prepare(
      `SELECT id, next_date FROM autoship WHERE status = 'ACTIVE' AND next_date <= ? AND id > ? ORDER BY id LIMIT ?`,
    )
    .bind(today, afterId, limit)
    .all<{ id: number; next_date: string }>();
  return results.map((r) => ({ autoshipId: r.id, dueDate: r.next_date }));
}

/**
 * Makes the order of one due date, exactly once: the order's idempotency key is the due date, the run row's
 * key is (autoship, due date), and the schedule only advances from that due date. Safe to run any number
 * of times, and to resume after a crash at any point.
 */
export async function generateAutoshipOrder(
  db: D1Database,
  job: DueAutoship,
  now: Date,
): Promise<'created' | 'skipped' | 'failed'> {
  const [a] = await autoshipsByIds(db, [job.autoshipId]);
  if (a?.status !== 'ACTIVE' || a.next_date !== job.dueDate) return 'skipped';
  const settings = await loadSettings(db);
  const system: Viewer = { kind: 'SYSTEM', actor: `autoship:${a.id}` };
  let orderId: number | null = null;
  let error: string | null = null;
  try {
    const order = await createOrder(db, system, {
      distributorId: a.customer_id == null ? a.distributor_id : null,
      customerId: a.customer_id,
      lines: JSON.parse(a.lines),
      idempotencyKey: `due:${job.dueDate}`,
    });
    orderId = order.id;
  } catch (e) {
    // A product that is no longer sold, a terminated owner...: record it, skip this cycle, keep the schedule.
    if (
      !(
        e instanceof ValidationError ||
        e instanceof ConflictError ||
        e instanceof ForbiddenError ||
        e instanceof NotFoundError
      )
    )
      throw e;
    error = e.message;
  }
  const today = localDate(now, settings.timeZone);
  let next = nextDueDate(job.dueDate, { intervalDays: a.interval_days, dayOfMonth: a.day_of_month });
  while (next <= today)
    next = nextDueDate(next, { intervalDays: a.interval_days, dayOfMonth: a.day_of_month });
  await atomic(db, [
    db
      .prepare(
        'INSERT OR IGNORE INTO autoship_run (autoship_id, due_date, order_id, error, created_at) VALUES (?, ?, ?, ?, ?)',
      )
      .bind(a.id, job.dueDate, orderId, error, now.toISOString()),
    db
      .prepare(
        "UPDATE autoship SET next_date = ?, updated_at = ? WHERE id = ? AND next_date = ? AND status = 'ACTIVE'",
      )
      .bind(next, now.toISOString(), a.id, job.dueDate),
  ]);
  return error ? 'failed' : 'created';
}
