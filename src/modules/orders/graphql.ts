import { builder } from '../../graphql/builder';
import { resolvePage } from '../../graphql/pages';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../lib/errors';
import { encodeCursor } from '../../lib/keyset';
import { listOwner } from '../auth/listOwner';
import { Product } from '../catalog/graphql';
import { Customer } from '../customers/graphql';
import { canViewCustomer, requireCustomer } from '../customers/repository';
import { Distributor, visibleDistributor } from '../genealogy/graphql';
import { canViewOrder, ordersPage, requireVisibleOrder, visibleOrderLines } from './lists';
import type { OrderLineRow, OrderRow, RefundRow } from './model';
import { cancelOrder, createOrder, markOrderPaid, ordersByIds, refundOrder, refundsOf } from './repository';

const OrderKindEnum = builder.enumType('OrderKind', { values: ['PERSONAL', 'CUSTOMER'] as const });
const OrderStatusEnum = builder.enumType('OrderStatus', {
  values: ['PENDING', 'PAID', 'REFUNDED', 'PARTIALLY_REFUNDED', 'CANCELLED'] as const,
});

const OrderLine = builder.objectRef<OrderLineRow>('OrderLine');
builder.node(OrderLine, {
  id: { resolve: (l) => l.id },
  loadMany: (ids, ctx) => visibleOrderLines(ctx.db, ctx.viewer, ids.map(Number)),
  isTypeOf: (o) => typeof o === 'object' && o !== null && 'unit_price' in o && 'unit_wholesale' in o,
  fields: (t) => ({
    sku: t.exposeString('sku'),
    product: t.field({
      type: Product,
      nullable: true,
      resolve: (l, _a, ctx) => ctx.loaders.product.load(l.product_id) as never,
    }),
    quantity: t.exposeInt('quantity'),
    refundedQuantity: t.exposeInt('refunded_quantity'),
    unitPrice: t.expose('unit_price', {
      type: 'SafeInt',
      description: 'What the buyer pays per unit, minor units.',
    }),
    unitRetail: t.expose('unit_retail', { type: 'SafeInt' }),
    unitWholesale: t.expose('unit_wholesale', { type: 'SafeInt' }),
    unitQv: t.expose('unit_qv', { type: 'SafeInt' }),
    unitCv: t.expose('unit_cv', { type: 'SafeInt' }),
    isStarterKit: t.boolean({ resolve: (l) => l.is_starter_kit === 1 }),
    amount: t.field({ type: 'SafeInt', resolve: (l) => l.quantity * l.unit_price }),
  }),
});

const Refund = builder.objectRef<RefundRow>('Refund').implement({
  fields: (t) => ({
    amount: t.expose('amount', { type: 'SafeInt' }),
    qv: t.expose('qv', { type: 'SafeInt' }),
    cv: t.expose('cv', { type: 'SafeInt' }),
    period: t.exposeString('period', { description: 'The commission period whose volume it lowered.' }),
    clawback: t.boolean({
      description:
        'True when the order’s period was already committed, so the volume left the open period instead.',
      resolve: (r) => r.clawback === 1,
    }),
    reason: t.exposeString('reason'),
    createdAt: t.field({ type: 'DateTime', resolve: (r) => r.created_at }),
  }),
});

export const Order = builder.objectRef<OrderRow>('Order');
builder.node(Order, {
  id: { resolve: (o) => o.id },
  loadMany: async (ids, ctx) => {
    const rows = await ordersByIds(ctx.db, ids.map(Number));
    return ids.map((id) => rows.find((r) => r.id === Number(id) && canViewOrder(ctx.viewer, r)) ?? null);
  },
  isTypeOf: (o) => typeof o === 'object' && o !== null && 'idempotency_key' in o,
  fields: (t) => ({
    kind: t.field({ type: OrderKindEnum, resolve: (o) => o.kind }),
    status: t.field({ type: OrderStatusEnum, resolve: (o) => o.status }),
    currency: t.exposeString('currency'),
    total: t.expose('total', { type: 'SafeInt', description: 'Minor units of the currency.' }),
    qv: t.expose('qv', { type: 'SafeInt' }),
    cv: t.expose('cv', { type: 'SafeInt' }),
    distributor: t.field({
      type: Distributor,
      nullable: true,
      resolve: (o, _a, ctx) => visibleDistributor(ctx, o.distributor_id),
    }),
    customer: t.field({
      type: Customer,
      nullable: true,
      resolve: async (o, _a, ctx) => {
        if (o.customer_id == null) return null;
        const c = await ctx.loaders.customer.load(o.customer_id);
        return c && canViewCustomer(ctx.viewer, c) ? c : null;
      },
    }),
    lines: t.field({ type: [OrderLine], resolve: (o, _a, ctx) => ctx.loaders.orderLines.load(o.id) }),
    refunds: t.field({ type: [Refund], resolve: (o, _a, ctx) => refundsOf(ctx.db, o.id) }),
    createdAt: t.field({ type: 'DateTime', resolve: (o) => o.created_at }),
    paidAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'The commission date.',
      resolve: (o) => o.paid_at,
    }),
    period: t.exposeString('period', {
      nullable: true,
      description: 'Commission period (YYYY-MM) of the payment.',
    }),
  }),
});

const OrderFilter = builder.inputType('OrderFilter', {
  fields: (t) => ({
    statuses: t.field({ type: [OrderStatusEnum], required: false }),
    kinds: t.field({ type: [OrderKindEnum], required: false }),
    createdFrom: t.field({ type: 'DateTime', required: false }),
    createdBefore: t.field({ type: 'DateTime', required: false }),
  }),
});

