import { z } from 'zod';
import { constraintFailure, orConflict, requireChanged } from '../../lib/conflicts';
import { atomic, nowIso, selectByIds } from '../../lib/db';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../lib/errors';
import { quantity } from '../../lib/limits';
import { freeText } from '../../lib/text';
import { parseInput } from '../../lib/validate';
import { archivedOrderLines, isArchived } from '../archive/periodRows';
import { actorOf } from '../auth/actor';
import type { Viewer } from '../auth/viewer';
import { marketCurrency, pricesOf, productsByIds } from '../catalog/repository';
import { loadSettings } from '../company/settings';
import { customersByIds } from '../customers/repository';
import { sponsorPathIds } from '../genealogy/paths';
import { distributorById } from '../genealogy/reads';
import { notificationsFromSelect } from '../notifications/statements';
import { applyVolumeChange } from '../volumes/live';
import { isPeriodFrozen, periodForInstant } from '../volumes/periods';
import { lineVolume, type OrderLineRow, type OrderRow, type RefundRow } from './model';

/**
 * An order of an import that is not DONE (applying, resumed after a fault, or being undone) is not shown or
 * changed as if it were complete: the import is all or nothing for readers too.
 */
export const OF_FINISHED_IMPORT = `(sales_order.import_id IS NULL OR EXISTS (
  SELECT 1 FROM order_import i WHERE i.id = sales_order.import_id AND i.status = 'DONE'))`;

export async function orderById(db: D1Database, id: number): Promise<OrderRow | null> {
  return db
    .prepare(`SELECT * FROM sales_order WHERE id = ? AND ${OF_FINISHED_IMPORT}`)
    .bind(id)
    .first<OrderRow>();
}

export async function ordersByIds(db: D1Database, ids: readonly number[]): Promise<OrderRow[]> {
  return selectByIds<OrderRow>(
    db,
    `SELECT * FROM sales_order WHERE id IN (SELECT value FROM json_each(?)) AND ${OF_FINISHED_IMPORT}`,
    ids,
  );
}

export async function linesOf(db: D1Database, orderId: number): Promise<OrderLineRow[]> {
  const { results } = await db
    .prepare('SELECT * FROM order_line WHERE order_id = ? ORDER BY id')
    .bind(orderId)
    .all<OrderLineRow>();
  return results;
}

/**
 * The lines of many orders in one query, by order then line; with the archive bucket, the lines of orders whose
 * period was archived (archive/periodRows.ts) too.
 */
export async function linesOfOrders(
  db: D1Database,
  orderIds: readonly number[],
  files?: R2Bucket,
): Promise<OrderLineRow[]> {
  const live = await selectByIds<OrderLineRow>(
    db,
    'SELECT * FROM order_line WHERE order_id IN (SELECT value FROM json_each(?)) ORDER BY order_id, id',
    orderIds,
  );
  const withLines = new Set(live.map((l) => l.order_id));
  const without = orderIds.filter((id) => !withLines.has(id));
  if (!files || without.length === 0) return live;
  const orders = await selectByIds<{ id: number; period: string | null }>(
    db,
    'SELECT id, period FROM sales_order WHERE id IN (SELECT value FROM json_each(?))',
    without,
  );
  const archived = (await archivedOrderLines(db, files, orders, withLines)) as unknown as OrderLineRow[];
  return [...live, ...archived].sort((a, b) => a.order_id - b.order_id || a.id - b.id);
}

export async function refundsOf(db: D1Database, orderId: number): Promise<RefundRow[]> {
  const { results } = await db
    .prepare('SELECT * FROM refund WHERE order_id = ? ORDER BY id')
    .bind(orderId)
    .all<RefundRow>();
  return results;
}

const createSchema = z.object({
  distributorId: z.number().int().positive().nullish(),
  customerId: z.number().int().positive().nullish(),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'Use an ISO 4217 code such as DKK.')
    .nullish(),
  lines: z
    .array(
      z.object({
        productId: z.number().int().positive(),
        quantity: quantity(),
      }),
    )
    .min(1, 'At least one line.')
    .max(100, 'At most 100 lines.'),
  idempotencyKey: z.string().trim().min(8, 'At least 8 characters.').max(100).nullish(),
  placedAt: z.iso.datetime().nullish(),
});
export type CreateOrderInput = z.infer<typeof createSchema>;

