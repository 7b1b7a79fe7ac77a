// The genealogy's queries: me, a distributor, the downline and upline, legs and team statistics.
import { builder } from '../../../graphql/builder';
import { resolvePage } from '../../../graphql/pages';
import { ValidationError } from '../../../lib/errors';
import { encodeCursor } from '../../../lib/keyset';
import { DistributorStatusEnum } from '../../auth/accountStatusType';
import { browseDownline, browseUpline } from '../browse';
import { type DownlineOrder, type DownlineRow, downlineSortColumns, downlineSortKey } from '../downline';
import { distributorById, distributorByReferralCode } from '../reads';
import { Distributor, DownlineOrderEnum, loadVisible, SortDirectionEnum, TreeEnum } from './types';

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
