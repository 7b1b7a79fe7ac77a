import { builder } from '../../../graphql/builder';
import type { GraphQLContext } from '../../../graphql/context';
import { resolvePage } from '../../../graphql/pages';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../../lib/errors';
import { encodeCursor } from '../../../lib/keyset';
import { Distributor, visibleDistributor } from '../../genealogy/graphql';
import { createAdjustment, type LedgerEntryRow } from '../adjustments';
import { queueSink } from '../periods/jobs';
import { commit, markPaid, recompute, startClose } from '../periods/lifecycle';
import { setRankOverride } from '../periods/overrides';
import { type PeriodRow, periodById, totalsOf } from '../periods/repository';
import { type RankProgress, type Requirement, rankProgress } from '../progress';
import {
  type LineRow,
  periodResultsPage,
  type ResultRow,
  readableBalance,
  readableBankAccount,
  readableStatement,
  recentPeriods,
  recentPlanVersions,
  statementLines,
} from '../statements';
import {
  createDraft,
  type PlanVersionRow,
  planVersionById,
  scheduleVersion,
  updateDraft,
} from '../versions/repository';

const PlanVersion = builder.objectRef<PlanVersionRow>('PlanVersion');
builder.node(PlanVersion, {
  id: { resolve: (p) => p.id },
  loadOne: (id, ctx) => (ctx.viewer.kind === 'ADMIN' ? planVersionById(ctx.db, Number(id)) : null),
  isTypeOf: (o) => typeof o === 'object' && o !== null && 'effective_from' in o,
  fields: (t) => ({
    name: t.exposeString('name'),
    plan: t.field({ type: 'JSON', resolve: (p) => JSON.parse(p.plan) }),
    status: t.exposeString('status', { description: 'DRAFT, or SCHEDULED (in force from effectiveFrom).' }),
    effectiveFrom: t.exposeString('effective_from', { nullable: true }),
    used: t.boolean({
      description: 'A period was closed under it: it never changes again.',
      resolve: (p) => p.used === 1,
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (p) => p.created_at }),
  }),
});

const Progress = builder.objectRef<PeriodRow>('PeriodProgress').implement({
  fields: (t) => ({
    step: t.exposeString('step', { nullable: true, description: 'snapshot, load, compute, write or done.' }),
    done: t.exposeInt('step_done'),
    total: t.exposeInt('step_total'),
  }),
});

const BonusAmount = builder.objectRef<{ bonus: string; amount: number }>('BonusAmount').implement({
  fields: (t) => ({ bonus: t.exposeString('bonus'), amount: t.expose('amount', { type: 'SafeInt' }) }),
});

const PeriodTotalsType = builder
  .objectRef<NonNullable<ReturnType<typeof totalsOf>>>('PeriodTotals')
  .implement({
    description: 'Money in minor units of the payout currency.',
    fields: (t) => ({
      totalCv: t.expose('totalCv', { type: 'SafeInt' }),
      beforeCap: t.expose('beforeCap', { type: 'SafeInt' }),
      capApplied: t.exposeBoolean('capApplied'),
      total: t.expose('total', { type: 'SafeInt' }),
      payout: t.expose('payout', { type: 'SafeInt' }),
      carried: t.expose('carried', { type: 'SafeInt' }),
      lines: t.exposeInt('lines'),
      payoutPercentOfCv: t.float({ resolve: (x) => (x.totalCv > 0 ? (100 * x.payout) / x.totalCv : 0) }),
      byBonus: t.field({
        type: [BonusAmount],
        resolve: (x) => Object.entries(x.byBonus).map(([bonus, amount]) => ({ bonus, amount })),
      }),
    }),
  });

export type { LineRow };

