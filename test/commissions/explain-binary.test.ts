// CommissionLine.explain through the worker for a binary plan: each leg's carry-in and members' CV, from the frozen
// placement tree, also after a placement move.
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { monthInZone } from '../../src/lib/time';
import { loadPeriodInputs, loadPeriodMembers } from '../../src/modules/commissions/periods/inputs';
import { previousPeriod } from '../../src/modules/commissions/periods/lifecycle';
import { compilePlan } from '../../src/modules/commissions/plan';
import { EXAMPLE_PLANS } from '../../src/modules/commissions/plans/examples';
import { adminToken, distributorToken, enroll, globalId, gqlOk, localId, move } from '../helpers';
import { createCustomer, createProduct, order, pay } from '../orders/helpers';

const TZ = 'Europe/Copenhagen';
const last = previousPeriod(monthInZone(new Date(), TZ));

let admin: string;
let root: number;
let a: number;
let b: number;
let c: number;
let d: number;

const EXPLAIN = `query($id: ID!, $p: String!, $first: Int, $after: String) { distributor(id: $id) { statement(period: $p) {
  lines { component volume amount explain(first: $first, after: $after) { totalCount volume rateBasisPoints beforeCap matchesLine leftLeg rightLeg binaryCap
    pageInfo { hasNextPage endCursor }
    edges { node { distributor { id } pseudonym level leg kind volume rateBasisPoints } } } } } } }`;

async function explainLines(id: number, token = admin, page: { first?: number; after?: string } = {}) {
  const r = await gqlOk(EXPLAIN, { id: globalId('Distributor', id), p: last, ...page }, token);
  const lines = r.distributor?.statement?.lines ?? null;
  if (!lines) return null;
  return Object.fromEntries(
    lines.map((l: any) => [
      l.component,
      {
        ...l.explain,
        edges: undefined,
        members: l.explain.edges.map((e: any) => ({
          ...e.node,
          distributor: e.node.distributor ? localId(e.node.distributor.id) : null,
        })),
      },
    ]),
  );
}

async function periodStatus() {
  const r = await gqlOk(`query($p: String!) { commissionPeriod(period: $p) { status } }`, { p: last }, admin);
  return r.commissionPeriod?.status;
}

async function mutatePeriod(name: string) {
  const input = `${name[0].toUpperCase()}${name.slice(1)}Input`;
  await gqlOk(
    `mutation($input: ${input}!) { ${name}(input: $input) { __typename ... on Error { message } } }`,
    { input: { period: last } },
    admin,
  );
}

beforeAll(async () => {
  admin = await adminToken();
  // Sponsor: root → a → b → c, and root → d; auto-placement puts a and d under root, b under a, c under b.
  root = await enroll(admin, null);
  a = await enroll(admin, root);
  b = await enroll(admin, a);
  c = await enroll(admin, b);
  d = await enroll(admin, root);
  const shake = await createProduct(admin, 'SHAKE', { qv: 120, cv: 10000 });
  const orderIds: number[] = [];
  for (const id of [root, a, b, c]) orderIds.push(await order(await distributorToken(id), [[shake, 1]]));
  orderIds.push(await order(await distributorToken(d), [[shake, 2]]));
  const customer = await createCustomer(await distributorToken(a));
  orderIds.push(await order(await distributorToken(a), [[shake, 1]], { customer }));
  for (const id of orderIds) await pay(admin, id);
  const paidAt = new Date(
    Date.UTC(Number(last.slice(0, 4)), Number(last.slice(5)) - 1, 15, 12),
  ).toISOString();
  await env.DB.batch([
    env.DB.prepare('UPDATE sales_order SET period = ?, paid_at = ?').bind(last, paidAt),
    env.DB.prepare('UPDATE volume SET period = ?').bind(last),
  ]);
  const created = await gqlOk(
    `mutation($input: CreatePlanVersionInput!) { createPlanVersion(input: $input) {
      ... on MutationCreatePlanVersionSuccess { planVersion { id } } } }`,
    { input: { name: 'Binary', plan: EXAMPLE_PLANS.binaryFastStart } },
    admin,
  );
  await gqlOk(
    `mutation($input: SchedulePlanVersionInput!) { schedulePlanVersion(input: $input) { __typename } }`,
    { input: { id: created.createPlanVersion.planVersion.id, effectiveFrom: '2020-01' } },
    admin,
  );
  await mutatePeriod('startPeriodClose');
  for (let i = 0; i < 100 && (await periodStatus()) !== 'REVIEW'; i++)
    await new Promise((r) => setTimeout(r, 100));
  expect(await periodStatus()).toBe('REVIEW');
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
