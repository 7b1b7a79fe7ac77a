// GraphQL of compliance (issue 15 §1-§2): retail-versus-internal figures, thresholds and who falls short of
// them, what commissions go to starter kits and own purchases, and the income disclosure statement.
// Staff see everything; a distributor sees their own figures only (never another member's, not even their
// downline's); the income disclosure is staff-only (its HTML page is what a company publishes for prospects).
import { builder } from '../../graphql/builder';
import type { GraphQLContext } from '../../graphql/context';
import { resolvePage } from '../../graphql/pages';
import { ForbiddenError, ValidationError } from '../../lib/errors';
import { encodeCursor } from '../../lib/keyset';
import { Distributor } from '../genealogy/graphql';
import type { DistributorRow } from '../genealogy/model';
import type { DisclosureGroup, EarningsStats } from './disclosure';
import {
  type Attribution,
  attribution,
  type CompanyFigures,
  companyFigures,
  memberFigures,
  memberTeamVolume,
  requirePeriod,
  updateThresholds,
} from './figures';
import { type RetailVolume, shareBp, shortfalls, type Thresholds } from './model';
import { belowThresholdPage, loadThresholds, type MemberFigureRow } from './repository';
import { type IncomeDisclosure, incomeDisclosure } from './statement';

const ThresholdsType = builder.objectRef<Thresholds>('ComplianceThresholds').implement({
  description: 'The retail thresholds the company checks every distributor’s period against; null = none.',
  fields: (t) => ({
    minCustomerVolumeBasisPoints: t.exposeInt('minCustomerVolumeBp', {
      nullable: true,
      description: 'Least share of a distributor’s PV from CUSTOMER orders, basis points (7000 = 70 %).',
    }),
    minCustomerVolumePercent: t.float({
      nullable: true,
      resolve: (x) => (x.minCustomerVolumeBp == null ? null : x.minCustomerVolumeBp / 100),
    }),
    minRetailCustomers: t.exposeInt('minRetailCustomers', {
      nullable: true,
      description: 'Least number of distinct paying retail customers in a period.',
    }),
  }),
});

const RetailVolumeType = builder.objectRef<RetailVolume>('RetailVolume').implement({
  description:
    'QV (points) and CV (minor units of the payout currency) of one period split by order kind: CUSTOMER orders (retail) versus the distributors’ own PERSONAL orders (internal). Shares are basis points, floored; null without positive volume.',
  fields: (t) => ({
    pv: t.expose('pv', { type: 'SafeInt' }),
    cv: t.expose('cv', { type: 'SafeInt' }),
    customerPv: t.expose('customerPv', { type: 'SafeInt' }),
    customerCv: t.expose('customerCv', { type: 'SafeInt' }),
    personalPv: t.field({ type: 'SafeInt', resolve: (v) => v.pv - v.customerPv }),
    personalCv: t.field({ type: 'SafeInt', resolve: (v) => v.cv - v.customerCv }),
    customerVolumeBasisPoints: t.int({
      nullable: true,
      description: 'floor(10000 × customer QV / PV): the retail share of volume.',
      resolve: (v) => shareBp(v.customerPv, v.pv),
    }),
    customerCvBasisPoints: t.int({ nullable: true, resolve: (v) => shareBp(v.customerCv, v.cv) }),
  }),
});

type MarketVolume = CompanyFigures['markets'][number];
const MarketVolumeType = builder.objectRef<MarketVolume>('MarketRetailVolume').implement({
  fields: (t) => ({
    market: t.exposeString('market', { description: 'The distributors’ country.' }),
    distributors: t.exposeInt('distributors', { description: 'Distributors with volume in the period.' }),
    volume: t.field({ type: RetailVolumeType, resolve: (m) => m }),
  }),
});

