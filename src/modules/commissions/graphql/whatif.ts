import { builder } from '../../../graphql/builder';
import { resolvePage } from '../../../graphql/pages';
import { NotFoundError, ValidationError } from '../../../lib/errors';
import { decodeGlobalId } from '../../../lib/globalId';
import { encodeCursor } from '../../../lib/keyset';
import { Distributor, visibleDistributor } from '../../genealogy/graphql';
import { type DiffRow, type RunRow, whatIfDifferences, whatIfRunById } from '../whatif/reads';
import { runWhatIf, startWhatIf } from '../whatif/run';
import type { RankSummary, WhatIfSummary } from '../whatif/summary';

const RankSummaryType = builder.objectRef<RankSummary>('WhatIfRankSummary').implement({
  fields: (t) => ({
    rank: t.exposeString('rank', { nullable: true, description: 'Paid-as rank under the draft plan.' }),
    members: t.exposeInt('members'),
    winners: t.exposeInt('winners'),
    losers: t.exposeInt('losers'),
    baseTotal: t.expose('baseTotal', { type: 'SafeInt' }),
    newTotal: t.expose('newTotal', { type: 'SafeInt' }),
    change: t.expose('change', { type: 'SafeInt' }),
  }),
});

const Summary = builder.objectRef<WhatIfSummary>('WhatIfSummary').implement({
  fields: (t) => ({
    members: t.exposeInt('members'),
    totalCv: t.expose('totalCv', { type: 'SafeInt' }),
    baseTotal: t.expose('baseTotal', { type: 'SafeInt' }),
    newTotal: t.expose('newTotal', { type: 'SafeInt' }),
    change: t.expose('change', { type: 'SafeInt' }),
    basePercentOfCv: t.exposeFloat('basePercentOfCv'),
    newPercentOfCv: t.exposeFloat('newPercentOfCv'),
    winners: t.exposeInt('winners'),
    losers: t.exposeInt('losers'),
    byRank: t.field({ type: [RankSummaryType], resolve: (s) => s.byRank }),
  }),
});

const Difference = builder.objectRef<DiffRow>('WhatIfDifference').implement({
  fields: (t) => ({
    distributor: t.field({
      type: Distributor,
      nullable: true,
      resolve: (d, _a, ctx) => visibleDistributor(ctx, d.distributor_id),
    }),
    baseRank: t.exposeString('base_rank', { nullable: true }),
    newRank: t.exposeString('new_rank', { nullable: true }),
    baseTotal: t.expose('base_total', { type: 'SafeInt' }),
    newTotal: t.expose('new_total', { type: 'SafeInt' }),
    change: t.expose('delta', { type: 'SafeInt' }),
  }),
});

const WhatIfRun = builder.objectRef<RunRow>('WhatIfRun');
builder.node(WhatIfRun, {
  id: { resolve: (r) => r.id },
  loadOne: (id, ctx) => (ctx.viewer.kind === 'ADMIN' ? whatIfRunById(ctx.db, Number(id)) : null),
  isTypeOf: (o) => typeof o === 'object' && o !== null && 'plan_version_id' in o && 'summary' in o,
  fields: (t) => ({
    period: t.exposeString('period_id'),
    status: t.exposeString('status', { description: 'QUEUED, DONE or FAILED.' }),
    error: t.exposeString('error', { nullable: true }),
    summary: t.field({
      type: Summary,
      nullable: true,
      resolve: (r) => (r.summary ? JSON.parse(r.summary) : null),
    }),
    differences: t.connection({
      type: Difference,
      description:
        'Distributors whose total or rank changes, biggest losses first (or gains with direction DESC).',
      args: {
        direction: t.arg.string({ required: false, description: 'ASC (losses first, default) or DESC.' }),
      },
      resolve: (r, args, ctx) => {
        const direction = args.direction === 'DESC' ? 'DESC' : 'ASC';
        return resolvePage<Promise<DiffRow[]>>(
          {
            args,
            toCursor: (d: DiffRow) => encodeCursor([d.delta, d.distributor_id]),
            defaultSize: 20,
            maxSize: 100,
          },
          (page) => whatIfDifferences(ctx.db, r.id, direction, page),
        );
      },
    }),
  }),
});

const WhatIfInput = builder.inputType('RunWhatIfInput', {
  fields: (t) => ({
    period: t.string({ required: true, description: 'Any period, open or closed (YYYY-MM).' }),
    planVersionId: t.id({ required: true, description: 'The (draft) plan version to try.' }),
  }),
});

builder.mutationField('runWhatIf', (t) =>
  t.field({
    type: WhatIfRun,
    description:
      'Computes a period under another plan version in the background; the ledger is never touched.',
    errors: { types: [ValidationError, NotFoundError], dataField: { name: 'run' } },
    authScopes: { admin: true },
    args: { input: t.arg({ type: WhatIfInput, required: true }) },
    resolve: async (_r, { input }, ctx) => {
      const planId = planVersionNumber(String(input.planVersionId));
      const id = await startWhatIf(ctx.env, input.period, planId);
      return (await whatIfRunById(ctx.db, id))!;
    },
  }),
);

export { runWhatIf };

/** The plan version a what-if names: its number or its global id; anything else is a validation error. */
function planVersionNumber(raw: string): number {
  if (/^\d+$/.test(raw)) return Number(raw);
  const refuse = () =>
    new ValidationError('Invalid plan version id.', [
      { path: 'planVersionId', message: 'Not a PlanVersion id.', code: 'INVALID_ID' },
    ]);
  let decoded: { typename: string; id: string };
  try {
    decoded = decodeGlobalId(raw);
  } catch {
    throw refuse();
  }
  if (decoded.typename !== 'PlanVersion' || !/^\d+$/.test(decoded.id)) throw refuse();
  return Number(decoded.id);
}
