// The genealogy's GraphQL types: the distributor (node), its public profile, legs and team statistics, and
// the enums the genealogy's queries and mutations share.
import { builder } from '../../../graphql/builder';
import type { GraphQLContext } from '../../../graphql/context';
import { resolvePage } from '../../../graphql/pages';
import { ForbiddenError } from '../../../lib/errors';
import { encodeCursor } from '../../../lib/keyset';
import { DistributorStatusEnum } from '../../auth/accountStatusType';
import type { Viewer } from '../../auth/viewer';
import { placementWidth } from '../../company/settings';
import { canBrowseSubtree, canViewDistributor, canViewPublicProfile } from '../access';
import { legSortKey, legsPage } from '../legs';
import { type DistributorRow, LOCALES } from '../model';
import { distributorsByIds } from '../reads';
import {
  type Leg as LegShape,
  legs,
  type TeamStatistics as TeamStatisticsShape,
  teamStatistics,
} from '../team';

export const LocaleEnum = builder.enumType('Locale', { values: LOCALES });
export const TreeEnum = builder.enumType('Tree', {
  values: {
    SPONSOR: { description: 'The enrollment tree.' },
    PLACEMENT: { description: 'The binary or matrix placement tree.' },
  },
});
export const DownlineOrderEnum = builder.enumType('DownlineOrder', {
  values: {
    TREE: { description: 'Depth-first tree order.' },
    DEPTH: { description: 'Level by level.' },
    JOINED_AT: {},
    NAME: {},
  },
});
export const SortDirectionEnum = builder.enumType('SortDirection', { values: ['ASC', 'DESC'] as const });
export const LegSideEnum = builder.enumType('BinaryLeg', { values: ['LEFT', 'RIGHT'] as const });

/** Loads distributors by id, dropping any the viewer may not see. */
export async function loadVisible(
  db: D1Database,
  viewer: Viewer,
  ids: readonly number[],
): Promise<(DistributorRow | null)[]> {
  const rows = await distributorsByIds(db, ids);
  const byId = new Map(rows.filter((r) => canViewDistributor(viewer, r)).map((r) => [r.id, r]));
  return ids.map((id) => byId.get(id) ?? null);
}

/** One visible distributor through the request's batch loader (nested fields of a page make one query). */
export async function visibleDistributor(
  ctx: GraphQLContext,
  id: number | null,
): Promise<DistributorRow | null> {
  if (id == null) return null;
  const row = await ctx.loaders.distributor.load(id);
  return row && canViewDistributor(ctx.viewer, row) ? row : null;
}

/** What anyone who can see a member may see of that member's sponsor. */
const PublicProfile = builder.objectRef<DistributorRow>('PublicProfile').implement({
  description: 'The public face of a distributor: what a member sees of their sponsor.',
  fields: (t) => ({
    id: t.globalID({ resolve: (r) => ({ type: 'Distributor', id: String(r.id) }) }),
    displayName: t.string({ resolve: (r) => `${r.first_name} ${r.last_name.slice(0, 1)}.` }),
    referralCode: t.exposeString('referral_code'),
    country: t.exposeString('country'),
    locale: t.field({ type: LocaleEnum, resolve: (r) => r.locale }),
  }),
});

export const Distributor = builder.objectRef<DistributorRow>('Distributor');

