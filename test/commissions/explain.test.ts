import { beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_PLANS } from '../../src/modules/commissions/plans/examples';
import { distributorToken, move } from '../helpers';
import { closedNetwork, explainer, mutatePeriod as runPeriodMutation } from './explain-helpers';

let admin: string;
let root: number;
let a: number;
let b: number;
let c: number;
let d: number;
let explainLines: ReturnType<typeof explainer>;
const mutatePeriod = (name: string) => runPeriodMutation(admin, name);

beforeAll(async () => {
  ({ admin, root, a, b, c, d } = await closedNetwork('Unilevel', EXAMPLE_PLANS.unilevelRanks));
  explainLines = explainer(admin);
});

describe('CommissionLine.explain', () => {
  it('names the members, levels, volumes and rates behind each line (staff, in review)', async () => {
    // Unilevel 5 % on levels 1-2 (level 3 needs SENIOR: nobody). Root: L1 = A 20,000 (personal + customer) +
    // D 20,000; L2 = B 10,000. A: L1 = B, L2 = C. A's retail: 29,900 − 22,400 = 7,500.
    const rootLines = await explainLines(root);
    expect(rootLines!['unilevel:L1']).toMatchObject({
      totalCount: 2,
      volume: 40000,
      rateBasisPoints: 500,
      beforeCap: 2000,
      matchesLine: true,
      members: [
        {
          distributor: a,
          pseudonym: null,
          level: 1,
          leg: null,
          kind: 'CV',
          volume: 20000,
          rateBasisPoints: 500,
        },
        {
          distributor: d,
          pseudonym: null,
          level: 1,
          leg: null,
          kind: 'CV',
          volume: 20000,
          rateBasisPoints: 500,
        },
      ],
    });
    expect(rootLines!['unilevel:L2'].members).toEqual([
      {
        distributor: b,
        pseudonym: null,
        level: 2,
        leg: null,
        kind: 'CV',
        volume: 10000,
        rateBasisPoints: 500,
      },
    ]);
    const aLines = await explainLines(a);
    expect(aLines!.retail).toMatchObject({
      volume: 7500,
      beforeCap: 7500,
      matchesLine: true,
      members: [{ distributor: a, level: 0, kind: 'RETAIL_PROFIT', volume: 7500, rateBasisPoints: 10000 }],
    });
    // Every line's contributions add up to its volume.
    for (const lines of [rootLines!, aLines!])
      for (const [component, l] of Object.entries(lines) as [string, any][]) {
        expect(l.matchesLine, component).toBe(true);
        expect(l.members.reduce((s: number, m: any) => s + m.volume, 0)).toBe(l.volume);
      }
  });

  it('pages the contributions with cursors', async () => {
    const first = (await explainLines(root, admin, { first: 1 }))!['unilevel:L1'];
    expect(first.members.map((m: any) => m.distributor)).toEqual([a]);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const next = (await explainLines(root, admin, { first: 1, after: first.pageInfo.endCursor }))![
      'unilevel:L1'
    ];
    expect(next.members.map((m: any) => m.distributor)).toEqual([d]);
    expect(next.pageInfo.hasNextPage).toBe(false);
  });

  it('still explains the snapshot after the tree changed; the earner sees others as pseudonyms', async () => {
    // After the close, C moves from B to root (sponsor) and under D (placement): live, C is nowhere below A.
    for (const tree of ['SPONSOR', 'PLACEMENT'] as const) {
      const moved = await move(admin, c, tree, tree === 'SPONSOR' ? root : d);
      expect(moved.__typename).toBe('MutationMoveDistributorSuccess');
    }
    const staff = await explainLines(a);
    expect(staff!['unilevel:L2']).toMatchObject({
      volume: 10000,
      matchesLine: true,
      members: [{ distributor: c, level: 2, volume: 10000 }],
    });
    // Root's L2 is still B alone (C was at level 3 of root when the period closed).
    expect((await explainLines(root))!['unilevel:L2'].members.map((m: any) => m.distributor)).toEqual([b]);

    // The earner's own view: only once committed, and C (now outside A's downline) only as a pseudonym.
    const own = await distributorToken(a);
    expect(await explainLines(a, own)).toBeNull();
    await mutatePeriod('commitPeriod');
    const mine = await explainLines(a, own);
    expect(mine!['unilevel:L1'].members).toEqual([
      {
        distributor: b,
        pseudonym: null,
        level: 1,
        leg: null,
        kind: 'CV',
        volume: 10000,
        rateBasisPoints: 500,
      },
    ]);
    expect(mine!['unilevel:L2'].members).toEqual([
      {
        distributor: null,
        pseudonym: 'member #1 at level 2',
        level: 2,
        leg: null,
        kind: 'CV',
        volume: 10000,
        rateBasisPoints: 500,
      },
    ]);
    // Nobody else's statement (and so no explanation) is visible to a distributor.
    expect(await explainLines(root, own)).toBeNull();
  });
});