const AttributionType = builder.objectRef<Attribution>('CommissionAttribution').implement({
  description:
    'What a period’s commissions owe to starter kits and to distributors’ own purchases, as far as they can be attributed (see the README: volume-based parts pay on sums of volume, so they cannot be traced to single orders). Minor units of the payout currency; null = not attributable (or the plan is not fixed yet).',
  fields: (t) => ({
    planFixed: t.exposeBoolean('planFixed'),
    starterKitRetailProfit: t.expose('starterKitRetailProfit', { type: 'SafeInt' }),
    retailPaidOnStarterKits: t.expose('retailPaidOnStarterKits', { type: 'SafeInt', nullable: true }),
    volumePaidOnStarterKits: t.expose('volumePaidOnStarterKits', {
      type: 'SafeInt',
      nullable: true,
      description: '0 when the plan gives starter kits no volume; null when it does (not attributable).',
    }),
    retailPaidOnOwnPurchases: t.expose('retailPaidOnOwnPurchases', { type: 'SafeInt', nullable: true }),
    ownPurchaseCv: t.expose('ownPurchaseCv', { type: 'SafeInt' }),
    ownPurchaseCvBasisPoints: t.exposeInt('ownPurchaseCvBp', { nullable: true }),
    starterKitCv: t.expose('starterKitCv', { type: 'SafeInt' }),
    retailCommissions: t.expose('retailCommissions', { type: 'SafeInt' }),
    volumeBasedCommissions: t.expose('volumeBasedCommissions', { type: 'SafeInt' }),
    capApplied: t.exposeBoolean('capApplied', {
      description: 'The retail figures are before the period cap.',
    }),
  }),
});

interface MemberFiguresShape {
  period: string;
  distributorId: number;
  volume: RetailVolume;
  retailCustomers: number;
  thresholds: Thresholds;
}

const MemberFiguresType = builder.objectRef<MemberFiguresShape>('DistributorComplianceFigures').implement({
  description: 'One distributor’s retail figures in a period and whether they fall short of the thresholds.',
  fields: (t) => ({
    period: t.exposeString('period'),
    distributor: t.field({
      type: Distributor,
      resolve: async (m, _a, ctx) => (await ctx.loaders.distributor.load(m.distributorId))!,
    }),
    volume: t.field({ type: RetailVolumeType, resolve: (m) => m.volume }),
    retailCustomers: t.exposeInt('retailCustomers', {
      description: 'Distinct customers with a paid CUSTOMER order counting in the period (SPEC §3.1).',
    }),
    belowCustomerVolume: t.boolean({
      resolve: (m) => shortfalls(m.thresholds, m.volume, m.retailCustomers).customerVolume,
    }),
    belowRetailCustomers: t.boolean({
      resolve: (m) => shortfalls(m.thresholds, m.volume, m.retailCustomers).retailCustomers,
    }),
    thresholds: t.field({ type: ThresholdsType, resolve: (m) => m.thresholds }),
    team: t.field({
      type: RetailVolumeType,
      description: 'The same for the whole sponsor team (the distributor included).',
      resolve: async (m, _a, ctx) =>
        memberTeamVolume(ctx.db, (await ctx.loaders.distributor.load(m.distributorId))!, m.period),
    }),
    attribution: t.field({
      type: AttributionType,
      description:
        'Commissions on starter kits and own purchases attributable to this distributor as earner.',
      resolve: (m, _a, ctx) => attribution(ctx.db, m.period, m.distributorId),
    }),
  }),
});

function figuresOfRow(period: string, r: MemberFigureRow, thresholds: Thresholds): MemberFiguresShape {
  return {
    period,
    distributorId: r.distributor_id,
    volume: { pv: r.pv, cv: r.cv, customerPv: r.customer_pv, customerCv: r.customer_cv },
    retailCustomers: r.retail_customers,
    thresholds,
  };
}

