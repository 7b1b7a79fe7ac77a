// NPS feedback: a score 0-10 and a comment from a customer, about an order or in general. Recorded by the
// customer's owner, staff, or an integration with the feedback:write scope. NPS = %promoters (9-10) -
// %detractors (0-6), rounded to a whole number.
import { z } from 'zod';
import { nowIso } from '../../lib/db';
import { ConflictError, ForbiddenError, NotFoundError } from '../../lib/errors';
import { parseInput } from '../../lib/validate';
import { actorOf } from '../auth/actor';
import type { Viewer } from '../auth/viewer';
import { canViewCustomer, customersByIds } from '../customers/repository';
import type { feedback } from './tables';

export type FeedbackRow = typeof feedback.$inferSelect;

const schema = z.object({
  score: z.number().int('A whole number.').min(0, 'From 0 to 10.').max(10, 'From 0 to 10.'),
  comment: z.string().trim().max(5000, 'At most 5,000 characters.').nullish(),
});

export function canRecordFeedback(viewer: Viewer, ownerId: number): boolean {
  if (viewer.kind === 'ADMIN') return true;
  if (viewer.kind === 'INTEGRATION') return viewer.scopes.includes('feedback:write');
  return viewer.kind === 'DISTRIBUTOR' && viewer.distributorId === ownerId;
}

export async function recordFeedback(
  db: D1Database,
  viewer: Viewer,
  target: { customerId: number | null; orderId: number | null },
  raw: unknown,
): Promise<FeedbackRow> {
  const input = parseInput(schema, raw, 'feedback');
  let customerId = target.customerId;
  if (target.orderId != null) {
    const order = await db
      .prepare('SELECT customer_id FROM sales_order WHERE id = ?')
      .bind(target.orderId)
      .first<{ customer_id: number | null }>();
    if (!order) throw new NotFoundError('Order not found.');
    if (order.customer_id == null)
      throw new ConflictError('Feedback is about customer orders.', 'NOT_A_CUSTOMER_ORDER');
    if (customerId != null && customerId !== order.customer_id)
      throw new ConflictError('That order belongs to another customer.', 'ORDER_CUSTOMER_MISMATCH');
    customerId = order.customer_id;
  }
  if (customerId == null) throw new NotFoundError('Say which customer or order the feedback is about.');
  const [customer] = await customersByIds(db, [customerId]);
  // Not revealing customers the caller may not see: the same answer as a missing one.
  if (!customer || (viewer.kind === 'DISTRIBUTOR' && !canViewCustomer(viewer, customer)))
    throw new NotFoundError('Customer not found.');
  if (!canRecordFeedback(viewer, customer.owner_id)) throw new ForbiddenError('You may not record feedback.');
  try {
    const row = await db
      .prepare(
        `INSERT INTO feedback (customer_id, order_id, distributor_id, score, comment, recorded_by, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *`,
      )
      .bind(
        customerId,
        target.orderId,
        customer.owner_id,
        input.score,
        input.comment ?? null,
        actorOf(viewer),
        nowIso(),
      )
      .first<FeedbackRow>();
    return row!;
  } catch (e) {
    if (String(e).includes('UNIQUE constraint failed: feedback.order_id'))
      throw new ConflictError('That order already has feedback.', 'FEEDBACK_EXISTS');
    throw e;
  }
}

export interface FeedbackSummary {
  responses: number;
  averageScore: number | null;
  promoters: number;
  passives: number;
  detractors: number;
  nps: number | null;
}

/** Averages and NPS over one distributor's customers (or the whole company), optionally in [from, to). */
export async function feedbackSummary(
  db: D1Database,
  distributorId: number | null,
  from: string | null,
  to: string | null,
): Promise<FeedbackSummary> {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (distributorId != null) {
    where.push('distributor_id = ?');
    params.push(distributorId);
  }
  if (from) {
    where.push('created_at >= ?');
    params.push(from);
  }
  if (to) {
    where.push('created_at < ?');
    params.push(to);
  }
  const r = await db
    .prepare(
      `SELECT count(*) AS n, avg(score) AS avg, sum(score >= 9) AS p, sum(score BETWEEN 7 AND 8) AS m,
         sum(score <= 6) AS d FROM feedback ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`,
    )
    .bind(...params)
    .first<{ n: number; avg: number | null; p: number | null; m: number | null; d: number | null }>();
  const n = r?.n ?? 0;
  const p = r?.p ?? 0;
  const d = r?.d ?? 0;
  return {
    responses: n,
    averageScore: n ? Math.round((r!.avg ?? 0) * 100) / 100 : null,
    promoters: p,
    passives: r?.m ?? 0,
    detractors: d,
    nps: n ? Math.round(((p - d) * 100) / n) : null,
  };
}
