import { builder } from '../../graphql/builder';
import type { GraphQLContext } from '../../graphql/context';
import { resolvePage } from '../../graphql/pages';
import { nowIso } from '../../lib/db';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  RateLimitedError,
  ValidationError,
} from '../../lib/errors';
import { encodeCursor } from '../../lib/keyset';
import { DistributorStatusEnum } from '../auth/accountStatusType';
import { enforceLimit, limitKeys } from '../auth/rateLimit';
import { raiseTokenVersion } from '../auth/sessions';
import { SignOut } from '../auth/sessionType';
import type { Viewer } from '../auth/viewer';
import { placementWidth } from '../company/settings';
import { canBrowseSubtree, canViewDistributor, canViewPublicProfile } from './access';
import { browseDownline, browseUpline } from './browse';
import { moveDistributor, setDistributorStatus, terminateDistributor, updateProfile } from './changes';
import { type DownlineOrder, type DownlineRow, downlineSortColumns, downlineSortKey } from './downline';
import { enrollDistributor } from './enroll';
import { type DistributorRow, LOCALES } from './model';
import { distributorById, distributorByReferralCode, distributorsByIds } from './reads';
import { legs, type TeamStatistics as TeamStatisticsShape, teamStatistics } from './team';

export const LocaleEnum = builder.enumType('Locale', { values: LOCALES });
export const TreeEnum = builder.enumType('Tree', {
  values: {
    SPONSOR: { description: 'The enrollment tree.' },
    PLACEMENT: { description: 'The binary or matrix placement tree.' },
  },
});
const DownlineOrderEnum = builder.enumType('DownlineOrder', {
  values: {
    TREE: { description: 'Depth-first tree order.' },
    DEPTH: { description: 'Level by level.' },
    JOINED_AT: {},
    NAME: {},
  },
});
const SortDirectionEnum = builder.enumType('SortDirection', { values: ['ASC', 'DESC'] as const });
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
      resolve: async (r, args, ctx) => {
        if (!canBrowseSubtree(ctx.viewer, r, args.tree)) throw new ForbiddenError('Not in your downline.');
        return legs(ctx.db, r, args.tree, placementWidth(await ctx.loaders.settings()));
      },
    }),
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

const DownlineFilter = builder.inputType('DownlineFilter', {
  fields: (t) => ({
    statuses: t.field({ type: [DistributorStatusEnum], required: false }),
    countries: t.stringList({ required: false }),
    joinedFrom: t.field({ type: 'DateTime', required: false }),
    joinedBefore: t.field({ type: 'DateTime', required: false }),
    search: t.string({
      required: false,
      description: 'Part of the name or e-mail, or an exact referral code.',
    }),
    minLifetimeRank: t.int({ required: false }),
  }),
});

builder.queryFields((t) => ({
  me: t.field({
    type: Distributor,
    nullable: true,
    description: 'The signed-in distributor (null for staff and integrations).',
    resolve: (_r, _a, ctx) =>
      ctx.viewer.kind === 'DISTRIBUTOR' ? distributorById(ctx.db, ctx.viewer.distributorId) : null,
  }),
  distributor: t.field({
    type: Distributor,
    nullable: true,
    args: {
      id: t.arg.globalID({ required: false, for: Distributor }),
      referralCode: t.arg.string({ required: false }),
    },
    authScopes: { loggedIn: true },
    resolve: async (_r, args, ctx) => {
      if (args.id) return (await loadVisible(ctx.db, ctx.viewer, [Number(args.id.id)]))[0];
      if (args.referralCode) {
        const row = await distributorByReferralCode(ctx.db, args.referralCode);
        return row ? (await loadVisible(ctx.db, ctx.viewer, [row.id]))[0] : null;
      }
      return null;
    },
  }),
  downline: t.connection(
    {
      type: Distributor,
      authScopes: { loggedIn: true },
      description: 'Everyone below a member (default: the viewer) in a tree, by keyset pages.',
      args: {
        root: t.arg.globalID({ required: false, for: Distributor }),
        tree: t.arg({ type: TreeEnum, defaultValue: 'SPONSOR', required: true }),
        maxDepth: t.arg.int({ required: false }),
        filter: t.arg({ type: DownlineFilter, required: false }),
        orderBy: t.arg({ type: DownlineOrderEnum, defaultValue: 'TREE', required: true }),
        direction: t.arg({ type: SortDirectionEnum, defaultValue: 'ASC', required: true }),
      },
      complexity: (args) => ({ field: 2, multiplier: Math.min(args.first ?? args.last ?? 20, 100) }),
      resolve: async (_r, args, ctx) => {
        const rootId = args.root
          ? Number(args.root.id)
          : ctx.viewer.kind === 'DISTRIBUTOR'
            ? ctx.viewer.distributorId
            : null;
        if (rootId == null)
          throw new ValidationError('Give the root of the downline.', [
            { path: 'root', message: 'Required.', code: 'REQUIRED' },
          ]);
        if (args.maxDepth != null && args.maxDepth < 1)
          throw new ValidationError('maxDepth must be at least 1.', [
            { path: 'maxDepth', message: 'At least 1.', code: 'TOO_SMALL', params: { min: 1 } },
          ]);
        const columns = downlineSortColumns(args.tree, args.orderBy as DownlineOrder);
        return resolvePage<Promise<DownlineRow[]>>(
          {
            args,
            toCursor: (row: DownlineRow) => encodeCursor(downlineSortKey(row, columns)),
            defaultSize: 20,
            maxSize: 100,
          },
          (page) =>
            browseDownline(
              ctx.db,
              ctx.viewer,
              {
                rootId,
                tree: args.tree,
                maxDepth: args.maxDepth,
                filter: args.filter,
                orderBy: args.orderBy as DownlineOrder,
                direction: args.direction,
              },
              page,
            ),
        );
      },
    },
    { name: 'DownlineConnection' },
    {
      name: 'DownlineEdge',
      fields: (e) => ({
        level: e.int({
          description: 'Levels below the root.',
          resolve: (edge) => (edge.node as DownlineRow).level,
        }),
      }),
    },
  ),
  upline: t.field({
    type: [Distributor],
    authScopes: { loggedIn: true },
    description: 'The chain above a member, parent first. A distributor sees it up to themself.',
    args: {
      id: t.arg.globalID({ required: true, for: Distributor }),
      tree: t.arg({ type: TreeEnum, defaultValue: 'SPONSOR', required: true }),
    },
    complexity: { field: 5, multiplier: 20 },
    resolve: (_r, args, ctx) => browseUpline(ctx.db, ctx.viewer, Number(args.id.id), args.tree),
  }),
}));