const CompanyFiguresType = builder.objectRef<CompanyFigures>('ComplianceFigures').implement({
  description: 'The company’s retail-versus-internal figures of one period (live while the period is open).',
  fields: (t) => ({
    period: t.exposeString('period'),
    volume: t.field({ type: RetailVolumeType, resolve: (f) => f.volume }),
    distributors: t.exposeInt('distributors', { description: 'Distributors with volume in the period.' }),
    retailCustomers: t.exposeInt('retailCustomers', { description: 'Distinct paying retail customers.' }),
    markets: t.field({ type: [MarketVolumeType], resolve: (f) => f.markets }),
    thresholds: t.field({ type: ThresholdsType, resolve: (_f, _a, ctx) => loadThresholds(ctx.db) }),
    attribution: t.field({
      type: AttributionType,
      resolve: (f, _a, ctx) => attribution(ctx.db, f.period, null),
    }),
    belowThreshold: t.connection({
      type: MemberFiguresType,
      description: 'Distributors with PV > 0 in the period who fall short of a threshold, in id order.',
      resolve: async (f, args, ctx) => {
        const thresholds = await loadThresholds(ctx.db);
        return resolvePage<Promise<MemberFiguresShape[]>>(
          {
            args,
            toCursor: (r: MemberFiguresShape) => encodeCursor([r.distributorId]),
            defaultSize: 20,
            maxSize: 100,
          },
          async (page) =>
            (await belowThresholdPage(ctx.db, f.period, thresholds, page)).map((r) =>
              figuresOfRow(f.period, r, thresholds),
            ),
        );
      },
    }),
  }),
});

const PercentileType = builder.objectRef<{ p: number; value: number }>('EarningsPercentile').implement({
  fields: (t) => ({
    percentile: t.exposeInt('p'),
    value: t.expose('value', { type: 'SafeInt' }),
  }),
});

const StatsType = builder.objectRef<EarningsStats>('EarningsStatistics').implement({
  description: 'Earnings (minor units of the payout currency) and costs of a group of participants.',
  fields: (t) => ({
    count: t.exposeInt('count'),
    shareBasisPoints: t.exposeInt('shareBp', { description: 'Of all participants, basis points, rounded.' }),
    earnedNothing: t.exposeInt('earnedNothing', { description: 'Participants whose earnings were ≤ 0.' }),
    earnedNothingBasisPoints: t.exposeInt('earnedNothingBp'),
    total: t.expose('total', { type: 'SafeInt' }),
    mean: t.expose('mean', { type: 'SafeInt', description: 'floor(total / count).' }),
    median: t.expose('median', { type: 'SafeInt', description: 'The 50th percentile (nearest rank).' }),
    lowest: t.expose('lowest', { type: 'SafeInt' }),
    highest: t.expose('highest', { type: 'SafeInt' }),
    percentiles: t.field({
      type: [PercentileType],
      description: '10/25/50/75/90, nearest rank: the value at 1-based rank ceil(p × N / 100).',
      resolve: (s) => s.percentiles,
    }),
    meanOwnPurchases: t.expose('meanOwnPurchases', { type: 'SafeInt' }),
    meanStarterKits: t.expose('meanStarterKits', { type: 'SafeInt' }),
    totalOwnPurchases: t.expose('totalOwnPurchases', { type: 'SafeInt' }),
    totalStarterKits: t.expose('totalStarterKits', { type: 'SafeInt' }),
  }),
});

const GroupType = builder.objectRef<DisclosureGroup>('IncomeDisclosureGroup').implement({
  description: 'The participants whose highest paid-as rank in the range was one rank (null: none).',
  fields: (t) => ({
    rank: t.exposeString('rankId', { nullable: true }),
    statistics: t.field({ type: StatsType, resolve: (g) => g }),
  }),
});

const DisclosureType = builder.objectRef<IncomeDisclosure>('IncomeDisclosure').implement({
  description:
    'Income disclosure statement of the committed periods of a range, from the ledger. Participants: everyone who was a distributor at any time in the range (joined before its end, not terminated before its start). Earnings: COMMISSION ledger entries of the periods plus adjustments made in the range. Costs: own purchases and starter kits bought in the periods, net of refunds, in the payout currency.',
  fields: (t) => ({
    from: t.exposeString('from'),
    to: t.exposeString('to'),
    periods: t.exposeStringList('periods', { description: 'The committed periods covered.' }),
    currency: t.exposeString('currency'),
    participants: t.exposeInt('participants'),
    all: t.field({ type: StatsType, nullable: true, resolve: (d) => d.all }),
    groups: t.field({ type: [GroupType], resolve: (d) => d.groups }),
    histogram: t.exposeIntList('histogram', {
      description:
        'Participants by earnings: ≤ 0, < 10, 10–100, 100–1,000, 1,000–10,000, ≥ 10,000 (major units).',
    }),
    otherCurrencyOrders: t.exposeInt('otherCurrencyOrders', {
      description: 'Own orders paid in another currency: not in the costs (no exchange rates are held).',
    }),
  }),
});

