import { builder } from '../../graphql/builder';
import type { GraphQLContext } from '../../graphql/context';
import { checkPageSize } from '../../graphql/pages';
import { ForbiddenError } from '../../lib/errors';
import { monthInZone } from '../../lib/time';
import { canBrowseSubtree } from '../genealogy/access';
import { Distributor, Leg, TeamStatistics } from '../genealogy/graphql';
import { type VolumeRow, volumeHistory } from './reads';

const EMPTY = { pv: 0, cv: 0, customer_pv: 0, customer_cv: 0, gv: 0, gcv: 0, qualified_downline: 0 };

const Volume = builder.objectRef<VolumeRow>('Volume').implement({
  description: 'Volumes of one commission period (live while the period is open).',
  fields: (t) => ({
    period: t.exposeString('period'),
    pv: t.expose('pv', { type: 'SafeInt', description: 'QV of paid orders attributed to the member.' }),
    cv: t.expose('cv', {
      type: 'SafeInt',
      description: 'CV of the same orders, minor units of the payout currency.',
    }),
    customerPv: t.expose('customer_pv', {
      type: 'SafeInt',
      description: 'The part of PV from customer orders.',
    }),
    customerCv: t.expose('customer_cv', { type: 'SafeInt' }),
    // Group sums outgrow GraphQL's 32-bit Int (a root's GCV in cents passes 2^31 around 100,000 members):
    // Float carries every integer up to 2^53 exactly.
    gv: t.expose('gv', {
      type: 'SafeInt',
      description: 'PV of the member plus their whole sponsor downline (a whole number).',
    }),
    gcv: t.expose('gcv', { type: 'SafeInt', description: 'CV of the same, minor units (a whole number).' }),
    qualifiedDownline: t.exposeInt('qualified_downline', {
      description: 'Downline members whose PV reached the company’s active threshold this period.',
    }),
  }),
});

/** Through the request's batch loader: the legs of a member read their volumes in one query. */
async function volumeOf(ctx: GraphQLContext, id: number, period: string): Promise<VolumeRow> {
  return (await ctx.loaders.volume.load([id, period])) ?? { distributor_id: id, period, ...EMPTY };
}

async function currentPeriod(ctx: GraphQLContext): Promise<string> {
  return monthInZone(new Date(), (await ctx.loaders.settings()).timeZone);
}

const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;

builder.objectFields(Distributor, (t) => ({
  volume: t.field({
    type: Volume,
    description: 'Volumes of a period (YYYY-MM; default: the current one in the company time zone).',
    args: { period: t.arg.string({ required: false }) },
    resolve: async (d, args, ctx) => {
      if (args.period != null && !PERIOD.test(args.period)) throw new Error('period must look like 2026-11.');
      const period = args.period ?? (await currentPeriod(ctx));
      return volumeOf(ctx, d.id, period);
    },
  }),
  volumeHistory: t.field({
    type: [Volume],
    description: 'Volumes per period, newest first.',
    args: { last: t.arg.int({ defaultValue: 12, required: true, description: '1 to 60.' }) },
    complexity: (args) => ({ field: 2, multiplier: Math.min(Math.max(args.last, 1), 60) }),
    resolve: async (d, args, ctx) => {
      checkPageSize('last', args.last, 60);
      if (!canBrowseSubtree(ctx.viewer, d, 'SPONSOR')) throw new ForbiddenError('Not in your downline.');
      return volumeHistory(ctx.db, d.id, args.last);
    },
  }),
}));

builder.objectFields(Leg, (t) => ({
  volume: t.field({
    type: Volume,
    nullable: true,
    description:
      'Sponsor legs: the leg’s group volume, its root’s GV (current period by default). Null for placement legs: binary leg volumes are computed by the period close, not kept live.',
    args: { period: t.arg.string({ required: false }) },
    resolve: async (leg, args, ctx) => {
      if (!leg.root || leg.position !== null) return null;
      const period = args.period ?? (await currentPeriod(ctx));
      return volumeOf(ctx, leg.root.id, period);
    },
  }),
}));

builder.objectFields(TeamStatistics, (t) => ({
  volume: t.field({
    type: Volume,
    description:
      'The member’s volumes this period: PV, GV (the whole team), CV, and how many of the team qualified.',
    resolve: async (s, _a, ctx) => volumeOf(ctx, s.memberId, s.month),
  }),
  qualifiedCount: t.int({
    description: 'Team members whose PV this period reached the company’s active threshold (activePv).',
    resolve: async (s, _a, ctx) => (await volumeOf(ctx, s.memberId, s.month)).qualified_downline,
  }),
}));