builder.node(Distributor, {
  id: { resolve: (r) => r.id },
  loadMany: (ids, ctx) => loadVisible(ctx.db, ctx.viewer, ids.map(Number)),
  isTypeOf: (o) => typeof o === 'object' && o !== null && 'sponsor_path' in o,
  fields: (t) => ({
    referralCode: t.exposeString('referral_code'),
    externalId: t.exposeString('external_id', { nullable: true }),
    firstName: t.exposeString('first_name'),
    lastName: t.exposeString('last_name'),
    email: t.exposeString('email', { nullable: true }),
    phone: t.exposeString('phone', { nullable: true }),
    country: t.exposeString('country'),
    locale: t.field({ type: LocaleEnum, resolve: (r) => r.locale }),
    status: t.field({ type: DistributorStatusEnum, resolve: (r) => r.status }),
    joinedAt: t.field({ type: 'DateTime', resolve: (r) => r.joined_at }),
    lifetimeRank: t.exposeInt('lifetime_rank'),
    sponsorDepth: t.exposeInt('sponsor_depth', { description: 'Levels below the root of the sponsor tree.' }),
    placementDepth: t.exposeInt('placement_depth'),
    placementPosition: t.exposeInt('placement_position', {
      nullable: true,
      description: 'Position under the placement parent: 0 = LEFT, 1 = RIGHT in a binary plan.',
    }),
    teamSize: t.exposeInt('team_size', { description: 'Members in the whole sponsor downline.' }),
    sponsor: t.field({
      type: PublicProfile,
      nullable: true,
      description: 'The sponsor’s public profile, when the viewer may see it.',
      resolve: async (r, _a, ctx) => {
        const sponsor = r.sponsor_id ? await ctx.loaders.distributor.load(r.sponsor_id) : null;
        return sponsor && canViewPublicProfile(ctx.viewer, sponsor) ? sponsor : null;
      },
    }),
    placementParent: t.field({
      type: Distributor,
      nullable: true,
      description: 'The placement parent, when the viewer may see them.',
      resolve: async (r, _a, ctx) => visibleDistributor(ctx, r.placement_parent_id),
    }),
    legs: t.field({
      type: [Leg],
      args: { tree: t.arg({ type: TreeEnum, defaultValue: 'SPONSOR', required: true }) },
      complexity: { field: 5, multiplier: 10 },
      deprecationReason:
        'Use legsConnection: this list holds every leg at once (thousands for the root of a large company).',
      resolve: async (r, args, ctx) => {
        if (!canBrowseSubtree(ctx.viewer, r, args.tree)) throw new ForbiddenError('Not in your downline.');
        return legs(ctx.db, r, args.tree, placementWidth(await ctx.loaders.settings()));
      },
    }),
    legsConnection: t.connection(
      {
        type: Leg,
        description:
          'The legs by pages: sponsor legs largest team first (then by id), placement legs by position (empty ones too).',
        args: { tree: t.arg({ type: TreeEnum, defaultValue: 'SPONSOR', required: true }) },
        complexity: (args) => ({ field: 2, multiplier: Math.min(args.first ?? args.last ?? 20, 100) }),
        resolve: (r, args, ctx) => {
          if (!canBrowseSubtree(ctx.viewer, r, args.tree)) throw new ForbiddenError('Not in your downline.');
          return resolvePage<Promise<LegShape[]>>(
            {
              args,
              toCursor: (leg: LegShape) => encodeCursor(legSortKey(leg)),
              defaultSize: 20,
              maxSize: 100,
            },
            (page) =>
              legsPage(ctx.db, r, args.tree, async () => placementWidth(await ctx.loaders.settings()), page),
          );
        },
      },
      { name: 'LegConnection' },
      { name: 'LegEdge' },
    ),
    teamStatistics: t.field({
      type: TeamStatistics,
      complexity: 5,
      resolve: async (r, _a, ctx) => {
        if (!canBrowseSubtree(ctx.viewer, r, 'SPONSOR')) throw new ForbiddenError('Not in your downline.');
        return teamStatistics(ctx.db, r, new Date());
      },
    }),
  }),
});

export const Leg = builder
  .objectRef<{ position: number | null; root: DistributorRow | null; size: number }>('Leg')
  .implement({
    fields: (t) => ({
      position: t.exposeInt('position', {
        nullable: true,
        description: 'Placement position; null for sponsor legs.',
      }),
      root: t.field({ type: Distributor, nullable: true, resolve: (l) => l.root }),
      size: t.exposeInt('size', { description: 'Members in the leg, its root included.' }),
    }),
  });

const LevelCount = builder.objectRef<{ level: number; members: number }>('LevelCount').implement({
  fields: (t) => ({ level: t.exposeInt('level'), members: t.exposeInt('members') }),
});

export const TeamStatistics = builder.objectRef<TeamStatisticsShape>('TeamStatistics').implement({
  description: 'Sponsor-tree statistics of a member’s team (the member not counted).',
  fields: (t) => ({
    teamSize: t.exposeInt('teamSize'),
    activeCount: t.exposeInt('activeCount', { description: 'Team members whose status is ACTIVE.' }),
    newThisMonth: t.exposeInt('newThisMonth', {
      description: 'Joined in the current month (company time zone).',
    }),
    month: t.exposeString('month'),
    levels: t.field({ type: [LevelCount], resolve: (s) => s.levels }),
  }),
});
