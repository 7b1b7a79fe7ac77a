// GraphQL of the reports (issue 15 §4). Every report takes a range of months (from/to, YYYY-MM) and an
// optional distributorId: staff see the company (or, with an id, that distributor's team); a distributor
// sees their own team only (another id is FORBIDDEN). A team's sales, retention, leads and messages cover
// committed periods (REPORT_NOT_READY otherwise). Each resolver is one call into reports.ts.
import { builder } from '../../graphql/builder';
import type { GraphQLContext } from '../../graphql/context';
import { Distributor } from '../genealogy/graphql';
import type { Cohort, GrowthMonth } from './model';
import {
  type FunnelRow,
  leadFunnelReport,
  messageReport,
  rankReport,
  retentionReport,
  type SalesReport,
  salesReport,
  teamGrowthReport,
} from './reports';
import type { MessageRow, RankRow, SalesRow, TeamVolumeRow } from './repository';
import { reportScope } from './scope';

const SalesRowType = builder.objectRef<SalesRow>('SalesReportRow').implement({
  description:
    'Paid order lines of one period, market (the buyer’s country), product, currency and order kind.',
  fields: (t) => ({
    period: t.exposeString('period'),
    market: t.exposeString('market'),
    sku: t.exposeString('sku'),
    currency: t.exposeString('currency'),
    kind: t.exposeString('kind', { description: 'CUSTOMER (retail) or PERSONAL (the distributor’s own).' }),
    quantity: t.expose('quantity', { type: 'SafeInt' }),
    amount: t.expose('amount', { type: 'SafeInt', description: 'Minor units of the currency.' }),
    qv: t.expose('qv', { type: 'SafeInt' }),
    cv: t.expose('cv', { type: 'SafeInt' }),
  }),
});

const TeamVolumeType = builder.objectRef<TeamVolumeRow>('TeamSalesRow').implement({
  description: 'A distributor’s team volume of one period (the live volume the orders and the tree keep).',
  fields: (t) => ({
    period: t.exposeString('period'),
    groupQv: t.expose('groupQv', {
      type: 'SafeInt',
      description: 'QV of the whole sponsor team, the distributor included.',
    }),
    groupCv: t.expose('groupCv', { type: 'SafeInt' }),
    ownQv: t.expose('ownQv', { type: 'SafeInt' }),
    ownCv: t.expose('ownCv', { type: 'SafeInt' }),
    ownCustomerQv: t.expose('ownCustomerQv', {
      type: 'SafeInt',
      description: 'Part of ownQv from customer orders.',
    }),
    ownCustomerCv: t.expose('ownCustomerCv', { type: 'SafeInt' }),
  }),
});

const SalesReportType = builder.objectRef<SalesReport>('SalesReport').implement({
  fields: (t) => ({
    from: t.string({ resolve: (r) => r.range.from }),
    to: t.string({ resolve: (r) => r.range.to }),
    scope: t.exposeString('scope', {
      description:
        'COMPANY (rows: live) or TEAM (rows of the team’s committed periods, the distributor included; team: volume).',
    }),
    rows: t.field({ type: [SalesRowType], resolve: (r) => r.rows }),
    team: t.field({ type: [TeamVolumeType], resolve: (r) => r.team }),
  }),
});

const GrowthType = builder.objectRef<GrowthMonth>('TeamGrowthMonth').implement({
  fields: (t) => ({
    month: t.exposeString('month'),
    enrollments: t.exposeInt('enrollments', { description: 'Members of the team who joined in the month.' }),
    terminations: t.exposeInt('terminations', {
      description: 'Members of the team terminated in the month (UTC).',
    }),
    netGrowth: t.exposeInt('net'),
  }),
});

const CohortType = builder.objectRef<Cohort>('RetentionCohort').implement({
  description:
    'Customers whose first paid order fell in a month, and how many paid again in each later month.',
  fields: (t) => ({
    cohort: t.exposeString('cohort'),
    customers: t.exposeInt('customers'),
    returning: t.exposeIntList('returning', { description: 'Index 0 = the month after the cohort month.' }),
    returningBasisPoints: t.field({
      type: ['Int'],
      nullable: { list: false, items: true },
      resolve: (c) => c.returningBp,
    }),
  }),
});

