// Who may see which orders, and the order lists: a distributor's own (theirs and their customers'),
// a customer's history, or any for staff.
import { NotFoundError } from '../../lib/errors';
import { type KeysetPage, keysetClauses, type SortValue } from '../../lib/keyset';
import type { Viewer } from '../auth/viewer';
import type { OrderLineRow, OrderRow } from './model';
import { OF_FINISHED_IMPORT, requireOrder } from './repository';

/** Staff see every order; integrations with orders:write too; a distributor the orders attributed to them. */
export function canViewOrder(viewer: Viewer, o: Pick<OrderRow, 'distributor_id'>): boolean {
  if (viewer.kind === 'ADMIN') return true;
  if (viewer.kind === 'INTEGRATION') return viewer.scopes.includes('orders:write');
  return viewer.kind === 'DISTRIBUTOR' && viewer.distributorId === o.distributor_id;
}

export async function requireVisibleOrder(db: D1Database, viewer: Viewer, id: number): Promise<OrderRow> {
  const order = await requireOrder(db, id);
  if (!canViewOrder(viewer, order)) throw new NotFoundError('Order not found.');
  return order;
}

/** Order lines by id, null where missing or not visible to the viewer. */
export async function visibleOrderLines(
  db: D1Database,
  viewer: Viewer,
  ids: readonly number[],
): Promise<(OrderLineRow | null)[]> {
  const { results } = await db
    .prepare(
      `SELECT l.*, o.distributor_id FROM order_line l JOIN sales_order o ON o.id = l.order_id
       WHERE l.id IN (SELECT value FROM json_each(?))`,
    )
    .bind(JSON.stringify(ids))
    .all<OrderLineRow & { distributor_id: number }>();
  return ids.map((id) => results.find((r) => r.id === id && canViewOrder(viewer, r)) ?? null);
}

export interface OrderListFilter {
  distributorId: number | null;
  customerId: number | null;
  statuses?: readonly string[] | null;
  kinds?: readonly string[] | null;
  createdFrom?: string | null;
  createdBefore?: string | null;
}

/** One page of orders, newest first. */
export async function ordersPage(db: D1Database, f: OrderListFilter, page: KeysetPage): Promise<OrderRow[]> {
  const k = keysetClauses(['created_at', 'id'], 'DESC', page);
  const where = [...k.where, OF_FINISHED_IMPORT];
  const params: SortValue[] = [...k.params];
  if (f.distributorId != null) {
    where.push('distributor_id = ?');
    params.push(f.distributorId);
  }
  if (f.customerId != null) {
    where.push('customer_id = ?');
    params.push(f.customerId);
  }
  if (f.statuses?.length) {
    where.push('status IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(f.statuses));
  }
  if (f.kinds?.length) {
    where.push('kind IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(f.kinds));
  }
  if (f.createdFrom) {
    where.push('created_at >= ?');
    params.push(f.createdFrom);
  }
  if (f.createdBefore) {
    where.push('created_at < ?');
    params.push(f.createdBefore);
  }
  const sql = `SELECT * FROM sales_order ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${k.orderBy} LIMIT ?`;
  const { results } = await db
    .prepare(sql)
    .bind(...params, k.limit)
    .all<OrderRow>();
  return results;
}
