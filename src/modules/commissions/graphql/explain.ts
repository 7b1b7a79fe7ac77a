import { builder } from '../../../graphql/builder';
import type { GraphQLContext } from '../../../graphql/context';
import { resolvePage } from '../../../graphql/pages';
import { decodeCursor, encodeCursor } from '../../../lib/keyset';
import { Distributor, LegSideEnum, visibleDistributor } from '../../genealogy/graphql';
import { BONUS, type BonusName, RIGHT } from '../engine';
import { CONTRIBUTION, type Explanation, explainLine } from '../explain';
import { explainVolumes } from '../periods/explainInputs';
import { loadPeriodMembers, type PeriodMembers } from '../periods/inputs';
import { indexOf } from '../periods/members';
import { periodById } from '../periods/repository';
import { compilePlan } from '../plan';
import { planOf, requirePlanVersion } from '../versions/repository';
import { CommissionLine, type LineRow } from './periods';

// GraphQL for "why was I paid this": CommissionLine.explain, a page of the members behind a line, recomputed
// from the period's frozen snapshot (so a move after the close changes nothing).

interface Item {
  position: number;
  distributorId: number | null;
  level: number;
  leg: number;
  kind: number;
  volume: number;
  bp: number;
}

const KINDS = ['CV', 'CARRY_IN', 'GROUP_CV', 'FAST_START_CV', 'UNILEVEL_EARNINGS', 'RETAIL_PROFIT'] as const;
const kindName = Object.fromEntries(Object.entries(CONTRIBUTION).map(([, code]) => [code, KINDS[code]]));

const ContributionKind = builder.enumType('ContributionKind', {
  values: {
    CV: { description: 'The member’s CV this period (unilevel, matrix, a binary leg, stairstep own).' },
    CARRY_IN: { description: 'A binary leg’s carry from the previous period (no member).' },
    GROUP_CV: { description: 'The member’s stairstep group CV (stairstep child, leadership leader).' },
    FAST_START_CV: { description: 'The member’s CV inside their fast-start window.' },
    UNILEVEL_EARNINGS: { description: 'The member’s unilevel earnings (matching).' },
    RETAIL_PROFIT: { description: 'Profit of one of the earner’s customer order lines (retail).' },
  } as const,
});

const Contribution = builder.objectRef<Item>('CommissionContribution').implement({
  description: 'One member’s part in a commission line, as the frozen snapshot of the period had it.',
  fields: (t) => ({
    distributor: t.field({
      type: Distributor,
      nullable: true,
      description: 'Null for a carry-in, and for a member the viewer may not see (see pseudonym).',
      resolve: (c, _a, ctx) => visibleDistributor(ctx, c.distributorId),
    }),
    pseudonym: t.string({
      nullable: true,
      description: '"member #k at level L" when the viewer may not see the member; null otherwise.',
      resolve: async (c, _a, ctx) =>
        c.distributorId != null && !(await visibleDistributor(ctx, c.distributorId))
          ? `member #${c.position + 1} at level ${c.level}`
          : null,
    }),
    level: t.exposeInt('level', {
      description:
        'Levels below the earner: sponsor tree (unilevel physical level, fast start, matching, stairstep, leadership), placement tree (binary, matrix); 0 for a carry-in or the earner.',
    }),
    leg: t.field({
      type: LegSideEnum,
      nullable: true,
      resolve: (c) => (c.leg < 0 ? null : c.leg === RIGHT ? 'RIGHT' : 'LEFT'),
    }),
    kind: t.field({ type: ContributionKind, resolve: (c) => kindName[c.kind] as (typeof KINDS)[number] }),
    volume: t.expose('volume', { type: 'SafeInt' }),
    rateBasisPoints: t.exposeInt('bp', { description: 'The line’s rate, applied to the sum of volumes.' }),
  }),
});

interface Explained {
  line: LineRow;
  e: Explanation;
  ids: Int32Array;
}

type Loaded = { plan: ReturnType<typeof compilePlan>; period: PeriodMembers };

// Per request: one load of a period's frozen members, and the volume lines of each scope explained (a statement's
// lines mostly share the earner's subtree). Only the lines of the members an explanation reads are kept.
const requestCache = new WeakMap<GraphQLContext, Map<string, Promise<unknown>>>();

function cached<T>(ctx: GraphQLContext, key: string, load: () => Promise<T>): Promise<T> {
  let byKey = requestCache.get(ctx);
  if (!byKey) {
    byKey = new Map();
    requestCache.set(ctx, byKey);
  }
  let p = byKey.get(key) as Promise<T> | undefined;
  if (!p) {
    p = load();
    byKey.set(key, p);
  }
  return p;
}

function periodMembers(ctx: GraphQLContext, periodId: string): Promise<Loaded | null> {
  return cached(ctx, `members:${periodId}`, async () => {
    const period = await periodById(ctx.db, periodId);
    // Only a period whose close started has a frozen snapshot (and lines to explain).
    if (!period || period.member_count == null || period.plan_version_id == null) return null;
    const plan = compilePlan(planOf(await requirePlanVersion(ctx.db, period.plan_version_id)));
    return { plan, period: await loadPeriodMembers(ctx.db, periodId, plan, false, ctx.env.FILES) };
  });
}

