import { builder } from '../../../graphql/builder';
import { ConflictError, NotFoundError, ValidationError } from '../../../graphql/errors';
import { LineIssue } from '../../../graphql/errorTypes';
import { checkPageSize } from '../../../graphql/pages';
import { IMPORT_FORMATS } from './parse';
import {
  createOrderImport,
  type ORDER_IMPORT_STATUSES,
  type OrderImportRow,
  orderImportById,
  orderImportIssues,
  orderImportsByIds,
} from './repository';
import { importOrdersInOneCall, MAX_PART_BYTES, startOrderImport } from './service';

const FormatEnum = builder.enumType('OrderImportFormat', { values: IMPORT_FORMATS });
const StatusEnum = builder.enumType('OrderImportStatus', {
  values: {
    UPLOADING: { description: 'Waiting for parts (PUT /imports/orders/:id/parts/:n) and startOrderImport.' },
    VALIDATING: { description: 'Queued: checking the whole file.' },
    APPLYING: { description: 'Queued: writing the orders chunk by chunk, then the volumes.' },
    DONE: { description: 'Every order was written and the live volumes include them.' },
    REJECTED: { description: 'The file has problems (see issues); nothing was written.' },
    FAILED: { description: 'Applying failed; whatever was written has been removed.' },
  } satisfies Record<(typeof ORDER_IMPORT_STATUSES)[number], unknown>,
});

const Progress = builder
  .objectRef<{ step: string; done: number; total: number }>('OrderImportProgress')
  .implement({
    fields: (t) => ({
      step: t.exposeString('step', {
        description:
          'upload, validate (orders read), orders (order chunks written) or volumes (volume chunks written).',
      }),
      done: t.exposeInt('done'),
      total: t.exposeInt('total'),
    }),
  });

export const OrderImport = builder.objectRef<OrderImportRow>('OrderImport');

builder.node(OrderImport, {
  description: 'A bulk import of orders (staff only).',
  id: { resolve: (r) => r.id },
  loadMany: async (ids, ctx) => {
    if (ctx.viewer.kind !== 'ADMIN') return ids.map(() => null);
    const rows = await orderImportsByIds(ctx.db, ids.map(Number));
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(Number(id)) ?? null);
  },
  isTypeOf: (o) => typeof o === 'object' && o !== null && 'order_chunks' in o,
  fields: (t) => ({
    status: t.field({ type: StatusEnum, resolve: (r) => r.status }),
    format: t.field({ type: FormatEnum, resolve: (r) => r.format }),
    totalOrders: t.exposeInt('total_rows', {
      nullable: true,
      description: 'Orders in the file (once started).',
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (r) => r.created_at }),
    finishedAt: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.finished_at }),
    error: t.exposeString('error', { nullable: true, description: 'Why applying FAILED.' }),
    issueCount: t.exposeInt('issue_count', {
      description: 'All problems found (issues lists the first ones).',
    }),
    progress: t.field({
      type: Progress,
      resolve: (r) => ({ step: r.step ?? 'upload', done: r.done, total: r.total }),
    }),
    issues: t.field({
      type: [LineIssue],
      description:
        'Why the file was REJECTED: line-numbered (1-based, whole file; CSV header = line 1), by line.',
      args: { first: t.arg.int({ required: false, defaultValue: 100, description: '1 to 1000.' }) },
      complexity: (args) => ({ field: 1, multiplier: Math.min(args.first ?? 100, 1000) / 10 }),
      resolve: (r, args, ctx) => {
        checkPageSize('first', args.first, 1000);
        return orderImportIssues(ctx.db, r.id, args.first ?? 100);
      },
    }),
  }),
});

builder.queryField('orderImport', (t) =>
  t.field({
    type: OrderImport,
    nullable: true,
    authScopes: { admin: true },
    args: { id: t.arg.globalID({ required: true, for: OrderImport }) },
    resolve: (_r, args, ctx) => orderImportById(ctx.db, Number(args.id.id)),
  }),
);

const staffIdOf = (v: { kind: string; staffId?: number }) =>
  v.kind === 'ADMIN' ? (v.staffId ?? null) : null;

builder.mutationField('createOrderImport', (t) =>
  t.field({
    type: OrderImport,
    description:
      'Staff: start an order upload. Then PUT each part (whole orders; every CSV part begins with the header) to /imports/orders/:id/parts/:n and call startOrderImport.',
    authScopes: { admin: true },
    errors: { types: [ValidationError], dataField: { name: 'import' } },
    args: {
      input: t.arg({
        required: true,
        type: builder.inputType('CreateOrderImportInput', {
          fields: (f) => ({ format: f.field({ type: FormatEnum, required: true }) }),
        }),
      }),
    },
    resolve: (_r, { input }, ctx) => createOrderImport(ctx.db, input.format, staffIdOf(ctx.viewer as never)),
  }),
);

builder.mutationField('startOrderImport', (t) =>
  t.field({
    type: OrderImport,
    description:
      'Staff: every part is uploaded; validate and apply the file in queued steps (watch progress).',
    authScopes: { admin: true },
    errors: { types: [ValidationError, NotFoundError, ConflictError], dataField: { name: 'import' } },
    args: {
      input: t.arg({
        required: true,
        type: builder.inputType('StartOrderImportInput', {
          fields: (f) => ({ id: f.globalID({ required: true, for: OrderImport }) }),
        }),
      }),
    },
    resolve: (_r, { input }, ctx) => startOrderImport(ctx.env, Number(input.id.id)),
  }),
);

builder.mutationField('importOrders', (t) =>
  t.field({
    type: OrderImport,
    description: 'Staff: a small order file in one call (create, one part, start).',
    authScopes: { admin: true },
    errors: { types: [ValidationError, ConflictError], dataField: { name: 'import' } },
    args: {
      input: t.arg({
        required: true,
        type: builder.inputType('ImportOrdersInput', {
          fields: (f) => ({
            format: f.field({ type: FormatEnum, required: true }),
            content: f.string({ required: true }),
          }),
        }),
      }),
    },
    resolve: (_r, { input }, ctx) => {
      if (new TextEncoder().encode(input.content).length > MAX_PART_BYTES)
        throw new ValidationError('Content too large: upload it in parts.', [
          {
            path: 'content',
            message: `At most ${MAX_PART_BYTES} bytes.`,
            code: 'TOO_LARGE',
            params: { max: MAX_PART_BYTES },
          },
        ]);
      return importOrdersInOneCall(ctx.env, input.format, input.content, staffIdOf(ctx.viewer as never));
    },
  }),
);