export const CommissionLine = builder.objectRef<LineRow>('CommissionLine').implement({
  fields: (t) => ({
    bonus: t.exposeString('bonus'),
    component: t.string({
      description: 'e.g. unilevel:L3, binary:pair, stairstep:own, stairstep:child:<id>, matching:G1, retail.',
      resolve: (l) => {
        if (['unilevel', 'matrix', 'fastStart'].includes(l.bonus)) return `${l.bonus}:L${l.level}`;
        if (['leadership', 'matching'].includes(l.bonus)) return `${l.bonus}:G${l.level}`;
        if (l.bonus === 'binary') return 'binary:pair';
        if (l.bonus === 'stairstep') return l.source_id ? `stairstep:child:${l.source_id}` : 'stairstep:own';
        return l.bonus;
      },
    }),
    level: t.exposeInt('level'),
    volume: t.expose('volume', { type: 'SafeInt', description: 'The volume V the rate applies to.' }),
    rateBasisPoints: t.exposeInt('bp'),
    beforeCap: t.expose('before_cap', {
      type: 'SafeInt',
      description: 'floor(rate × V / 10000), before the period cap.',
    }),
    amount: t.expose('amount', { type: 'SafeInt' }),
  }),
});

const Statement = builder.objectRef<ResultRow>('CommissionStatement').implement({
  description: 'What one distributor earned in one period (the latest computation of a period in review).',
  fields: (t) => ({
    period: t.exposeString('period_id'),
    distributor: t.field({
      type: Distributor,
      nullable: true,
      resolve: (r, _a, ctx) => visibleDistributor(ctx, r.distributor_id),
    }),
    pv: t.expose('pv', { type: 'SafeInt' }),
    cv: t.expose('cv', { type: 'SafeInt' }),
    gv: t.expose('gv', { type: 'SafeInt' }),
    gcv: t.expose('gcv', { type: 'SafeInt' }),
    active: t.boolean({ resolve: (r) => r.active === 1 }),
    paidAsRank: t.exposeString('paid_as_rank', { nullable: true }),
    lifetimeRank: t.exposeString('lifetime_rank', { nullable: true }),
    total: t.expose('total', { type: 'SafeInt' }),
    payout: t.expose('payout', { type: 'SafeInt' }),
    balanceIn: t.expose('balance_in', { type: 'SafeInt' }),
    balanceOut: t.expose('balance_out', { type: 'SafeInt' }),
    binaryCarryLeft: t.expose('carry_left', { type: 'SafeInt' }),
    binaryCarryRight: t.expose('carry_right', { type: 'SafeInt' }),
    holdReason: t.exposeString('hold_reason', {
      nullable: true,
      description:
        'Why the payout was held: AGREEMENT_UNSIGNED (the company holds members without a signed agreement).',
    }),
    lines: t.field({
      type: [CommissionLine],
      resolve: (r, _a, ctx) => statementLines(ctx.db, ctx.env.FILES, r),
    }),
  }),
});

export const CommissionPeriod = builder.objectRef<PeriodRow>('CommissionPeriod');
builder.node(CommissionPeriod, {
  id: { resolve: (p) => p.id },
  loadOne: (id, ctx) => (ctx.viewer.kind === 'ADMIN' ? periodById(ctx.db, String(id)) : null),
  isTypeOf: (o) => typeof o === 'object' && o !== null && 'member_count' in o,
  fields: (t) => ({
    period: t.exposeString('id', { description: 'YYYY-MM in the company time zone.' }),
    status: t.exposeString('status', { description: 'OPEN, CLOSING, REVIEW, COMMITTED or PAID.' }),
    startsAt: t.field({ type: 'DateTime', nullable: true, resolve: (p) => p.starts_at }),
    endsAt: t.field({ type: 'DateTime', nullable: true, resolve: (p) => p.ends_at }),
    planVersion: t.field({
      type: PlanVersion,
      nullable: true,
      resolve: (p, _a, ctx) => (p.plan_version_id ? planVersionById(ctx.db, p.plan_version_id) : null),
    }),
    run: t.exposeInt('run', { description: 'How many times it was computed.' }),
    progress: t.field({ type: Progress, resolve: (p) => p }),
    memberCount: t.exposeInt('member_count', { nullable: true }),
    totals: t.field({ type: PeriodTotalsType, nullable: true, resolve: (p) => totalsOf(p) }),
    error: t.exposeString('error', { nullable: true }),
    results: t.connection({
      type: Statement,
      description: 'Every distributor’s result, highest total first.',
      resolve: (p, args, ctx) =>
        resolvePage<Promise<ResultRow[]>>(
          {
            args,
            toCursor: (r: ResultRow) => encodeCursor([r.total, r.distributor_id]),
            defaultSize: 20,
            maxSize: 100,
          },
          (page) => periodResultsPage(ctx.db, p.id, page),
        ),
    }),
  }),
});