/** Same access as the statement: staff, or the earner themself once the period is committed. */
async function mayExplain(ctx: GraphQLContext, line: LineRow): Promise<boolean> {
  const v = ctx.viewer;
  if (v.kind === 'ADMIN') return true;
  if (!(v.kind === 'DISTRIBUTOR' && v.distributorId === line.distributor_id)) return false;
  const period = await periodById(ctx.db, line.period_id);
  return period != null && ['COMMITTED', 'PAID'].includes(period.status);
}

async function explainRow(ctx: GraphQLContext, line: LineRow): Promise<Explained | null> {
  const loaded = await periodMembers(ctx, line.period_id);
  if (!loaded) return null;
  const { plan, period } = loaded;
  const earner = indexOf(period.ids, line.distributor_id);
  if (earner < 0) return null;
  const source = line.source_id ? indexOf(period.ids, line.source_id) : -1;
  const ref = { earner, bonus: BONUS[line.bonus as BonusName], level: line.level, source };
  const scope =
    ref.bonus === BONUS.retail
      ? 'own'
      : ref.bonus === BONUS.binary
        ? 'binary'
        : ref.bonus === BONUS.matrix
          ? `matrix${ref.level}`
          : 'sponsor';
  const lines = await cached(ctx, `lines:${line.period_id}:${earner}:${scope}`, () =>
    explainVolumes(ctx.db, line.period_id, plan, period, ref, ctx.env.FILES),
  );
  const e = explainLine({ plan, members: period.members, lines, period: period.bounds }, ref);
  return { line, e, ids: period.ids };
}

builder.objectField(CommissionLine, 'explain', (t) =>
  t.connection(
    {
      type: Contribution,
      nullable: true,
      description:
        'Why this line was paid: the contributing members (paged, by leg then member), their level or leg and volumes, recomputed from the period’s frozen snapshot. Same access as the statement.',
      resolve: async (line, args, ctx) => {
        if (!(await mayExplain(ctx, line))) return null;
        const x = await explainRow(ctx, line);
        if (!x) return null;
        const { e, ids } = x;
        const c = e.contributions;
        const item = (i: number): Item => ({
          position: i,
          distributorId: c.member[i] >= 0 ? ids[c.member[i]] : null,
          level: c.level[i],
          leg: c.leg[i],
          kind: c.kind[i],
          volume: c.volume[i],
          bp: e.bp,
        });
        const connection = await resolvePage<Item[]>(
          { args, toCursor: (i: Item) => encodeCursor([i.position]), defaultSize: 20, maxSize: 100 },
          ({ before, after, limit, inverted }) => {
            // Positions in the explanation's fixed order (deterministic for the frozen snapshot).
            const lo = after ? Number(decodeCursor(after, 1)[0]) + 1 : 0;
            const hi = before ? Number(decodeCursor(before, 1)[0]) : c.length;
            const from = Math.max(0, lo);
            const to = Math.min(c.length, hi);
            const out: Item[] = [];
            if (inverted) for (let i = to - 1; i >= from && out.length < limit; i--) out.push(item(i));
            else for (let i = from; i < to && out.length < limit; i++) out.push(item(i));
            return out;
          },
        );
        return Object.assign(connection, { explained: x });
      },
    },
    {
      name: 'CommissionExplanation',
      fields: (f) => ({
        totalCount: f.int({ resolve: (p) => explained(p).e.contributions.length }),
        volume: f.float({
          description: 'V recomputed from the snapshot (binary: the pair, max(0, min(left, right))).',
          resolve: (p) => explained(p).e.volume,
        }),
        rateBasisPoints: f.int({ resolve: (p) => explained(p).e.bp }),
        beforeCap: f.float({
          description: 'floor(rate × V / 10000) (binary: after the rank cap; retail: V).',
          resolve: (p) => explained(p).e.beforeCap,
        }),
        matchesLine: f.boolean({
          description:
            'The recomputation gives the stored line’s volume and beforeCap (false if, e.g., a rank was forced after the last computation).',
          resolve: (p) => {
            const { e, line } = explained(p);
            return e.volume === line.volume && e.beforeCap === line.before_cap && e.bp === line.bp;
          },
        }),
        leftLeg: f.float({
          nullable: true,
          description: 'Binary: carry-in + CV of the left leg.',
          resolve: (p) => explained(p).e.binary?.left ?? null,
        }),
        rightLeg: f.float({
          nullable: true,
          description: 'Binary: carry-in + CV of the right leg.',
          resolve: (p) => explained(p).e.binary?.right ?? null,
        }),
        binaryCap: f.float({
          nullable: true,
          description: 'Binary: the earner’s rank cap, null when uncapped.',
          resolve: (p) => explained(p).e.binary?.cap ?? null,
        }),
        groupCv: f.float({
          nullable: true,
          description: 'Stairstep/leadership: the earner’s group CV after breakaways.',
          resolve: (p) => explained(p).e.stairstep?.groupCv ?? null,
        }),
        bracket: f.int({
          nullable: true,
          description: 'Stairstep/leadership: the earner’s bracket index (-1 below the first).',
          resolve: (p) => explained(p).e.stairstep?.bracket ?? null,
        }),
      }),
    },
  ),
);

function explained(p: unknown): Explained {
  return (p as { explained: Explained }).explained;
}