// ---- Mutations ----

const EnrollInput = builder.inputType('EnrollDistributorInput', {
  fields: (t) => ({
    firstName: t.string({ required: true }),
    lastName: t.string({ required: true }),
    email: t.string({ required: false }),
    phone: t.string({ required: false }),
    country: t.string({ required: true }),
    locale: t.field({ type: LocaleEnum, required: true }),
    sponsorId: t.globalID({ required: false, for: Distributor }),
    sponsorReferralCode: t.string({ required: false }),
    placementParentId: t.globalID({ required: false, for: Distributor }),
    placementPosition: t.int({ required: false }),
    leg: t.field({
      type: LegSideEnum,
      required: false,
      description: 'Binary plans: the sponsor’s leg to place in.',
    }),
    password: t.string({ required: false }),
    externalId: t.string({ required: false }),
    joinedAt: t.field({ type: 'DateTime', required: false }),
  }),
});

builder.mutationField('enrollDistributor', (t) =>
  t.field({
    type: Distributor,
    description:
      'Enroll a distributor. Staff and integrations choose any sponsor; a distributor enrolls under themself; anyone may sign up with a referral code and a password.',
    errors: {
      types: [ValidationError, NotFoundError, ConflictError, ForbiddenError, RateLimitedError],
      dataField: { name: 'distributor' },
    },
    args: { input: t.arg({ type: EnrollInput, required: true }) },
    resolve: async (_r, { input }, ctx) => {
      const v = ctx.viewer;
      const raw = {
        ...input,
        sponsorId: input.sponsorId ? Number(input.sponsorId.id) : null,
        placementParentId: input.placementParentId ? Number(input.placementParentId.id) : null,
      };
      const staff = v.kind === 'ADMIN' || (v.kind === 'INTEGRATION' && v.scopes.includes('genealogy:write'));
      if (v.kind === 'DISTRIBUTOR') {
        if (raw.sponsorReferralCode || (raw.sponsorId != null && raw.sponsorId !== v.distributorId))
          throw new ForbiddenError('A distributor enrolls new members under themself.');
        raw.sponsorId = v.distributorId;
      } else if (!staff) {
        if (!raw.sponsorReferralCode || raw.sponsorId != null || raw.placementParentId != null)
          throw new ForbiddenError('Sign up with a referral code.');
        if (!raw.password || !raw.email)
          throw new ValidationError('Sign-up needs an e-mail and a password.', [
            { path: 'password', message: 'Required.', code: 'REQUIRED' },
          ]);
        // Sign-ups are limited per address and per referral code, so that codes cannot be guessed.
        const code = `code:${raw.sponsorReferralCode.trim().toLowerCase().slice(0, 64)}`;
        await enforceLimit(ctx.env.AUTH_ATTEMPT_LIMITER, limitKeys('signup', ctx.clientAddress, code));
      }
      return enrollDistributor(ctx.db, raw, { asAdmin: staff });
    },
  }),
);