function requireAdmin(ctx: GraphQLContext) {
  if (ctx.viewer.kind !== 'ADMIN') throw new ForbiddenError('Staff only.');
}

builder.queryFields((t) => ({
  planVersions: t.field({
    type: [PlanVersion],
    authScopes: { admin: true },
    resolve: (_r, _a, ctx) => recentPlanVersions(ctx.db),
  }),
  commissionPeriod: t.field({
    type: CommissionPeriod,
    nullable: true,
    authScopes: { admin: true },
    args: { period: t.arg.string({ required: true }) },
    resolve: (_r, args, ctx) => periodById(ctx.db, args.period),
  }),
  commissionPeriods: t.field({
    type: [CommissionPeriod],
    authScopes: { admin: true },
    resolve: (_r, _a, ctx) => recentPeriods(ctx.db),
  }),
}));

builder.objectFields(Distributor, (t) => ({
  statement: t.field({
    type: Statement,
    nullable: true,
    description:
      'Their commission statement of a period: only the distributor themself and staff may read it.',
    args: { period: t.arg.string({ required: true }) },
    resolve: (d, args, ctx) => readableStatement(ctx.db, ctx.viewer, args.period, d.id),
  }),
  balance: t.field({
    type: 'SafeInt',
    nullable: true,
    description: 'Ledger balance (earned, adjusted, not yet paid): the distributor themself and staff.',
    resolve: (d, _a, ctx) => readableBalance(ctx.db, ctx.viewer, d.id),
  }),
}));

const periodInput = (name: string) =>
  builder.inputType(name, {
    fields: (t) => ({ period: t.string({ required: true, description: 'YYYY-MM' }) }),
  });

const periodMutation = (
  name: string,
  description: string,
  run: (ctx: GraphQLContext, period: string) => Promise<PeriodRow>,
) => {
  const Input = periodInput(`${name[0].toUpperCase()}${name.slice(1)}Input`);
  builder.mutationField(name, (t) =>
    t.field({
      type: CommissionPeriod,
      description,
      errors: { types: [ValidationError, NotFoundError, ConflictError], dataField: { name: 'period' } },
      authScopes: { admin: true },
      args: { input: t.arg({ type: Input, required: true }) },
      resolve: (_r, { input }, ctx) => run(ctx, input.period),
    }),
  );
};

periodMutation(
  'startPeriodClose',
  'OPEN → CLOSING: freeze the period and compute it in queued steps.',
  (ctx, p) => startClose(ctx.db, queueSink(ctx.env), p, new Date()),
);
periodMutation(
  'recomputePeriod',
  'REVIEW: compute again from the same snapshot (e.g. after forcing a rank).',
  (ctx, p) => recompute(ctx.db, queueSink(ctx.env), p),
);
periodMutation('commitPeriod', 'REVIEW → COMMITTED: results enter the ledger.', (ctx, p) =>
  commit(ctx.db, ctx.env, p, new Date()),
);
periodMutation('markPeriodPaid', 'COMMITTED → PAID: record the payout batch.', (ctx, p) =>
  markPaid(ctx.db, p, new Date()),
);

