// CommissionLine.explain through the worker: a closed period's lines explained from the frozen snapshot, also
// after the tree changed; staff and the earner's own access; pseudonyms for members the viewer cannot see.
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { monthInZone } from '../../src/lib/time';
import { previousPeriod } from '../../src/modules/commissions/periods/lifecycle';
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
  lines { component volume amount explain(first: $first, after: $after) { totalCount volume rateBasisPoints beforeCap matchesLine
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
  // root → a → b → c, and root → d.
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
    { input: { name: 'Unilevel', plan: EXAMPLE_PLANS.unilevelRanks } },
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