const UpdateProfileInput = builder.inputType('UpdateDistributorProfileInput', {
  fields: (t) => ({
    id: t.globalID({ required: true, for: Distributor }),
    firstName: t.string({ required: false }),
    lastName: t.string({ required: false }),
    email: t.string({ required: false }),
    phone: t.string({ required: false }),
    country: t.string({ required: false }),
    locale: t.field({ type: LocaleEnum, required: false }),
    iban: t.string({ required: false, description: 'Bank account for commission payouts.' }),
    bic: t.string({ required: false }),
  }),
});

builder.mutationField('updateDistributorProfile', (t) =>
  t.field({
    type: Distributor,
    description: 'A distributor edits their own profile; staff edit anyone’s.',
    errors: { types: [ValidationError, NotFoundError, ForbiddenError], dataField: { name: 'distributor' } },
    args: { input: t.arg({ type: UpdateProfileInput, required: true }) },
    authScopes: { loggedIn: true },
    resolve: async (_r, { input }, ctx) => {
      const id = Number(input.id.id);
      const v = ctx.viewer;
      const allowed =
        v.kind === 'ADMIN' ||
        (v.kind === 'INTEGRATION' && v.scopes.includes('genealogy:write')) ||
        (v.kind === 'DISTRIBUTOR' && v.distributorId === id);
      if (!allowed) throw new ForbiddenError('You may edit only your own profile.');
      const { id: _id, ...patch } = input;
      return updateProfile(ctx.db, id, patch);
    },
  }),
);

const MoveInput = builder.inputType('MoveDistributorInput', {
  fields: (t) => ({
    id: t.globalID({ required: true, for: Distributor }),
    tree: t.field({ type: TreeEnum, required: true }),
    newParentId: t.globalID({
      required: true,
      for: Distributor,
      description: 'New sponsor, or new placement parent.',
    }),
    position: t.int({ required: false, description: 'Placement moves: the position under the new parent.' }),
  }),
});

builder.mutationField('moveDistributor', (t) =>
  t.field({
    type: Distributor,
    description: 'Staff: move a member, with their whole subtree, to a new sponsor or placement parent.',
    errors: { types: [ValidationError, NotFoundError, ConflictError], dataField: { name: 'distributor' } },
    args: { input: t.arg({ type: MoveInput, required: true }) },
    authScopes: { admin: true },
    resolve: (_r, { input }, ctx) =>
      moveDistributor(
        ctx.db,
        Number(input.id.id),
        input.tree,
        Number(input.newParentId.id),
        input.position ?? null,
      ),
  }),
);

const StatusInput = builder.inputType('SetDistributorStatusInput', {
  fields: (t) => ({
    id: t.globalID({ required: true, for: Distributor }),
    status: t.field({
      type: builder.enumType('SuspendableStatus', { values: ['ACTIVE', 'SUSPENDED'] as const }),
      required: true,
    }),
    reason: t.string({ required: false }),
  }),
});

builder.mutationField('setDistributorStatus', (t) =>
  t.field({
    type: Distributor,
    description: 'Staff: suspend or reactivate a member. Termination is terminateDistributor.',
    errors: { types: [ValidationError, NotFoundError, ConflictError], dataField: { name: 'distributor' } },
    args: { input: t.arg({ type: StatusInput, required: true }) },
    authScopes: { admin: true },
    resolve: (_r, { input }, ctx) => setDistributorStatus(ctx.db, Number(input.id.id), input.status),
  }),
);

const TerminateInput = builder.inputType('TerminateDistributorInput', {
  fields: (t) => ({
    id: t.globalID({ required: true, for: Distributor }),
    reason: t.string({ required: true }),
  }),
});

builder.mutationField('terminateDistributor', (t) =>
  t.field({
    type: Distributor,
    description:
      'Staff: terminate a member. Their sponsor children roll up (company setting terminateRollUp); their placement position is kept.',
    errors: { types: [ValidationError, NotFoundError, ConflictError], dataField: { name: 'distributor' } },
    args: { input: t.arg({ type: TerminateInput, required: true }) },
    authScopes: { admin: true },
    resolve: (_r, { input }, ctx) => terminateDistributor(ctx.db, Number(input.id.id), input.reason),
  }),
);

const SignOutDistributorInput = builder.inputType('SignOutDistributorInput', {
  fields: (t) => ({ distributorId: t.globalID({ required: true, for: Distributor }) }),
});

builder.mutationField('signOutDistributor', (t) =>
  t.field({
    type: SignOut,
    description: 'Staff: end every session of a distributor (for example after a leaked password).',
    errors: { types: [NotFoundError], dataField: { name: 'signOut' } },
    authScopes: { admin: true },
    args: { input: t.arg({ type: SignOutDistributorInput, required: true }) },
    resolve: async (_r, { input }, ctx) => {
      const ver = await raiseTokenVersion(ctx.db, 'distributor', Number(input.distributorId.id));
      if (ver == null) throw new NotFoundError('Distributor not found.');
      return { signedOutAt: nowIso() };
    },
  }),
);