const CreatePlanInput = builder.inputType('CreatePlanVersionInput', {
  fields: (t) => ({ name: t.string({ required: true }), plan: t.field({ type: 'JSON', required: true }) }),
});

builder.mutationField('createPlanVersion', (t) =>
  t.field({
    type: PlanVersion,
    description: 'A draft plan version, validated now: a bad plan returns every issue with its path.',
    errors: { types: [ValidationError], dataField: { name: 'planVersion' } },
    authScopes: { admin: true },
    args: { input: t.arg({ type: CreatePlanInput, required: true }) },
    resolve: (_r, { input }, ctx) => createDraft(ctx.db, input.name, input.plan),
  }),
);

const UpdatePlanInput = builder.inputType('UpdatePlanVersionInput', {
  fields: (t) => ({
    id: t.globalID({ required: true, for: PlanVersion }),
    name: t.string({ required: false }),
    plan: t.field({ type: 'JSON', required: false }),
  }),
});

builder.mutationField('updatePlanVersion', (t) =>
  t.field({
    type: PlanVersion,
    errors: { types: [ValidationError, NotFoundError, ConflictError], dataField: { name: 'planVersion' } },
    authScopes: { admin: true },
    args: { input: t.arg({ type: UpdatePlanInput, required: true }) },
    resolve: (_r, { input }, ctx) => updateDraft(ctx.db, Number(input.id.id), input.name ?? null, input.plan),
  }),
);

const SchedulePlanInput = builder.inputType('SchedulePlanVersionInput', {
  fields: (t) => ({
    id: t.globalID({ required: true, for: PlanVersion }),
    effectiveFrom: t.string({ required: true, description: 'First period (YYYY-MM) it is in force for.' }),
  }),
});

builder.mutationField('schedulePlanVersion', (t) =>
  t.field({
    type: PlanVersion,
    errors: { types: [ValidationError, NotFoundError, ConflictError], dataField: { name: 'planVersion' } },
    authScopes: { admin: true },
    args: { input: t.arg({ type: SchedulePlanInput, required: true }) },
    resolve: (_r, { input }, ctx) => scheduleVersion(ctx.db, Number(input.id.id), input.effectiveFrom),
  }),
);

const ForceRankInput = builder.inputType('ForcePaidAsRankInput', {
  fields: (t) => ({
    period: t.string({ required: true }),
    distributorId: t.globalID({ required: true, for: Distributor }),
    rankId: t.string({
      required: false,
      description: 'The rank to pay as (a rank id of the period’s plan).',
    }),
    noRank: t.boolean({
      required: false,
      description: 'true: pay as no rank at all (give no rankId). With neither, the override is removed.',
    }),
    reason: t.string({ required: true }),
  }),
});

builder.mutationField('forcePaidAsRank', (t) =>
  t.field({
    type: CommissionPeriod,
    description:
      'Staff override of a paid-as rank for a period not yet committed, higher or lower than computed (noRank: none at all); recompute to apply it.',
    errors: { types: [ValidationError, NotFoundError, ConflictError], dataField: { name: 'period' } },
    authScopes: { admin: true },
    args: { input: t.arg({ type: ForceRankInput, required: true }) },
    resolve: async (_r, { input }, ctx) => {
      requireAdmin(ctx);
      await setRankOverride(ctx.db, { ...input, distributorId: Number(input.distributorId.id) }, async (id) =>
        Boolean(await ctx.loaders.distributor.load(id)),
      );
      return (
        (await periodById(ctx.db, input.period)) ??
        ({ id: input.period, status: 'OPEN', run: 0, step: null, step_done: 0, step_total: 0 } as PeriodRow)
      );
    },
  }),
);

const AdjustmentType = builder.enumType('AdjustmentType', {
  values: ['BONUS', 'CORRECTION', 'CHARGEBACK', 'OTHER'] as const,
});

