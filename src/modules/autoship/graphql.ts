import { builder } from '../../graphql/builder';
import { resolvePage } from '../../graphql/pages';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../lib/errors';
import { encodeCursor } from '../../lib/keyset';
import { Product } from '../catalog/graphql';
import { productsByIds } from '../catalog/repository';
import { Customer } from '../customers/graphql';
import { canViewCustomer, customersByIds } from '../customers/repository';
import { Distributor, visibleDistributor } from '../genealogy/graphql';
import { Order } from '../orders/graphql';
import { ordersByIds } from '../orders/repository';
import { type AutoshipRunRow, autoshipRuns, autoshipsPage } from './lists';
import {
  type AutoshipRow,
  autoshipsByIds,
  canViewAutoship,
  createAutoship,
  requireAutoship,
  updateAutoship,
} from './repository';

const AutoshipStatus = builder.enumType('AutoshipStatus', {
  values: ['ACTIVE', 'PAUSED', 'CANCELLED'] as const,
});

const AutoshipLine = builder.objectRef<{ productId: number; quantity: number }>('AutoshipLine').implement({
  fields: (t) => ({
    product: t.field({
      type: Product,
      nullable: true,
      resolve: async (l, _a, ctx) => (await productsByIds(ctx.db, [l.productId]))[0] ?? null,
    }),
    quantity: t.exposeInt('quantity'),
  }),
});

type RunRow = Pick<AutoshipRunRow, 'due_date' | 'order_id' | 'error'>;

const AutoshipRun = builder.objectRef<RunRow>('AutoshipRun').implement({
  fields: (t) => ({
    dueDate: t.exposeString('due_date'),
    order: t.field({
      type: Order,
      nullable: true,
      resolve: async (r, _a, ctx) =>
        r.order_id ? ((await ordersByIds(ctx.db, [r.order_id]))[0] ?? null) : null,
    }),
    error: t.exposeString('error', { nullable: true, description: 'Why no order was made for this date.' }),
  }),
});

export const Autoship = builder.objectRef<AutoshipRow>('Autoship');
builder.node(Autoship, {
  id: { resolve: (a) => a.id },
  loadMany: async (ids, ctx) => {
    const rows = await autoshipsByIds(ctx.db, ids.map(Number));
    return ids.map((id) => rows.find((r) => r.id === Number(id) && canViewAutoship(ctx.viewer, r)) ?? null);
  },
  isTypeOf: (o) => typeof o === 'object' && o !== null && 'next_date' in o,
  fields: (t) => ({
    status: t.field({ type: AutoshipStatus, resolve: (a) => a.status }),
    lines: t.field({ type: [AutoshipLine], resolve: (a) => JSON.parse(a.lines) }),
    intervalDays: t.exposeInt('interval_days', { nullable: true }),
    dayOfMonth: t.exposeInt('day_of_month', { nullable: true }),
    nextDate: t.exposeString('next_date', {
      description: 'Next order date (YYYY-MM-DD, company time zone).',
    }),
    distributor: t.field({
      type: Distributor,
      nullable: true,
      resolve: (a, _x, ctx) => visibleDistributor(ctx, a.distributor_id),
    }),
    customer: t.field({
      type: Customer,
      nullable: true,
      resolve: async (a, _x, ctx) => {
        if (a.customer_id == null) return null;
        const [c] = await customersByIds(ctx.db, [a.customer_id]);
        return c && canViewCustomer(ctx.viewer, c) ? c : null;
      },
    }),
    runs: t.field({
      type: [AutoshipRun],
      description: 'Orders made so far, newest first (at most 24).',
      resolve: (a, _x, ctx) => autoshipRuns(ctx.db, a.id),
    }),
  }),
});

