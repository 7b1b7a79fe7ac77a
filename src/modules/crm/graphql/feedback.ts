import { builder } from '../../../graphql/builder';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../../lib/errors';
import { encodeGlobalId } from '../../../lib/globalId';
import { Customer } from '../../customers/graphql';
import { canViewCustomer, customersByIds } from '../../customers/repository';
import { Distributor } from '../../genealogy/graphql';
import { Order } from '../../orders/graphql';
import { type FeedbackRow, type FeedbackSummary, feedbackSummary, recordFeedback } from '../feedback';
import { ownerScope } from '../ownerScope';

const Feedback = builder.objectRef<FeedbackRow>('Feedback').implement({
  description: 'A customer’s NPS answer (0-10) with a comment, about an order or in general.',
  fields: (t) => ({
    id: t.globalID({ resolve: (f) => ({ type: 'Feedback', id: String(f.id) }) }),
    score: t.exposeInt('score'),
    comment: t.exposeString('comment', { nullable: true }),
    customer: t.field({
      type: Customer,
      nullable: true,
      resolve: async (f, _a, ctx) => {
        const [c] = await customersByIds(ctx.db, [f.customer_id]);
        return c && canViewCustomer(ctx.viewer, c) ? c : null;
      },
    }),
    orderId: t.id({
      nullable: true,
      resolve: (f) => (f.order_id == null ? null : encodeGlobalId('Order', f.order_id)),
    }),
    recordedBy: t.exposeString('recorded_by'),
    createdAt: t.field({ type: 'DateTime', resolve: (f) => f.created_at }),
  }),
});

const RecordFeedbackInput = builder.inputType('RecordFeedbackInput', {
  description: 'Give the order (feedback about it) or the customer (general feedback).',
  fields: (t) => ({
    customerId: t.globalID({ required: false, for: Customer }),
    orderId: t.globalID({ required: false, for: Order }),
    score: t.int({ required: true, description: '0 to 10.' }),
    comment: t.string({ required: false }),
  }),
});

builder.mutationField('recordFeedback', (t) =>
  t.field({
    type: Feedback,
    description:
      'By the customer’s owner, staff, or an integration with the feedback:write scope. One per order.',
    errors: {
      types: [ValidationError, NotFoundError, ForbiddenError, ConflictError],
      dataField: { name: 'feedback' },
    },
    authScopes: { admin: true, distributor: true, integration: 'feedback:write' },
    args: { input: t.arg({ type: RecordFeedbackInput, required: true }) },
    resolve: (_r, { input }, ctx) => {
      return recordFeedback(
        ctx.db,
        ctx.viewer,
        {
          customerId: input.customerId ? Number(input.customerId.id) : null,
          orderId: input.orderId ? Number(input.orderId.id) : null,
        },
        { score: input.score, comment: input.comment },
      );
    },
  }),
);

const FeedbackSummaryType = builder.objectRef<FeedbackSummary>('FeedbackSummary').implement({
  description: 'NPS = % promoters (9-10) - % detractors (0-6), rounded; null without answers.',
  fields: (t) => ({
    responses: t.exposeInt('responses'),
    averageScore: t.exposeFloat('averageScore', { nullable: true }),
    promoters: t.exposeInt('promoters'),
    passives: t.exposeInt('passives'),
    detractors: t.exposeInt('detractors'),
    nps: t.exposeInt('nps', { nullable: true }),
  }),
});

builder.queryField('feedbackSummary', (t) =>
  t.field({
    type: FeedbackSummaryType,
    authScopes: { admin: true, distributor: true },
    description:
      'A distributor’s own customers’ feedback; staff: one distributor’s, or the company’s (no id).',
    args: {
      distributorId: t.arg.globalID({ required: false, for: Distributor }),
      from: t.arg({ type: 'DateTime', required: false }),
      to: t.arg({ type: 'DateTime', required: false, description: 'Exclusive.' }),
    },
    resolve: (_r, args, ctx) => {
      const who = ownerScope(ctx.viewer, args.distributorId ? Number(args.distributorId.id) : null);
      return feedbackSummary(ctx.db, who, args.from ?? null, args.to ?? null);
    },
  }),
);
