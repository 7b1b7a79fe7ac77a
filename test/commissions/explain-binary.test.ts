// CommissionLine.explain through the worker for a binary plan: each leg's carry-in and members' CV, from the frozen
// placement tree, also after a placement move.
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadPeriodInputs, loadPeriodMembers } from '../../src/modules/commissions/periods/inputs';
import { compilePlan } from '../../src/modules/commissions/plan';
import { EXAMPLE_PLANS } from '../../src/modules/commissions/plans/examples';
import { move } from '../helpers';
import { closedNetwork, explainer, last } from './explain-helpers';

let admin: string;
let root: number;
let a: number;
let b: number;
let c: number;
let d: number;
let explainLines: ReturnType<typeof explainer>;

beforeAll(async () => {
  ({ admin, root, a, b, c, d } = await closedNetwork('Binary', EXAMPLE_PLANS.binaryFastStart));
  explainLines = explainer(admin, 'leftLeg rightLeg binaryCap');
});

describe('CommissionLine.explain (binary)', () => {
  it('gives each leg’s members with their placement level and CV; a placement move after the close changes nothing', async () => {
    const pos = async (id: number) =>
      (await env.DB.prepare('SELECT placement_position AS p FROM distributor WHERE id = ?')
        .bind(id)
        .first<{ p: number }>())!.p;
    const legOf = async (id: number) => ((await pos(id)) === 0 ? 'LEFT' : 'RIGHT');
    const [aLeg, dLeg] = [await legOf(a), await legOf(d)];
    expect(new Set([aLeg, dLeg])).toEqual(new Set(['LEFT', 'RIGHT']));
    // A's leg: A 20,000 (personal + customer) + B 10,000 + C 10,000 = 40,000; D's leg: D 20,000. Pair 20,000 at
    // 10 % = 2,000; root is BRONZE (GV 720 QV ≥ 500): cap 100,000.
    const expected = () => {
      const aSide = [
        { distributor: a, level: 1, leg: aLeg, volume: 20000 },
        { distributor: b, level: 2, leg: aLeg, volume: 10000 },
        { distributor: c, level: 3, leg: aLeg, volume: 10000 },
      ];
      const dSide = [{ distributor: d, level: 1, leg: dLeg, volume: 20000 }];
      return aLeg === 'LEFT' ? [...aSide, ...dSide] : [...dSide, ...aSide];
    };
    const check = async () => {
      const pair = (await explainLines(root))!['binary:pair'];
      expect(pair).toMatchObject({
        volume: 20000,
        rateBasisPoints: 1000,
        beforeCap: 2000,
        binaryCap: 100000,
        matchesLine: true,
        totalCount: 4,
      });
      expect([pair.leftLeg, pair.rightLeg]).toEqual(aLeg === 'LEFT' ? [40000, 20000] : [20000, 40000]);
      expect(
        pair.members.map((m: any) => ({
          distributor: m.distributor,
          level: m.level,
          leg: m.leg,
          volume: m.volume,
        })),
      ).toEqual(expected());
      expect(pair.members.every((m: any) => m.kind === 'CV' && m.rateBasisPoints === 1000)).toBe(true);
    };
    await check();
    // C moves in the placement tree to under D (the other leg): the explanation still shows the snapshot.
    const moved = await move(admin, c, 'PLACEMENT', d);
    expect(moved.__typename).toBe('MutationMoveDistributorSuccess');
    await check();
  });
});

describe('period inputs', () => {
  it('the close loads only the arrays its plan reads; what-if (two plans on the same members) gets them all', async () => {
    const unilevel = compilePlan(EXAMPLE_PLANS.unilevelRanks as never);
    const lean = await loadPeriodMembers(env.DB, last, unilevel);
    expect([lean.members.placementParent, lean.members.carryInLeft, lean.members.joinedAt]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    const full = await loadPeriodInputs(env.DB, last, unilevel);
    expect(full.members.placementParent).toBeInstanceOf(Int32Array);
    expect(full.members.carryInLeft).toBeInstanceOf(Float64Array);
    expect(full.members.joinedAt).toBeInstanceOf(Float64Array);
    expect([...full.members.sponsor]).toEqual([...lean.members.sponsor]);
  });
});