const RankRowType = builder.objectRef<RankRow>('RankDistributionRow').implement({
  fields: (t) => ({
    period: t.exposeString('period'),
    rank: t.exposeString('rank', {
      nullable: true,
      description: 'Paid-as rank id; null = no rank (company only).',
    }),
    members: t.exposeInt('members'),
  }),
});

const FunnelType = builder.objectRef<FunnelRow>('LeadFunnelRow').implement({
  fields: (t) => ({
    source: t.exposeString('source'),
    campaign: t.exposeString('campaign', {
      description: 'Campaign id, else the UTM campaign; empty when none.',
    }),
    new: t.exposeInt('new', { description: 'Leads that came in.' }),
    contacted: t.exposeInt('contacted', { description: 'Leads that reached CONTACTED or a later stage.' }),
    qualified: t.exposeInt('qualified'),
    converted: t.exposeInt('converted'),
    medianHoursToFirstContact: t.exposeInt('medianHoursToFirstContact', { nullable: true }),
  }),
});

const MessageRowType = builder.objectRef<MessageRow>('MessagePerformanceRow').implement({
  fields: (t) => ({
    channel: t.exposeString('channel'),
    template: t.exposeString('template', { description: 'Template key; empty for one-off messages.' }),
    sent: t.exposeInt('sent'),
    delivered: t.exposeInt('delivered'),
    failed: t.exposeInt('failed'),
    optedOut: t.exposeInt('optedOut'),
    replied: t.exposeInt('replied'),
    orderedWithinDays: t.exposeInt('ordered', {
      description: 'Messages to a customer followed by their paid order within `days` days.',
    }),
  }),
});

const scopeOf = (ctx: GraphQLContext, id: { id: string } | null | undefined) =>
  reportScope(ctx.db, ctx.viewer, id ? Number(id.id) : null);

builder.queryFields((t) => {
  const range = {
    from: t.arg.string({ required: true, description: 'First month, YYYY-MM.' }),
    to: t.arg.string({ required: true, description: 'Last month, YYYY-MM (at most 36 months).' }),
    distributorId: t.arg.globalID({
      required: false,
      for: Distributor,
      description: 'A team instead of the company (a distributor: only their own).',
    }),
  };
  return {
    salesReport: t.field({
      type: SalesReportType,
      authScopes: { loggedIn: true },
      args: range,
      resolve: async (_r, a, ctx) => salesReport(ctx.db, await scopeOf(ctx, a.distributorId), a),
    }),
    teamGrowthReport: t.field({
      type: [GrowthType],
      authScopes: { loggedIn: true },
      args: range,
      resolve: async (_r, a, ctx) => teamGrowthReport(ctx.db, await scopeOf(ctx, a.distributorId), a),
    }),
    retentionReport: t.field({
      type: [CohortType],
      authScopes: { loggedIn: true },
      description:
        'Company customers (live), or the customers of a distributor’s whole team (committed periods only).',
      args: range,
      resolve: async (_r, a, ctx) => retentionReport(ctx.db, await scopeOf(ctx, a.distributorId), a),
    }),
    rankDistributionReport: t.field({
      type: [RankRowType],
      authScopes: { loggedIn: true },
      description: 'Paid-as ranks of the committed periods in the range; none committed is BAD_USER_INPUT.',
      args: range,
      resolve: async (_r, a, ctx) => rankReport(ctx.db, await scopeOf(ctx, a.distributorId), a),
    }),
    leadFunnelReport: t.field({
      type: [FunnelType],
      authScopes: { loggedIn: true },
      description:
        'Leads that came in during the range (company, or those first assigned to anyone in the distributor’s team: committed periods only, counted at the rollup after the commit).',
      args: range,
      resolve: async (_r, a, ctx) => leadFunnelReport(ctx.db, await scopeOf(ctx, a.distributorId), a),
    }),
    messagePerformanceReport: t.field({
      type: [MessageRowType],
      authScopes: { loggedIn: true },
      description:
        'Messages queued during the range (company, or those owned by anyone in the distributor’s team: committed periods only, counted at the rollup after the commit).',
      args: { ...range, days: t.arg.int({ required: false, defaultValue: 7, description: '0 to 30.' }) },
      resolve: async (_r, a, ctx) =>
        messageReport(ctx.db, await scopeOf(ctx, a.distributorId), { ...a, days: a.days ?? 7 }),
    }),
  };
});
