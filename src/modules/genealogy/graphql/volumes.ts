// Volumes on the genealogy's types: a member's, a sponsor leg's and a team's (the volumes module keeps them
// live; its Volume type and period reads come from volumes/graphql.ts).
import { builder } from '../../../graphql/builder';
import { checkPageSize } from '../../../graphql/pages';
import { ForbiddenError } from '../../../lib/errors';
import { currentPeriod, PERIOD, Volume, volumeOf } from '../../volumes/graphql';
import { volumeHistory } from '../../volumes/reads';
import { canBrowseSubtree } from '../access';
import { Distributor, Leg, TeamStatistics } from './types';

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
