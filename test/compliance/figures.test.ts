// Compliance figures (issue 15 §1) through the worker with real D1: retail-versus-internal volume for the
// company, markets, a distributor and their team; retail customers; thresholds and who falls short of them
// (staff list, a distributor sees only their own); the customer-volume rank test in a real close; what the
// period's commissions owe to starter kits and own purchases. Every figure worked by hand below.
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { monthInZone } from '../../src/lib/time';
import { previousPeriod } from '../../src/modules/commissions/periods/lifecycle';
import { adminToken, distributorToken, enroll, globalId, gql, gqlOk } from '../helpers';
import { createCustomer, createProduct, order, pay, refund } from '../orders/helpers';
import { closePeriod, schedulePlan } from './helpers';

const last = previousPeriod(monthInZone(new Date(), 'Europe/Copenhagen'));

let admin: string;
let R: number;
let A: number;
let B: number;
let C: number;

// Network: R ← A ← B, R ← C. R, A, B in DE (EUR), C in DK (DKK).
// SHAKE: 100 QV, 3,000 CV (EUR retail 3,990 / wholesale 2,990; DKK 29,900 / 22,400). KIT: a starter kit,
// 50 QV / 1,000 CV nominal, carried as 0 (EUR retail 9,900 / wholesale 4,900).
// Orders of the period (all paid):
//   R: own SHAKE ×1                                 → PV 100, customer 0       (0 %),   0 retail customers
//   A: own SHAKE ×1; c1 SHAKE ×3; c2 SHAKE ×1 + KIT  → PV 500, customer 400    (80 %),  2 (c1, c2)
//   B: own SHAKE ×2; c3 SHAKE ×1                     → PV 300, customer 100    (33.33 %), 1
//   C: c4 SHAKE ×1 refunded in full in the period;
//      c5 SHAKE ×2                                   → PV 200, customer 200    (100 %), 1 (c4 does not count)
// Company: PV 1,100, customer PV 700 → floor(10000 × 700 / 1100) = 6363 bp; retail customers c1, c2, c3, c5 = 4.
// Markets: DE PV 900 / customer 500; DK PV 200 / customer 200. Team of A (A + B): PV 800 / customer 500.
beforeAll(async () => {
  admin = await adminToken();
  R = await enroll(admin, null, { country: 'DE' });
  A = await enroll(admin, R, { country: 'DE' });
  B = await enroll(admin, A, { country: 'DE' });
  C = await enroll(admin, R, { country: 'DK' });
  const prices = [
    { currency: 'DKK', retail: 29900, wholesale: 22400 },
    { currency: 'EUR', retail: 3990, wholesale: 2990 },
  ];
  const shake = await createProduct(admin, 'SHAKE', { qv: 100, cv: 3000, prices });
  const kit = await createProduct(admin, 'KIT', {
    qv: 50,
    cv: 1000,
    kit: true,
    prices: [
      { currency: 'DKK', retail: 99000, wholesale: 49000 },
      { currency: 'EUR', retail: 9900, wholesale: 4900 },
    ],
  });
  const tA = await distributorToken(A);
  const tB = await distributorToken(B);
  const tC = await distributorToken(C);
  const de = { country: 'DE' };
  const [c1, c2] = [await createCustomer(tA, de), await createCustomer(tA, de)];
  const c3 = await createCustomer(tB, de);
  const [c4, c5] = [await createCustomer(tC), await createCustomer(tC)];
  const ids = [
    await order(await distributorToken(R), [[shake, 1]]),
    await order(tA, [[shake, 1]]),
    await order(tA, [[shake, 3]], { customer: c1 }),
    await order(
      tA,
      [
        [shake, 1],
        [kit, 1],
      ],
      { customer: c2 },
    ),
    await order(tB, [[shake, 2]]),
    await order(tB, [[shake, 1]], { customer: c3 }),
    await order(tC, [[shake, 1]], { customer: c4 }),
    await order(tC, [[shake, 2]], { customer: c5 }),
  ];
  for (const id of ids) await pay(admin, id);
  // Arrange: these payments belong to last month (the only way to have a period that has ended).
  const paidAt = new Date(
    Date.UTC(Number(last.slice(0, 4)), Number(last.slice(5)) - 1, 15, 12),
  ).toISOString();
  await env.DB.batch([
    env.DB.prepare('UPDATE sales_order SET period = ?, paid_at = ?').bind(last, paidAt),
    env.DB.prepare('UPDATE volume SET period = ?').bind(last),
  ]);
  expect((await refund(admin, ids[6])).order.status).toBe('REFUNDED');
});