const AdjustmentInput = builder.inputType('CreateLedgerAdjustmentInput', {
  fields: (t) => ({
    distributorId: t.globalID({ required: true, for: Distributor }),
    amount: t.field({
      type: 'SafeInt',
      required: true,
      description:
        'Minor units of the payout currency; negative to deduct; not 0, at most 100,000,000 either way.',
    }),
    type: t.field({ type: AdjustmentType, required: true }),
    reason: t.string({ required: true }),
  }),
});

const LedgerEntry = builder.objectRef<LedgerEntryRow>('LedgerEntry').implement({
  fields: (t) => ({
    kind: t.exposeString('kind'),
    amount: t.expose('amount', { type: 'SafeInt' }),
    currency: t.exposeString('currency'),
    period: t.exposeString('period_id', { nullable: true }),
    adjustmentType: t.exposeString('adjustment_type', { nullable: true }),
    reason: t.exposeString('reason', { nullable: true }),
    createdAt: t.field({ type: 'DateTime', resolve: (e) => e.created_at }),
  }),
});

builder.mutationField('createLedgerAdjustment', (t) =>
  t.field({
    type: LedgerEntry,
    description:
      'Staff: a typed manual adjustment with a reason; the ledger is never edited, only appended to.',
    errors: { types: [ValidationError, NotFoundError], dataField: { name: 'entry' } },
    authScopes: { admin: true },
    args: { input: t.arg({ type: AdjustmentInput, required: true }) },
    resolve: async (_r, { input }, ctx) => {
      if (ctx.viewer.kind !== 'ADMIN') throw new ForbiddenError();
      return createAdjustment(
        ctx.db,
        ctx.viewer.staffId,
        {
          distributorId: Number(input.distributorId.id),
          amount: input.amount,
          type: input.type,
          reason: input.reason,
          currency: (await ctx.loaders.settings()).payoutCurrency,
        },
        async (id) => Boolean(await ctx.loaders.distributor.load(id)),
      );
    },
  }),
);

const BankAccount = builder.objectRef<{ iban: string | null; bic: string | null }>('BankAccount').implement({
  fields: (t) => ({
    iban: t.exposeString('iban', { nullable: true }),
    bic: t.exposeString('bic', { nullable: true }),
  }),
});

builder.objectField(Distributor, 'bankAccount', (t) =>
  t.field({
    type: BankAccount,
    nullable: true,
    description: 'Where payouts go: only the distributor themself and staff see it.',
    resolve: (d, _a, ctx) => readableBankAccount(ctx.db, ctx.viewer, d.id),
  }),
);

const RequirementType = builder.objectRef<Requirement>('RankRequirement').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    required: t.expose('required', { type: 'SafeInt' }),
    current: t.expose('current', { type: 'SafeInt' }),
    met: t.exposeBoolean('met'),
  }),
});

const RankProgressType = builder.objectRef<RankProgress>('RankProgress').implement({
  description: 'Live, for the open period: an estimate until the period is closed.',
  fields: (t) => ({
    period: t.exposeString('period'),
    currentRank: t.exposeString('currentRank', { nullable: true }),
    nextRank: t.exposeString('nextRank', { nullable: true }),
    requirements: t.field({
      type: [RequirementType],
      description: 'The tests of the next rank.',
      resolve: (p) => p.requirements,
    }),
  }),
});

builder.objectField(Distributor, 'rankProgress', (t) =>
  t.field({
    type: RankProgressType,
    nullable: true,
    description: 'What is still missing for the next rank this period (the distributor themself and staff).',
    complexity: 10,
    resolve: (d, _a, ctx) => {
      const v = ctx.viewer;
      if (!(v.kind === 'ADMIN' || (v.kind === 'DISTRIBUTOR' && v.distributorId === d.id))) return null;
      return rankProgress(ctx.db, d, new Date());
    },
  }),
);