builder.queryField('orders', (t) =>
  t.connection({
    type: Order,
    authScopes: { loggedIn: true },
    description:
      'Orders, newest first: a distributor’s own (theirs and their customers’), or a customer’s history.',
    args: {
      distributorId: t.arg.globalID({ required: false, for: Distributor }),
      customerId: t.arg.globalID({ required: false, for: Customer }),
      filter: t.arg({ type: OrderFilter, required: false }),
    },
    complexity: (args) => ({ field: 2, multiplier: Math.min(args.first ?? args.last ?? 20, 100) }),
    resolve: async (_r, args, ctx) => {
      const v = ctx.viewer;
      const distributorId = listOwner(
        v,
        args.distributorId ? Number(args.distributorId.id) : null,
        'orders',
        'orders:write',
      );
      const customerId = args.customerId ? Number(args.customerId.id) : null;
      if (customerId != null) await requireCustomer(ctx.db, v, customerId);
      return resolvePage<Promise<OrderRow[]>>(
        {
          args,
          toCursor: (o: OrderRow) => encodeCursor([o.created_at, o.id]),
          defaultSize: 20,
          maxSize: 100,
        },
        (page) => ordersPage(ctx.db, { distributorId, customerId, ...(args.filter ?? {}) }, page),
      );
    },
  }),
);

const LineInput = builder.inputType('OrderLineInput', {
  fields: (t) => ({
    productId: t.globalID({ required: true, for: Product }),
    quantity: t.int({ required: true, description: '1 to 10,000.' }),
  }),
});

const CreateOrderInput = builder.inputType('CreateOrderInput', {
  fields: (t) => ({
    customerId: t.globalID({
      required: false,
      for: Customer,
      description: 'A customer order; else a personal one.',
    }),
    distributorId: t.globalID({
      required: false,
      for: Distributor,
      description: 'Staff: whose personal order it is.',
    }),
    currency: t.string({ required: false, description: 'Defaults to the buyer’s market currency.' }),
    lines: t.field({ type: [LineInput], required: true }),
    idempotencyKey: t.string({
      required: false,
      description: 'Retrying with the same key returns the first order instead of creating another.',
    }),
    placedAt: t.field({
      type: 'DateTime',
      required: false,
      description: 'Staff and integrations: when an order taken earlier was placed (default now).',
    }),
  }),
});

builder.mutationField('createOrder', (t) =>
  t.field({
    type: Order,
    errors: {
      types: [ValidationError, NotFoundError, ForbiddenError, ConflictError],
      dataField: { name: 'order' },
    },
    authScopes: { admin: true, distributor: true, integration: 'orders:write' },
    args: { input: t.arg({ type: CreateOrderInput, required: true }) },
    resolve: (_r, { input }, ctx) =>
      createOrder(ctx.db, ctx.viewer, {
        ...input,
        customerId: input.customerId ? Number(input.customerId.id) : null,
        distributorId: input.distributorId ? Number(input.distributorId.id) : null,
        lines: input.lines.map((l) => ({ productId: Number(l.productId.id), quantity: l.quantity })),
      }),
  }),
);

const MarkPaidInput = builder.inputType('MarkOrderPaidInput', {
  fields: (t) => ({
    id: t.globalID({ required: true, for: Order }),
    paidAt: t.field({
      type: 'DateTime',
      required: false,
      description: 'Defaults to now; the commission date.',
    }),
    reference: t.string({ required: false, description: 'The payment provider’s reference.' }),
  }),
});

builder.mutationField('markOrderPaid', (t) =>
  t.field({
    type: Order,
    description: 'Staff or a payment integration records the payment; volumes update at once.',
    errors: { types: [ValidationError, NotFoundError, ConflictError], dataField: { name: 'order' } },
    authScopes: { admin: true, integration: 'orders:write' },
    args: { input: t.arg({ type: MarkPaidInput, required: true }) },
    resolve: (_r, { input }, ctx) =>
      markOrderPaid(ctx.db, ctx.viewer, Number(input.id.id), input.paidAt ?? null, input.reference ?? null),
  }),
);

const CancelInput = builder.inputType('CancelOrderInput', {
  fields: (t) => ({ id: t.globalID({ required: true, for: Order }) }),
});

builder.mutationField('cancelOrder', (t) =>
  t.field({
    type: Order,
    errors: { types: [ValidationError, NotFoundError, ConflictError], dataField: { name: 'order' } },
    authScopes: { loggedIn: true },
    args: { input: t.arg({ type: CancelInput, required: true }) },
    resolve: async (_r, { input }, ctx) => {
      const order = await requireVisibleOrder(ctx.db, ctx.viewer, Number(input.id.id));
      return cancelOrder(ctx.db, order.id);
    },
  }),
);

const RefundLineInput = builder.inputType('RefundLineInput', {
  fields: (t) => ({
    lineId: t.globalID({ required: true, for: OrderLine }),
    quantity: t.int({ required: true, description: '1 to 10,000.' }),
  }),
});
const RefundInput = builder.inputType('RefundOrderInput', {
  fields: (t) => ({
    id: t.globalID({ required: true, for: Order }),
    lines: t.field({
      type: [RefundLineInput],
      required: false,
      description: 'Units per line; absent = everything left.',
    }),
    reason: t.string({ required: true }),
  }),
});

builder.mutationField('refundOrder', (t) =>
  t.field({
    type: Order,
    errors: { types: [ValidationError, NotFoundError, ConflictError], dataField: { name: 'order' } },
    authScopes: { admin: true, integration: 'orders:write' },
    args: { input: t.arg({ type: RefundInput, required: true }) },
    resolve: (_r, { input }, ctx) =>
      refundOrder(ctx.db, Number(input.id.id), {
        reason: input.reason,
        lines: input.lines?.map((l) => ({ lineId: Number(l.lineId.id), quantity: l.quantity })) ?? null,
      }),
  }),
);