const VOLUME = 'pv cv customerPv customerCv personalPv personalCv customerVolumeBasisPoints';
const COMPANY = `query($p: String!) { complianceFigures(period: $p) { period distributors retailCustomers
  volume { ${VOLUME} } markets { market distributors volume { pv customerPv customerVolumeBasisPoints } } } }`;

const SET_THRESHOLDS = `mutation($input: UpdateComplianceThresholdsInput!) { updateComplianceThresholds(input: $input) {
  __typename ... on MutationUpdateComplianceThresholdsSuccess { thresholds { minCustomerVolumePercent minCustomerVolumeBasisPoints minRetailCustomers } }
  ... on ValidationError { issues { path } } } }`;

const BELOW = `query($p: String!, $first: Int, $after: String) { complianceFigures(period: $p) {
  belowThreshold(first: $first, after: $after) { pageInfo { hasNextPage endCursor }
    edges { node { distributor { id } retailCustomers belowCustomerVolume belowRetailCustomers
      volume { pv customerPv customerVolumeBasisPoints } } } } } }`;

const MEMBER = `query($id: ID!, $p: String!) { distributor(id: $id) { complianceFigures(period: $p) {
  retailCustomers belowCustomerVolume belowRetailCustomers volume { ${VOLUME} } team { pv customerPv customerVolumeBasisPoints } } } }`;

