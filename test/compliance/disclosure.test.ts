// The income disclosure statement (issue 15 §2) through the worker: two real periods closed and committed
// through the queue, the statement read from the ledger by GraphQL, CSV and the printable page. Every figure
// worked by hand below.
import { env, SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { monthInZone } from '../../src/lib/time';
import { previousPeriod } from '../../src/modules/commissions/periods/lifecycle';
import { adminToken, distributorToken, enroll, globalId, gql, gqlOk, terminate } from '../helpers';
import { createProduct, order, pay } from '../orders/helpers';
import { closePeriod, moveOrders, schedulePlan } from './helpers';

const P2 = previousPeriod(monthInZone(new Date(), 'Europe/Copenhagen'));
const P1 = previousPeriod(P2);

let admin: string;
const m: Record<string, number> = {};

// Network (all DE, EUR): R ← A ← B, A ← C, R ← D, R ← X (leaves during P2), R ← Y (left before P1),
// N joined after P2 (not a participant). Plan: unilevel 10 % on level 1, no compression, activePv 0; ranks
// BRONZE (PV 100) and SILVER (PV 100, GV 300); minPayout 0.
// SHAKE 100 QV / 1,000 CV, wholesale 2,990; KIT a starter kit, wholesale 4,900.
// P1: A own SHAKE ×1, B own SHAKE ×2, C own KIT ×1, X own SHAKE ×1.
//   CV A 1,000, B 2,000, C 0, X 1,000. R earns 10 % × (A 1,000 + X 1,000) = 200; A earns 10 % × B 2,000 = 200.
//   Ranks: A SILVER (PV 100, GV 300), B and X BRONZE; R, C, D none.
// P2: A own SHAKE ×3, D own SHAKE ×1. R earns 10 % × (3,000 + 1,000) = 400. A SILVER, D BRONZE.
// Adjustments: B +50 made in P2 (counts); C +999 made today, after the range (does not count).
// Earnings: R 600, A 200, B 50, C 0, D 0, X 0 (six participants; Y and N are not).
// Highest rank: A SILVER; B, D, X BRONZE; R, C none.
// Costs: own purchases A 2,990 + 8,970 = 11,960, B 5,980, D 2,990, X 2,990; starter kits C 4,900.
beforeAll(async () => {
  admin = await adminToken();
  const de = { country: 'DE' };
  m.R = await enroll(admin, null, de);
  m.A = await enroll(admin, m.R, de);
  m.B = await enroll(admin, m.A, de);
  m.C = await enroll(admin, m.A, de);
  m.D = await enroll(admin, m.R, de);
  m.X = await enroll(admin, m.R, de);
  m.Y = await enroll(admin, m.R, de);
  m.N = await enroll(admin, m.R, de);
  const p1Start = new Date(Date.UTC(Number(P1.slice(0, 4)), Number(P1.slice(5)) - 1, 1) - 10 * 86_400_000);
  await env.DB.prepare('UPDATE distributor SET joined_at = ? WHERE id != ?')
    .bind(p1Start.toISOString(), m.N)
    .run();
  expect((await terminate(admin, m.Y)).__typename).toMatch(/Success$/);
  await env.DB.prepare(
    "UPDATE genealogy_event SET created_at = ? WHERE distributor_id = ? AND kind = 'TERMINATE'",
  )
    .bind(p1Start.toISOString(), m.Y)
    .run();

  const prices = (wholesale: number) => [{ currency: 'EUR', retail: wholesale + 1000, wholesale }];
  const shake = await createProduct(admin, 'SHAKE', { qv: 100, cv: 1000, prices: prices(2990) });
  const kit = await createProduct(admin, 'KIT', { qv: 100, cv: 1000, kit: true, prices: prices(4900) });
  const own = async (who: string, product: number, qty: number) => {
    const id = await order(await distributorToken(m[who]), [[product, qty]]);
    await pay(admin, id);
    return id;
  };
  await moveOrders(
    [await own('A', shake, 1), await own('B', shake, 2), await own('C', kit, 1), await own('X', shake, 1)],
    P1,
  );
  await moveOrders([await own('A', shake, 3), await own('D', shake, 1)], P2);
  await schedulePlan(admin, {
    schemaVersion: 1,
    activePv: 0,
    ranks: [
      { id: 'BRONZE', minPv: 100, minGv: 0 },
      { id: 'SILVER', minPv: 100, minGv: 300 },
    ],
    unilevel: { levels: [1000], compression: false },
    payout: { minPayout: 0 },
  });
});

const STATS = `count shareBasisPoints earnedNothing earnedNothingBasisPoints total mean median lowest highest
  percentiles { percentile value } meanOwnPurchases meanStarterKits totalOwnPurchases totalStarterKits`;
const DISCLOSURE = `query($from: String, $to: String, $year: Int) { incomeDisclosure(from: $from, to: $to, year: $year) {
  from to periods currency participants histogram otherCurrencyOrders all { ${STATS} } groups { rank statistics { ${STATS} } } } }`;

const pct = (values: number[]) => [10, 25, 50, 75, 90].map((p, i) => ({ percentile: p, value: values[i] }));

async function adjust(who: string, amount: number): Promise<void> {
  const r = await gqlOk(
    `mutation($input: CreateLedgerAdjustmentInput!) { createLedgerAdjustment(input: $input) { __typename } }`,
    { input: { distributorId: globalId('Distributor', m[who]), amount, type: 'BONUS', reason: 'Contest' } },
    admin,
  );
  expect(r.createLedgerAdjustment.__typename).toMatch(/Success$/);
}

describe('income disclosure', () => {
  it('closes and commits two real periods; a range without a committed period is a typed error', async () => {
    await closePeriod(admin, P1, true);
    // X leaves during P2 (after P1 is committed): counted, as someone who was a distributor in the range.
    expect((await terminate(admin, m.X)).__typename).toMatch(/Success$/);
    await closePeriod(admin, P2, false);
    // P2 in review only: not committed, so a range of P2 alone has no committed period.
    const review = await gql(DISCLOSURE, { from: P2, to: P2 }, admin);
    expect(review.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(review.errors?.[0].message).toMatch(/No committed period/);
    const commit = await gqlOk(
      `mutation($input: CommitPeriodInput!) { commitPeriod(input: $input) { __typename } }`,
      { input: { period: P2 } },
      admin,
    );
    expect(commit.commitPeriod.__typename).toBe('MutationCommitPeriodSuccess');
    const empty = await gql(DISCLOSURE, { year: 2019 }, admin);
    expect(empty.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      issues: [{ path: 'year', code: 'NOT_FOUND' }],
    });
    const backwards = await gql(DISCLOSURE, { from: P2, to: P1 }, admin);
    expect(backwards.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      issues: [{ path: 'to' }],
    });
    const both = await gql(DISCLOSURE, { from: P1, to: P2, year: 2026 }, admin);
    expect(both.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('counts every participant — zero earners and the member who left — by highest paid-as rank', async () => {
    await adjust('B', 50);
    const mid = new Date(Date.UTC(Number(P2.slice(0, 4)), Number(P2.slice(5)) - 1, 10)).toISOString();
    await env.DB.prepare("UPDATE ledger_entry SET created_at = ? WHERE kind = 'ADJUSTMENT'").bind(mid).run();
    await adjust('C', 999); // today: after the range, not counted

    const d = (await gqlOk(DISCLOSURE, { from: P1, to: P2 }, admin)).incomeDisclosure;
    expect(d).toMatchObject({
      from: P1,
      to: P2,
      periods: [P1, P2],
      currency: 'EUR',
      participants: 6,
      otherCurrencyOrders: 0,
    });
    // Earnings sorted: 0 (C), 0 (D), 0 (X), 50 (B), 200 (A), 600 (R). Nearest rank ceil(p × 6 / 100):
    // P10 → 1st = 0, P25 → 2nd = 0, P50 → 3rd = 0, P75 → 5th = 200, P90 → 6th = 600. Mean floor(850 / 6) = 141.
    // Own purchases 11,960 + 5,980 + 2,990 + 2,990 = 23,920 → mean 3,986; kits 4,900 → mean 816.
    expect(d.all).toEqual({
      count: 6,
      shareBasisPoints: 10000,
      earnedNothing: 3,
      earnedNothingBasisPoints: 5000,
      total: 850,
      mean: 141,
      median: 0,
      lowest: 0,
      highest: 600,
      percentiles: pct([0, 0, 0, 200, 600]),
      meanOwnPurchases: 3986,
      meanStarterKits: 816,
      totalOwnPurchases: 23920,
      totalStarterKits: 4900,
    });
    expect(d.groups.map((g: any) => g.rank)).toEqual(['SILVER', 'BRONZE', null]);
    // SILVER: A alone (1 of 6 = 1,667 bp).
    expect(d.groups[0].statistics).toMatchObject({
      count: 1,
      shareBasisPoints: 1667,
      total: 200,
      mean: 200,
      median: 200,
      percentiles: pct([200, 200, 200, 200, 200]),
      earnedNothing: 0,
      meanOwnPurchases: 11960,
    });
    // BRONZE: 0 (D), 0 (X), 50 (B). P10 ceil(0.3) = 1st, P25 ceil(0.75) = 1st, P50 ceil(1.5) = 2nd, P75 ceil(2.25) =
    // 3rd, P90 ceil(2.7) = 3rd. Mean floor(50 / 3) = 16. Nothing: 2 of 3 = 6,667 bp. Own (5,980 + 2,990 + 2,990) / 3.
    expect(d.groups[1].statistics).toEqual({
      count: 3,
      shareBasisPoints: 5000,
      earnedNothing: 2,
      earnedNothingBasisPoints: 6667,
      total: 50,
      mean: 16,
      median: 0,
      lowest: 0,
      highest: 50,
      percentiles: pct([0, 0, 0, 50, 50]),
      meanOwnPurchases: 3986,
      meanStarterKits: 0,
      totalOwnPurchases: 11960,
      totalStarterKits: 0,
    });
    // No rank: 0 (C), 600 (R). P50 ceil(1) = 1st = 0, P75 ceil(1.5) = 2nd = 600. Kits 4,900 / 2 = 2,450.
    expect(d.groups[2].statistics).toMatchObject({
      count: 2,
      shareBasisPoints: 3333,
      mean: 300,
      median: 0,
      percentiles: pct([0, 0, 0, 600, 600]),
      earnedNothing: 1,
      earnedNothingBasisPoints: 5000,
      meanStarterKits: 2450,
    });
    // Chart buckets: ≤ 0: C, D, X; under 10.00: B 0.50, A 2.00, R 6.00.
    expect(d.histogram).toEqual([3, 3, 0, 0, 0, 0]);
  });

  it('is staff-only', async () => {
    const t = await distributorToken(m.A);
    expect((await gql(DISCLOSURE, { from: P1, to: P2 }, t)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const res = await SELF.fetch(`http://localhost/compliance/income-disclosure.csv?from=${P1}&to=${P2}`, {
      headers: { authorization: `Bearer ${t}` },
    });
    expect(res.status).toBe(403);
  });

  it('CSV: one row for all participants and one per rank, amounts in major units', async () => {
    const res = await SELF.fetch(`http://localhost/compliance/income-disclosure.csv?from=${P1}&to=${P2}`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const rows = (await res.text()).split('\r\n');
    expect(rows[0]).toBe(
      'from,to,periods,currency,group,participants,share_percent,earned_nothing,earned_nothing_percent,mean,median,lowest,highest,p10,p25,p50,p75,p90,total,mean_own_purchases,mean_starter_kits',
    );
    expect(rows.slice(1)).toEqual([
      `${P1},${P2},${P1} ${P2},EUR,ALL,6,100.00,3,50.00,1.41,0.00,0.00,6.00,0.00,0.00,0.00,2.00,6.00,8.50,39.86,8.16`,
      `${P1},${P2},${P1} ${P2},EUR,SILVER,1,16.67,0,0.00,2.00,2.00,2.00,2.00,2.00,2.00,2.00,2.00,2.00,2.00,119.60,0.00`,
      `${P1},${P2},${P1} ${P2},EUR,BRONZE,3,50.00,2,66.67,0.16,0.00,0.00,0.50,0.00,0.00,0.00,0.50,0.50,0.50,39.86,0.00`,
      `${P1},${P2},${P1} ${P2},EUR,NONE,2,33.33,1,50.00,3.00,0.00,0.00,6.00,0.00,0.00,0.00,6.00,6.00,6.00,0.00,24.50`,
      '',
    ]);
    const bad = await SELF.fetch('http://localhost/compliance/income-disclosure.csv?year=2019', {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('the printable page states its method and draws the distribution as SVG, in each locale', async () => {
    const page = async (locale: string) => {
      const res = await SELF.fetch(
        `http://localhost/compliance/income-disclosure.html?from=${P1}&to=${P2}&locale=${locale}`,
        { headers: { authorization: `Bearer ${admin}` } },
      );
      return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
    };
    const en = await page('en');
    expect(en.status).toBe(200);
    expect(en.type).toMatch(/^text\/html/);
    expect(en.body).toContain('<html lang="en">');
    expect(en.body).toContain('Who is counted: everyone who was a distributor at any time');
    expect(en.body).toContain('Earnings: the commissions of the committed periods');
    expect(en.body).toContain('Costs: what participants paid for their own orders');
    const svg = en.body.slice(en.body.indexOf('<svg'), en.body.indexOf('</svg>'));
    expect(svg.length).toBeGreaterThan(0);
    // Two bars of three participants each (50 % of six), four empty ones.
    expect(svg.match(/<rect /g)?.length).toBe(6);
    expect(svg.match(/>3 \(50\.00 %\)</g)?.length).toBe(2);
    expect(svg.match(/>0 \(0\.00 %\)</g)?.length).toBe(4);
    const words = { da: 'Hvem tælles med', pl: 'Kogo liczymy', de: 'Wer gezählt wird' };
    for (const [locale, method] of Object.entries(words)) {
      const p = await page(locale);
      expect(p.body).toContain(`<html lang="${locale}">`);
      expect(p.body).toContain(method);
      expect(p.body).toContain('<svg');
    }
    expect((await page('fr')).status).toBe(400);
  });
});