builder.queryField('autoships', (t) =>
  t.connection({
    type: Autoship,
    authScopes: { loggedIn: true },
    description: 'A distributor’s autoships (their own and their customers’); staff see all.',
    args: { customerId: t.arg.globalID({ required: false, for: Customer }) },
    complexity: (args) => ({ field: 2, multiplier: Math.min(args.first ?? args.last ?? 20, 100) }),
    resolve: (_r, args, ctx) =>
      resolvePage<Promise<AutoshipRow[]>>(
        { args, toCursor: (a: AutoshipRow) => encodeCursor([a.id]), defaultSize: 20, maxSize: 100 },
        (page) =>
          autoshipsPage(ctx.db, ctx.viewer, args.customerId ? Number(args.customerId.id) : null, page),
      ),
  }),
);

const AutoshipLineInput = builder.inputType('AutoshipLineInput', {
  fields: (t) => ({
    productId: t.globalID({ required: true, for: Product }),
    quantity: t.int({ required: true, description: '1 to 10,000.' }),
  }),
});

const CreateAutoshipInput = builder.inputType('CreateAutoshipInput', {
  fields: (t) => ({
    customerId: t.globalID({
      required: false,
      for: Customer,
      description: 'A customer’s subscription; else the distributor’s own.',
    }),
    distributorId: t.globalID({ required: false, for: Distributor, description: 'Staff: the owner.' }),
    lines: t.field({ type: [AutoshipLineInput], required: true }),
    intervalDays: t.int({ required: false, description: 'Every N days (7–365)…' }),
    dayOfMonth: t.int({ required: false, description: '…or on this day of every month (1–28).' }),
    startDate: t.string({
      required: false,
      description: 'First possible order date, YYYY-MM-DD (default today).',
    }),
  }),
});

builder.mutationField('createAutoship', (t) =>
  t.field({
    type: Autoship,
    errors: { types: [ValidationError, NotFoundError, ForbiddenError], dataField: { name: 'autoship' } },
    authScopes: { admin: true, distributor: true },
    args: { input: t.arg({ type: CreateAutoshipInput, required: true }) },
    resolve: (_r, { input }, ctx) => {
      const v = ctx.viewer;
      let owner: number;
      if (v.kind === 'DISTRIBUTOR') {
        if (input.distributorId && Number(input.distributorId.id) !== v.distributorId)
          throw new ForbiddenError();
        owner = v.distributorId;
      } else {
        if (!input.distributorId)
          throw new ValidationError('Say who owns the autoship.', [
            { path: 'distributorId', message: 'Required.', code: 'REQUIRED' },
          ]);
        owner = Number(input.distributorId.id);
      }
      return createAutoship(ctx.db, v, {
        ...input,
        distributorId: owner,
        customerId: input.customerId ? Number(input.customerId.id) : null,
        lines: input.lines.map((l) => ({ productId: Number(l.productId.id), quantity: l.quantity })),
      });
    },
  }),
);

const UpdateAutoshipInput = builder.inputType('UpdateAutoshipInput', {
  fields: (t) => ({
    id: t.globalID({ required: true, for: Autoship }),
    lines: t.field({ type: [AutoshipLineInput], required: false }),
    status: t.field({ type: AutoshipStatus, required: false, description: 'Pause, resume or cancel.' }),
    nextDate: t.string({ required: false, description: 'Move the next order date (YYYY-MM-DD).' }),
  }),
});

builder.mutationField('updateAutoship', (t) =>
  t.field({
    type: Autoship,
    errors: { types: [ValidationError, NotFoundError, ConflictError], dataField: { name: 'autoship' } },
    authScopes: { admin: true, distributor: true },
    args: { input: t.arg({ type: UpdateAutoshipInput, required: true }) },
    resolve: async (_r, { input }, ctx) => {
      const current = await requireAutoship(ctx.db, ctx.viewer, Number(input.id.id));
      return updateAutoship(ctx.db, current, {
        status: input.status,
        nextDate: input.nextDate,
        lines: input.lines?.map((l) => ({ productId: Number(l.productId.id), quantity: l.quantity })),
      });
    },
  }),
);