function canSeeFigures(ctx: GraphQLContext, d: DistributorRow): boolean {
  return (
    ctx.viewer.kind === 'ADMIN' || (ctx.viewer.kind === 'DISTRIBUTOR' && ctx.viewer.distributorId === d.id)
  );
}

builder.objectFields(Distributor, (t) => ({
  complianceFigures: t.field({
    type: MemberFiguresType,
    description: 'Retail figures of a period (YYYY-MM). Staff, and the distributor themself only.',
    args: { period: t.arg.string({ required: true }) },
    resolve: async (d, args, ctx) => {
      if (!canSeeFigures(ctx, d)) throw new ForbiddenError('Only staff and the distributor themself.');
      const f = await memberFigures(ctx.db, d, args.period);
      return { ...f, distributorId: d.id };
    },
  }),
}));

builder.queryFields((t) => ({
  complianceThresholds: t.field({
    type: ThresholdsType,
    authScopes: { loggedIn: true },
    resolve: (_r, _a, ctx) => loadThresholds(ctx.db),
  }),
  complianceFigures: t.field({
    type: CompanyFiguresType,
    authScopes: { admin: true },
    description: 'The company’s retail-versus-internal figures of a period (YYYY-MM).',
    args: { period: t.arg.string({ required: true }) },
    resolve: (_r, args, ctx) => companyFigures(ctx.db, requirePeriod(args.period)),
  }),
  myComplianceFigures: t.field({
    type: MemberFiguresType,
    authScopes: { distributor: true },
    description: 'The signed-in distributor’s own retail figures of a period.',
    args: { period: t.arg.string({ required: true }) },
    resolve: async (_r, args, ctx) => {
      if (ctx.viewer.kind !== 'DISTRIBUTOR') throw new ForbiddenError();
      const d = await ctx.loaders.distributor.load(ctx.viewer.distributorId);
      if (!d) throw new ForbiddenError();
      return { ...(await memberFigures(ctx.db, d, args.period)), distributorId: d.id };
    },
  }),
  incomeDisclosure: t.field({
    type: DisclosureType,
    authScopes: { admin: true },
    description:
      'Income disclosure statement for a year or a range of periods (from/to, YYYY-MM). A range without a committed period is a BAD_USER_INPUT error.',
    args: {
      year: t.arg.int({ required: false }),
      from: t.arg.string({ required: false }),
      to: t.arg.string({ required: false }),
    },
    resolve: (_r, args, ctx) => incomeDisclosure(ctx.db, args),
  }),
}));

const ThresholdsInput = builder.inputType('UpdateComplianceThresholdsInput', {
  fields: (t) => ({
    minCustomerVolumePercent: t.float({
      required: false,
      description: '0 to 100, at most two decimals; null clears it.',
    }),
    minRetailCustomers: t.int({ required: false, description: '1 or more; null clears it.' }),
  }),
});

builder.mutationField('updateComplianceThresholds', (t) =>
  t.field({
    type: ThresholdsType,
    errors: { types: [ValidationError], dataField: { name: 'thresholds' } },
    authScopes: { admin: true },
    args: { input: t.arg({ type: ThresholdsInput, required: true }) },
    resolve: (_r, { input }, ctx) =>
      updateThresholds(ctx.db, {
        minCustomerVolumePercent: input.minCustomerVolumePercent ?? null,
        minRetailCustomers: input.minRetailCustomers ?? null,
      }),
  }),
);