/**
 * Creates a PENDING order. Lines copy the product's prices and volumes as they are now. With an
 * idempotency key, a retried request returns the order the first request made.
 */
export async function createOrder(db: D1Database, viewer: Viewer, raw: unknown): Promise<OrderRow> {
  const input = parseInput(createSchema, raw, 'order');
  const actor = actorOf(viewer);
  if (input.idempotencyKey) {
    const existing = await db
      .prepare('SELECT * FROM sales_order WHERE created_by = ? AND idempotency_key = ?')
      .bind(actor, input.idempotencyKey)
      .first<OrderRow>();
    if (existing) return sameRequestOrConflict(db, existing, input);
  }

  // Whose order is it? A customer order is attributed to the customer's owner.
  let distributorId = viewer.kind === 'DISTRIBUTOR' ? viewer.distributorId : (input.distributorId ?? null);
  if (
    viewer.kind === 'DISTRIBUTOR' &&
    input.distributorId != null &&
    input.distributorId !== viewer.distributorId
  )
    throw new ForbiddenError('A distributor orders for themself or their own customers.');
  const placedAt = orderPlacedAt(viewer, input.placedAt ?? null);
  let buyerCountry: string;
  if (input.customerId != null) {
    const [customer] = await customersByIds(db, [input.customerId]);
    if (!customer) throw new NotFoundError('Customer not found.');
    if (distributorId != null && customer.owner_id !== distributorId)
      throw new ForbiddenError('That customer belongs to another distributor.');
    distributorId = customer.owner_id;
    buyerCountry = customer.country;
  } else {
    if (distributorId == null)
      throw new ValidationError('Say whose order it is.', [
        { path: 'distributorId', message: 'Required for staff.', code: 'REQUIRED' },
      ]);
    const d = await distributorById(db, distributorId);
    if (!d) throw new NotFoundError('Distributor not found.');
    buyerCountry = d.country;
  }
  const owner = await distributorById(db, distributorId);
  if (!owner) throw new NotFoundError('Distributor not found.');
  if (owner.status === 'TERMINATED')
    throw new ConflictError('A terminated distributor cannot order.', 'TERMINATED');

  const marketCur = await marketCurrency(db, buyerCountry);
  // A customer or member may live in any ISO country; only an order needs a market there.
  if (!marketCur) {
    const whose = input.customerId != null ? 'customer' : 'distributor';
    throw new ValidationError(`No market sells in ${buyerCountry}, the ${whose}'s country.`, [
      { path: `${whose}Id`, message: `No market in ${buyerCountry}.`, code: 'INVALID_VALUE' },
    ]);
  }
  const currency = input.currency ?? marketCur;
  if (currency !== marketCur)
    throw new ValidationError(`The ${buyerCountry} market sells in ${marketCur}, not ${currency}.`, [
      { path: 'currency', message: `Use ${marketCur}.` },
    ]);

  const productIds = [...new Set(input.lines.map((l) => l.productId))];
  const [products, prices] = await Promise.all([productsByIds(db, productIds), pricesOf(db, productIds)]);
  const issues: { path: string; message: string }[] = [];
  const kind = input.customerId != null ? 'CUSTOMER' : 'PERSONAL';
  const lines = input.lines.map((l, i) => {
    const p = products.find((x) => x.id === l.productId);
    const price = prices.find((x) => x.product_id === l.productId && x.currency === currency);
    if (!p) issues.push({ path: `lines.${i}.productId`, message: 'Unknown product.' });
    else if (!p.active) issues.push({ path: `lines.${i}.productId`, message: `${p.sku} is not for sale.` });
    else if (!price)
      issues.push({ path: `lines.${i}.productId`, message: `${p.sku} has no ${currency} price.` });
    if (!p || !price) return null;
    return {
      productId: p.id,
      sku: p.sku,
      quantity: l.quantity,
      unitPrice: kind === 'CUSTOMER' ? price.retail : price.wholesale,
      unitRetail: price.retail,
      unitWholesale: price.wholesale,
      unitQv: p.qv,
      unitCv: p.cv,
      isStarterKit: p.is_starter_kit,
    };
  });
  if (issues.length) throw new ValidationError('Invalid order lines.', issues);
  const ok = lines.filter((l) => l !== null);
  const total = ok.reduce((s, l) => s + l.quantity * l.unitPrice, 0);
  const volume = ok.reduce(
    (s, l) => {
      const v = lineVolume(
        { unit_qv: l.unitQv, unit_cv: l.unitCv, is_starter_kit: l.isStarterKit },
        l.quantity,
      );
      return { qv: s.qv + v.qv, cv: s.cv + v.cv };
    },
    { qv: 0, cv: 0 },
  );

  try {
    const [inserted] = await atomic(db, [
      db
        .prepare(
          `INSERT INTO sales_order (kind, distributor_id, customer_id, status, currency, total, qv, cv, idempotency_key,
             created_by, created_at) VALUES (?, ?, ?, 'PENDING', ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
        )
        .bind(
          kind,
          distributorId,
          input.customerId ?? null,
          currency,
          total,
          volume.qv,
          volume.cv,
          input.idempotencyKey ?? null,
          actor,
          placedAt,
        ),
      db
        .prepare(
          `INSERT INTO order_line (order_id, product_id, sku, quantity, unit_price, unit_retail, unit_wholesale, unit_qv,
             unit_cv, is_starter_kit)
           SELECT (SELECT max(id) FROM sales_order), json_extract(value, '$.productId'), json_extract(value, '$.sku'),
             json_extract(value, '$.quantity'), json_extract(value, '$.unitPrice'), json_extract(value, '$.unitRetail'),
             json_extract(value, '$.unitWholesale'), json_extract(value, '$.unitQv'), json_extract(value, '$.unitCv'),
             json_extract(value, '$.isStarterKit') FROM json_each(?)`,
        )
        .bind(JSON.stringify(ok)),
    ]);
    return (await orderById(db, (inserted.results[0] as { id: number }).id))!;
  } catch (e) {
    // Two retries of one request raced: the loser returns the winner's order.
    if (input.idempotencyKey && String(e).includes('UNIQUE constraint failed')) {
      const existing = await db
        .prepare('SELECT * FROM sales_order WHERE created_by = ? AND idempotency_key = ?')
        .bind(actor, input.idempotencyKey)
        .first<OrderRow>();
      if (existing) return sameRequestOrConflict(db, existing, input);
    }
    throw e;
  }
}

async function sameRequestOrConflict(
  db: D1Database,
  existing: OrderRow,
  input: CreateOrderInput,
): Promise<OrderRow> {
  const lines = await linesOf(db, existing.id);
  const same =
    lines.length === input.lines.length &&
    lines.every(
      (l, i) => l.product_id === input.lines[i].productId && l.quantity === input.lines[i].quantity,
    ) &&
    (input.customerId ?? null) === existing.customer_id;
  if (!same)
    throw new ConflictError('That idempotency key was used for a different order.', 'IDEMPOTENCY_KEY_REUSED');
  return existing;
}

/**
 * When the order was placed: now, or for staff and integrations an earlier instant (an order taken on
 * paper or in a shop and entered later), never in the future.
 */
function orderPlacedAt(viewer: Viewer, placedAtIso: string | null): string {
  const now = new Date();
  if (placedAtIso == null) return now.toISOString();
  if (viewer.kind === 'DISTRIBUTOR')
    throw new ForbiddenError('Only staff and integrations enter orders placed earlier.');
  const placedAt = new Date(placedAtIso);
  if (placedAt.getTime() > now.getTime() + 60_000)
    throw new ValidationError('An order cannot be placed in the future.', [
      { path: 'placedAt', message: 'In the future.', code: 'INVALID_VALUE' },
    ]);
  return placedAt.toISOString();
}

export async function requireOrder(db: D1Database, id: number): Promise<OrderRow> {
  const order = await orderById(db, id);
  if (!order) throw new NotFoundError('Order not found.');
  return order;
}

/** Records the payment: the order becomes PAID and its volume enters the live volumes of its period. */
export async function markOrderPaid(
  db: D1Database,
  viewer: Viewer,
  orderId: number,
  paidAtIso: string | null,
  reference: string | null,
): Promise<OrderRow> {
  if (reference != null)
    reference =
      parseInput(z.object({ reference: freeText(200) }), { reference }, 'payment').reference || null;
  const order = await requireOrder(db, orderId);
  if (order.status !== 'PENDING')
    throw new ConflictError(
      order.status === 'CANCELLED' ? 'The order is cancelled.' : 'The order is paid already.',
      order.status === 'CANCELLED' ? 'CANCELLED' : 'ALREADY_PAID',
    );
  const now = new Date();
  const paidAt = paidAtIso ? new Date(paidAtIso) : now;
  if (paidAt.getTime() > now.getTime() + 60_000)
    throw new ValidationError('A payment cannot be in the future.', [
      { path: 'paidAt', message: 'In the future.', code: 'INVALID_VALUE' },
    ]);
  if (paidAt.getTime() < Date.parse(order.created_at) - 60_000)
    throw new ValidationError('A payment cannot precede its order.', [
      { path: 'paidAt', message: 'Before the order.', code: 'INVALID_VALUE' },
    ]);
  const settings = await loadSettings(db);
  const period = await periodForInstant(db, paidAt, settings.timeZone);
  const member = (await distributorById(db, order.distributor_id))!;
  const customer = order.kind === 'CUSTOMER';
  try {
    await atomic(db, [
      // The payment row's primary key refuses a second payment, which aborts the whole batch.
      db
        .prepare(
          'INSERT INTO payment (order_id, paid_at, reference, recorded_by, created_at) VALUES (?, ?, ?, ?, ?)',
        )
        .bind(order.id, paidAt.toISOString(), reference, actorOf(viewer), now.toISOString()),
      // A status other than PENDING (cancelled meanwhile) becomes a value the status CHECK refuses.
      db
        .prepare(
          `UPDATE sales_order SET status = CASE status WHEN 'PENDING' THEN 'PAID' ELSE 'CHANGED' END,
             paid_at = ?, period = ?, payment_reference = ? WHERE id = ?`,
        )
        .bind(paidAt.toISOString(), period, reference, order.id),
      // A customer's order: its distributor hears of the payment in the same batch.
      ...(order.customer_id != null
        ? [
            notificationsFromSelect(
              db,
              'ORDER_PAID',
              `SELECT o.distributor_id, 'ORDER' AS subject_type, CAST(o.id AS TEXT) AS subject_id,
                 json_object('customerId', c.id, 'customerName', trim(c.first_name || ' ' || coalesce(c.last_name, '')),
                             'total', o.total, 'currency', o.currency) AS payload,
                 'order-paid:' || o.id AS dedupe_key
               FROM sales_order o JOIN customer c ON c.id = o.customer_id WHERE o.id = ?`,
              [order.id],
              now.toISOString(),
            ),
          ]
        : []),
      ...applyVolumeChange(db, {
        distributorId: member.id,
        ancestors: sponsorPathIds(member.sponsor_path).slice(0, -1),
        period,
        qv: order.qv,
        cv: order.cv,
        customerQv: customer ? order.qv : 0,
        customerCv: customer ? order.cv : 0,
        activePv: settings.activePv,
      }),
    ]);
  } catch (e) {
    const failure = constraintFailure(e);
    if (failure?.kind === 'UNIQUE' && failure.on.includes('payment.order_id'))
      throw new ConflictError('The order is paid already.', 'ALREADY_PAID');
    if (failure?.kind === 'CHECK' && failure.on.includes('status'))
      throw new ConflictError('The order changed meanwhile (cancelled?); reload it.', 'NOT_PENDING');
    throw e;
  }
  return (await orderById(db, order.id))!;
}

export async function cancelOrder(db: D1Database, orderId: number): Promise<OrderRow> {
  const order = await requireOrder(db, orderId);
  if (order.status !== 'PENDING')
    throw new ConflictError('Only a pending order can be cancelled; refund a paid one.', 'NOT_PENDING');
  const result = await db
    .prepare(
      "UPDATE sales_order SET status = 'CANCELLED', cancelled_at = ? WHERE id = ? AND status = 'PENDING'",
    )
    .bind(nowIso(), orderId)
    .run();
  requireChanged(
    result,
    () => new ConflictError('The order changed meanwhile (paid?); reload it.', 'NOT_PENDING'),
  );
  return (await orderById(db, orderId))!;
}

const refundSchema = z.object({
  lines: z
    .array(
      z.object({
        lineId: z.number().int().positive(),
        quantity: quantity(),
      }),
    )
    .nullish(),
  reason: z.string().trim().min(1, 'Required.').max(500),
});

/**
 * Refunds units of a paid order (all remaining units when no lines are given). SPEC §2: while the order's
 * period is open the volume leaves that period; once its close has frozen it (CLOSING and later), the
 * volume leaves the open period instead, as a clawback.
 */
export async function refundOrder(db: D1Database, orderId: number, raw: unknown): Promise<OrderRow> {
  const input = parseInput(refundSchema, raw, 'refund');
  const order = await requireOrder(db, orderId);
  if (order.status !== 'PAID' && order.status !== 'PARTIALLY_REFUNDED')
    throw new ConflictError('Only a paid order can be refunded.', 'NOT_PAID');
  const lines = await linesOf(db, order.id);
  // Its lines left D1 with its period's archive: a refund that late would change an archived period's volumes.
  if (lines.length === 0 && order.period && (await isArchived(db, order.period)))
    throw new ConflictError(
      `Order ${order.id} belongs to the archived period ${order.period}.`,
      'ORDER_ARCHIVED',
    );
  const requested =
    input.lines ??
    lines
      .map((l) => ({ lineId: l.id, quantity: l.quantity - l.refunded_quantity }))
      .filter((l) => l.quantity > 0);
  const issues: { path: string; message: string }[] = [];
  const perLine = new Map<number, number>();
  for (const r of requested) perLine.set(r.lineId, (perLine.get(r.lineId) ?? 0) + r.quantity);
  for (const [i, r] of requested.entries()) {
    const line = lines.find((l) => l.id === r.lineId);
    if (!line) issues.push({ path: `lines.${i}.lineId`, message: 'Not a line of this order.' });
    else if (line.refunded_quantity === line.quantity) throw refundedMeanwhile();
    else if (perLine.get(line.id)! > line.quantity - line.refunded_quantity)
      issues.push({
        path: `lines.${i}.quantity`,
        message: `At most ${line.quantity - line.refunded_quantity} can be refunded.`,
      });
  }
  if (requested.length === 0) throw refundedMeanwhile();
  if (issues.length) throw new ValidationError('Invalid refund.', issues);

  let amount = 0;
  let qv = 0;
  let cv = 0;
  for (const [lineId, quantity] of perLine) {
    const line = lines.find((l) => l.id === lineId)!;
    amount += quantity * line.unit_price;
    const v = lineVolume(line, quantity);
    qv += v.qv;
    cv += v.cv;
  }
  const settings = await loadSettings(db);
  const clawback = await isPeriodFrozen(db, order.period!);
  const period = clawback ? await periodForInstant(db, new Date(), settings.timeZone) : order.period!;
  const member = (await distributorById(db, order.distributor_id))!;
  const customer = order.kind === 'CUSTOMER';
  // The line CHECK (refunded_quantity <= quantity) aborts the batch if a concurrent refund got there first.
  const guard = [{ kind: 'CHECK' as const, on: 'refunded_quantity' }];
  await orConflict(
    () =>
      atomic(db, [
        db
          .prepare(
            `UPDATE order_line SET refunded_quantity = refunded_quantity + json_extract(r.value, '$[1]')
         FROM json_each(?1) r WHERE order_line.id = json_extract(r.value, '$[0]') AND order_line.order_id = ?2`,
          )
          .bind(JSON.stringify([...perLine]), order.id),
        // From the lines as this batch leaves them, so that concurrent partial refunds end REFUNDED.
        db
          .prepare(
            `UPDATE sales_order SET status = CASE WHEN (SELECT sum(quantity - refunded_quantity) FROM order_line
           WHERE order_id = ?1) = 0 THEN 'REFUNDED' ELSE 'PARTIALLY_REFUNDED' END WHERE id = ?1`,
          )
          .bind(order.id),
        db
          .prepare(
            'INSERT INTO refund (order_id, amount, qv, cv, period, clawback, reason, lines, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
          )
          .bind(
            order.id,
            amount,
            qv,
            cv,
            period,
            clawback ? 1 : 0,
            input.reason,
            JSON.stringify([...perLine].map(([lineId, quantity]) => ({ lineId, quantity }))),
            nowIso(),
          ),
        ...applyVolumeChange(db, {
          distributorId: member.id,
          ancestors: sponsorPathIds(member.sponsor_path).slice(0, -1),
          period,
          qv: -qv,
          cv: -cv,
          customerQv: customer ? -qv : 0,
          customerCv: customer ? -cv : 0,
          activePv: settings.activePv,
        }),
      ]),
    guard,
    refundedMeanwhile,
  );
  return (await orderById(db, order.id))!;
}

const refundedMeanwhile = () =>
  new ConflictError('Those units are refunded already; reload the order.', 'ALREADY_REFUNDED');