describe('retail versus internal volume', () => {
  it('company-wide and per market, worked by hand', async () => {
    const f = (await gqlOk(COMPANY, { p: last }, admin)).complianceFigures;
    expect(f).toEqual({
      period: last,
      distributors: 4,
      retailCustomers: 4,
      volume: {
        pv: 1100,
        customerPv: 700,
        personalPv: 400,
        // CV: customer 700 / 100 × 3,000 = 21,000; own 400 / 100 × 3,000 = 12,000 (the kit carries 0).
        cv: 33000,
        customerCv: 21000,
        personalCv: 12000,
        customerVolumeBasisPoints: 6363,
      },
      markets: [
        {
          market: 'DE',
          distributors: 3,
          volume: { pv: 900, customerPv: 500, customerVolumeBasisPoints: 5555 },
        },
        {
          market: 'DK',
          distributors: 1,
          volume: { pv: 200, customerPv: 200, customerVolumeBasisPoints: 10000 },
        },
      ],
    });
  });

  it('per distributor and per team; distinct paying customers (a fully refunded one does not count)', async () => {
    const a = (await gqlOk(MEMBER, { id: globalId('Distributor', A), p: last }, admin)).distributor
      .complianceFigures;
    expect(a).toMatchObject({
      retailCustomers: 2,
      volume: { pv: 500, customerPv: 400, personalPv: 100, customerVolumeBasisPoints: 8000 },
      team: { pv: 800, customerPv: 500, customerVolumeBasisPoints: 6250 },
    });
    const c = (await gqlOk(MEMBER, { id: globalId('Distributor', C), p: last }, admin)).distributor
      .complianceFigures;
    expect(c).toMatchObject({ retailCustomers: 1, volume: { pv: 200, customerPv: 200 } });
  });

  it('refuses a malformed period with a typed error', async () => {
    const r = await gql(COMPANY, { p: '2026-13' }, admin);
    expect(r.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('thresholds', () => {
  it('refuses bad thresholds with every issue, writing nothing', async () => {
    const r = (
      await gqlOk(
        SET_THRESHOLDS,
        { input: { minCustomerVolumePercent: 100.5, minRetailCustomers: 0 } },
        admin,
      )
    ).updateComplianceThresholds;
    expect(r.__typename).toBe('ValidationError');
    expect(r.issues.map((i: any) => i.path).sort()).toEqual([
      'minCustomerVolumePercent',
      'minRetailCustomers',
    ]);
    const t = (
      await gqlOk('{ complianceThresholds { minCustomerVolumeBasisPoints minRetailCustomers } }', {}, admin)
    ).complianceThresholds;
    expect(t).toEqual({ minCustomerVolumeBasisPoints: null, minRetailCustomers: null });
    const d = await gql(
      SET_THRESHOLDS,
      { input: { minCustomerVolumePercent: 1 } },
      await distributorToken(A),
    );
    expect(d.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('lists for staff the distributors below 70 % or 2 customers, paged: R, B and C', async () => {
    const set = (
      await gqlOk(SET_THRESHOLDS, { input: { minCustomerVolumePercent: 70, minRetailCustomers: 2 } }, admin)
    ).updateComplianceThresholds;
    expect(set.thresholds).toEqual({
      minCustomerVolumePercent: 70,
      minCustomerVolumeBasisPoints: 7000,
      minRetailCustomers: 2,
    });
    // R: 0 % and 0 customers; B: 33.33 % and 1; C: 100 % but 1 customer; A (80 %, 2) passes both.
    const p1 = (await gqlOk(BELOW, { p: last, first: 2 }, admin)).complianceFigures.belowThreshold;
    expect(p1.pageInfo.hasNextPage).toBe(true);
    expect(p1.edges.map((e: any) => e.node)).toEqual([
      {
        distributor: { id: globalId('Distributor', R) },
        retailCustomers: 0,
        belowCustomerVolume: true,
        belowRetailCustomers: true,
        volume: { pv: 100, customerPv: 0, customerVolumeBasisPoints: 0 },
      },
      {
        distributor: { id: globalId('Distributor', B) },
        retailCustomers: 1,
        belowCustomerVolume: true,
        belowRetailCustomers: true,
        volume: { pv: 300, customerPv: 100, customerVolumeBasisPoints: 3333 },
      },
    ]);
    const p2 = (await gqlOk(BELOW, { p: last, first: 2, after: p1.pageInfo.endCursor }, admin))
      .complianceFigures.belowThreshold;
    expect(p2.pageInfo.hasNextPage).toBe(false);
    expect(p2.edges.map((e: any) => e.node)).toEqual([
      {
        distributor: { id: globalId('Distributor', C) },
        retailCustomers: 1,
        belowCustomerVolume: false,
        belowRetailCustomers: true,
        volume: { pv: 200, customerPv: 200, customerVolumeBasisPoints: 10000 },
      },
    ]);
  });

  it('a cleared threshold tests nothing: 50 % alone lists R (0 %) and B (33.33 %), not C (1 customer)', async () => {
    await gqlOk(SET_THRESHOLDS, { input: { minCustomerVolumePercent: 50, minRetailCustomers: null } }, admin);
    const list = (await gqlOk(BELOW, { p: last }, admin)).complianceFigures.belowThreshold;
    expect(list.edges.map((e: any) => [e.node.distributor.id, e.node.belowRetailCustomers])).toEqual([
      [globalId('Distributor', R), false],
      [globalId('Distributor', B), false],
    ]);
    await gqlOk(SET_THRESHOLDS, { input: { minCustomerVolumePercent: 70, minRetailCustomers: 2 } }, admin);
  });

  it('a distributor sees their own figures and shortfalls only, never another member’s or the company’s', async () => {
    const tB = await distributorToken(B);
    const own = (
      await gqlOk(
        `query($p: String!) { myComplianceFigures(period: $p) { retailCustomers belowCustomerVolume
      belowRetailCustomers volume { pv customerPv customerVolumeBasisPoints } thresholds { minRetailCustomers } } }`,
        { p: last },
        tB,
      )
    ).myComplianceFigures;
    expect(own).toEqual({
      retailCustomers: 1,
      belowCustomerVolume: true,
      belowRetailCustomers: true,
      volume: { pv: 300, customerPv: 100, customerVolumeBasisPoints: 3333 },
      thresholds: { minRetailCustomers: 2 },
    });
    const self = await gql(MEMBER, { id: globalId('Distributor', B), p: last }, tB);
    expect(self.errors).toBeUndefined();
    // A sees B in their downline, but not B's compliance figures; nor the company's figures or list.
    const tA = await distributorToken(A);
    const other = await gql(MEMBER, { id: globalId('Distributor', B), p: last }, tA);
    expect(other.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(other.data?.distributor ?? null).toBeNull();
    expect((await gql(COMPANY, { p: last }, tA)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await gql(BELOW, { p: last }, tA)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
});

describe('the customer-volume rank test in a real close, and attributable commissions', () => {
  it('RETAILER needs 70 % customer volume and 2 retail customers: only A holds it', async () => {
    await schedulePlan(admin, {
      schemaVersion: 1,
      activePv: 0,
      ranks: [
        { id: 'BASIC', minPv: 0, minGv: 0 },
        { id: 'RETAILER', minPv: 100, minGv: 0, minCustomerVolumePercent: 70, minRetailCustomers: 2 },
      ],
      unilevel: { levels: [500], compression: false },
      retail: true,
    });
    await closePeriod(admin, last, false);
    const { results } = await env.DB.prepare(
      'SELECT distributor_id, pv, paid_as_rank FROM period_result WHERE period_id = ? ORDER BY distributor_id',
    )
      .bind(last)
      .all();
    // C has 100 % customer volume but one counting customer (c4 was refunded in full before the close).
    expect(results).toEqual([
      { distributor_id: R, pv: 100, paid_as_rank: 'BASIC' },
      { distributor_id: A, pv: 500, paid_as_rank: 'RETAILER' },
      { distributor_id: B, pv: 300, paid_as_rank: 'BASIC' },
      { distributor_id: C, pv: 200, paid_as_rank: 'BASIC' },
    ]);
  });

  it('retail profit on starter kits is attributed exactly; volume-based pay on kits is 0 (kits carry no volume)', async () => {
    const ATTR = `attribution { planFixed starterKitRetailProfit retailPaidOnStarterKits volumePaidOnStarterKits
      retailPaidOnOwnPurchases ownPurchaseCv ownPurchaseCvBasisPoints starterKitCv retailCommissions volumeBasedCommissions capApplied }`;
    const company = (
      await gqlOk(`query($p: String!) { complianceFigures(period: $p) { ${ATTR} } }`, { p: last }, admin)
    ).complianceFigures.attribution;
    // Kit: 9,900 − 4,900 = 5,000 retail profit (A's customer c2). Retail lines: A 3 × 1,000 + 1,000 + 5,000 = 9,000;
    // B 1,000; C 2 × 7,500 (+ 7,500 − 7,500 refunded) = 15,000 → 25,000. Unilevel 5 % on level 1: R on A's 15,000 +
    // C's 6,000 CV = 1,050; A on B's 9,000 = 450 → 1,500. Own-purchase CV 12,000 of 12,000 + 21,000 + 1,000 kit CV
    // → floor(10000 × 12,000 / 34,000) = 3529 bp.
    expect(company).toEqual({
      planFixed: true,
      starterKitRetailProfit: 5000,
      retailPaidOnStarterKits: 5000,
      volumePaidOnStarterKits: 0,
      retailPaidOnOwnPurchases: 0,
      ownPurchaseCv: 12000,
      ownPurchaseCvBasisPoints: 3529,
      starterKitCv: 1000,
      retailCommissions: 25000,
      volumeBasedCommissions: 1500,
      capApplied: false,
    });
    const a = (
      await gqlOk(
        `query($id: ID!, $p: String!) { distributor(id: $id) { complianceFigures(period: $p) { ${ATTR} } } }`,
        { id: globalId('Distributor', A), p: last },
        admin,
      )
    ).distributor.complianceFigures.attribution;
    expect(a).toMatchObject({
      starterKitRetailProfit: 5000,
      retailCommissions: 9000,
      volumeBasedCommissions: 450,
      ownPurchaseCv: 3000,
    });
  });
});
