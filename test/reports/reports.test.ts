// The reports (issue 15 §4) through the worker: a small network with orders paid through GraphQL, a
// termination, leads and messages, and a committed period closed through the queue. Every figure is worked by
// hand below, and every maintained counter is compared with a recomputation from the raw rows.
import { env, SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { monthInZone } from '../../src/lib/time';
import { previousPeriod } from '../../src/modules/commissions/periods/lifecycle';
import { closePeriod, moveOrders, schedulePlan } from '../compliance/helpers';
import { adminToken, distributorToken, enroll, gid, gql, gqlOk, terminate } from '../helpers';
import { jobRow, until } from '../jobs/faults';
import { createCustomer, createProduct, order, pay, refund } from '../orders/helpers';

const NOW = monthInZone(new Date(), 'Europe/Copenhagen');
const PREV = previousPeriod(NOW);
const FROM = previousPeriod(PREV);

let admin: string;
const m: Record<string, number> = {};
let shake: number;
let bar: number;
let kunde: number;

// Network (DE, EUR): R ← A ← B, A ← C, R ← D. SHAKE 100 QV / 1,000 CV, wholesale 2,990, retail 3,990;
// BAR 10 QV / 100 CV, wholesale 500, retail 900.
// This month: A own SHAKE ×2 (5,980); A's customer K buys SHAKE ×1 + BAR ×3 (3,990 + 2,700), and again BAR ×1
// (900); B own BAR ×1 (500, paid). C own SHAKE ×1 stays unpaid. C is terminated this month.
beforeAll(async () => {
  admin = await adminToken();
  const de = { country: 'DE' };
  m.R = await enroll(admin, null, de);
  m.A = await enroll(admin, m.R, de);
  m.B = await enroll(admin, m.A, de);
  m.C = await enroll(admin, m.A, de);
  m.D = await enroll(admin, m.R, de);
  const prices = (wholesale: number, retail: number) => [{ currency: 'EUR', retail, wholesale }];
  shake = await createProduct(admin, 'SHAKE', { qv: 100, cv: 1000, prices: prices(2990, 3990) });
  bar = await createProduct(admin, 'BAR', { qv: 10, cv: 100, prices: prices(500, 900) });
  const a = await distributorToken(m.A);
  kunde = await createCustomer(a, { country: 'DE', locale: 'de' });
  await pay(admin, await order(a, [[shake, 2]]));
  await pay(
    admin,
    await order(
      a,
      [
        [shake, 1],
        [bar, 3],
      ],
      { customer: kunde },
    ),
  );
  await pay(admin, await order(a, [[bar, 1]], { customer: kunde }));
  await pay(admin, await order(await distributorToken(m.B), [[bar, 1]]));
  await order(await distributorToken(m.C), [[shake, 1]]);
  expect((await terminate(admin, m.C)).__typename).toMatch(/Success$/);
});

const SALES = `query($from: String!, $to: String!, $d: ID) { salesReport(from: $from, to: $to, distributorId: $d) {
  scope rows { period market sku currency kind quantity amount qv cv } team { period groupQv groupCv ownQv ownCv ownCustomerQv ownCustomerCv } } }`;

describe('sales', () => {
  it('staff see the company by period × market × product × kind, from paid orders only', async () => {
    const r = (await gqlOk(SALES, { from: NOW, to: NOW }, admin)).salesReport;
    expect(r.scope).toBe('COMPANY');
    const row = (p: Record<string, unknown>) => ({ period: NOW, market: 'DE', currency: 'EUR', ...p });
    expect(r.rows).toEqual([
      row({ sku: 'BAR', kind: 'CUSTOMER', quantity: 4, amount: 3600, qv: 40, cv: 400 }),
      row({ sku: 'BAR', kind: 'PERSONAL', quantity: 1, amount: 500, qv: 10, cv: 100 }),
      row({ sku: 'SHAKE', kind: 'CUSTOMER', quantity: 1, amount: 3990, qv: 100, cv: 1000 }),
      row({ sku: 'SHAKE', kind: 'PERSONAL', quantity: 2, amount: 5980, qv: 200, cv: 2000 }),
    ]);
  });

  it('a team covers committed periods only: an open month is REPORT_NOT_READY; a distributor sees only their own team', async () => {
    // The team view (period × market × product, team volume) is the rollup of committed periods
    // (teamRollup.test.ts); NOW is open.
    const a = await distributorToken(m.A);
    const open = await gql(SALES, { from: NOW, to: NOW }, a);
    expect(open.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'REPORT_NOT_READY' });
    const staffOpen = await gql(SALES, { from: NOW, to: NOW, d: gid(m.A) }, admin);
    expect(staffOpen.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'REPORT_NOT_READY' });
    const other = await gql(SALES, { from: NOW, to: NOW, d: gid(m.R) }, a);
    expect(other.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('refuses a bad range with a typed error', async () => {
    const r = await gql(SALES, { from: NOW, to: '2020-13' }, admin);
    expect(r.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});

const GROWTH = `query($from: String!, $to: String!, $d: ID) { teamGrowthReport(from: $from, to: $to, distributorId: $d) {
  month enrollments terminations netGrowth } }`;

describe('team growth', () => {
  it('counts enrollments and terminations of the company and of a team', async () => {
    const company = (await gqlOk(GROWTH, { from: PREV, to: NOW }, admin)).teamGrowthReport;
    expect(company).toEqual([
      { month: PREV, enrollments: 0, terminations: 0, netGrowth: 0 },
      { month: NOW, enrollments: 5, terminations: 1, netGrowth: 4 },
    ]);
    const a = (await gqlOk(GROWTH, { from: NOW, to: NOW }, await distributorToken(m.A))).teamGrowthReport;
    expect(a).toEqual([{ month: NOW, enrollments: 2, terminations: 1, netGrowth: 1 }]);
    const d = (await gqlOk(GROWTH, { from: NOW, to: NOW, d: gid(m.D) }, admin)).teamGrowthReport;
    expect(d).toEqual([{ month: NOW, enrollments: 0, terminations: 0, netGrowth: 0 }]);
  });
});

const RETENTION = `query($from: String!, $to: String!, $d: ID) { retentionReport(from: $from, to: $to, distributorId: $d) {
  cohort customers returning returningBasisPoints } }`;

describe('retention', () => {
  it('a cohort is the month of a customer’s first paid order; later months count returning customers', async () => {
    // K's first paid order is this month (cohort NOW). K2 paid in FROM (an order written PAID, as the order
    // import writes them) and again this month: cohort FROM, returning in month +2.
    const k2 = await createCustomer(await distributorToken(m.A), { country: 'DE', locale: 'de' });
    // An order paid in FROM for a second customer, through the import-style path (a row inserted PAID).
    await env.DB.prepare(
      `INSERT INTO sales_order (kind, distributor_id, customer_id, status, currency, total, qv, cv, created_by,
         created_at, paid_at, period) VALUES ('CUSTOMER', ?, ?, 'PAID', 'EUR', 900, 10, 100, 'test', ?, ?, ?)`,
    )
      .bind(m.A, k2, `${FROM}-10T10:00:00.000Z`, `${FROM}-10T10:00:00.000Z`, FROM)
      .run();
    // The same customer pays again this month through GraphQL.
    await pay(admin, await order(await distributorToken(m.A), [[bar, 1]], { customer: k2 }));
    const company = (await gqlOk(RETENTION, { from: FROM, to: NOW }, admin)).retentionReport;
    expect(company).toEqual([
      { cohort: FROM, customers: 1, returning: [0, 1], returningBasisPoints: [0, 10000] },
      { cohort: PREV, customers: 0, returning: [0], returningBasisPoints: [null] },
      { cohort: NOW, customers: 1, returning: [], returningBasisPoints: [] },
    ]);
    // A's own cells (the source of the team rollups): every customer is A's.
    const own = await env.DB.prepare(
      'SELECT cohort, month, customers FROM report_cohort WHERE scope_id = ? AND customers != 0 ORDER BY 1, 2',
    )
      .bind(m.A)
      .all();
    expect(own.results).toEqual([
      { cohort: FROM, month: FROM, customers: 1 },
      { cohort: FROM, month: NOW, customers: 1 },
      { cohort: NOW, month: NOW, customers: 1 },
    ]);
    // A team's view is the rollup of committed periods: a range with open months is not ready.
    const team = await gql(RETENTION, { from: FROM, to: NOW }, await distributorToken(m.A));
    expect(team.errors?.[0].extensions?.reason).toBe('REPORT_NOT_READY');
  });
});

describe('lead funnel and messages', () => {
  it('counts stages reached and the hours to first contact; message outcomes per template', async () => {
    const insertLead = (ext: string, campaign: string, owner: number | null, createdAt: string) =>
      env.DB.prepare(
        `INSERT INTO lead (source, external_id, status, campaign_id, assigned_distributor_id, created_at, updated_at)
         VALUES ('META', ?, 'NEW', ?, ?, ?, ?)`,
      )
        .bind(ext, campaign, owner, createdAt, createdAt)
        .run();
    const t0 = new Date(Date.now() - 10 * 3_600_000).toISOString();
    await insertLead('l1', 'spring', m.A, t0);
    await insertLead('l2', 'spring', m.A, t0);
    await insertLead('l3', 'spring', null, t0);
    const ids = (
      await env.DB.prepare("SELECT id, external_id FROM lead WHERE external_id IN ('l1','l2','l3')").all<{
        id: number;
        external_id: string;
      }>()
    ).results.reduce<Record<string, number>>((o, r) => Object.assign(o, { [r.external_id]: r.id }), {});
    const a = await distributorToken(m.A);
    const SET = `mutation($input: SetLeadStatusInput!) { setLeadStatus(input: $input) { __typename ... on Error { message } } }`;
    // l1: NEW → CONTACTED → QUALIFIED (2 h and more after it came in: the contact is ~10 h after t0).
    for (const status of ['CONTACTED', 'QUALIFIED'])
      expect(
        (await gqlOk(SET, { input: { id: btoa(`Lead:${ids.l1}`), status } }, a)).setLeadStatus.__typename,
      ).toMatch(/Success$/);
    // l2: NEW → CONTACTED.
    expect(
      (await gqlOk(SET, { input: { id: btoa(`Lead:${ids.l2}`), status: 'CONTACTED' } }, a)).setLeadStatus
        .__typename,
    ).toMatch(/Success$/);
    const FUNNEL = `query($from: String!, $to: String!) { leadFunnelReport(from: $from, to: $to) {
      source campaign new contacted qualified converted medianHoursToFirstContact } }`;
    const month = t0.slice(0, 7);
    const company = (await gqlOk(FUNNEL, { from: month, to: month }, admin)).leadFunnelReport;
    expect(company).toEqual([
      {
        source: 'META',
        campaign: 'spring',
        new: 3,
        contacted: 2,
        qualified: 1,
        converted: 0,
        medianHoursToFirstContact: 10,
      },
    ]);
    const own = await env.DB.prepare(
      'SELECT stage, leads FROM report_lead_funnel WHERE scope_id = ? AND month = ? ORDER BY stage',
    )
      .bind(m.A, month)
      .all();
    expect(own.results).toEqual([
      { stage: 0, leads: 2 },
      { stage: 1, leads: 2 },
      { stage: 2, leads: 1 },
    ]);
    expect((await gql(FUNNEL, { from: month, to: month }, a)).errors?.[0].extensions?.reason).toBe(
      'REPORT_NOT_READY',
    );

    // Messages: two SMS of template 'promo' owned by A to customer K: one delivered (then K replies and
    // opts out), one failed. K's later paid order falls within 1 day of the delivered one.
    const queued = new Date(Date.now() - 3_600_000).toISOString();
    const insertMessage = (key: string) =>
      env.DB.prepare(
        `INSERT INTO message_outbox (recipient_type, recipient_id, address, channel, purpose, template_key, locale, body,
           sender_kind, sender, owner_distributor_id, idempotency_key, created_at, updated_at)
         VALUES ('CUSTOMER', ?, '+4912345', 'SMS', 'MARKETING', 'promo', 'de', 'Hi', 'DISTRIBUTOR', 'A', ?, ?, ?, ?)`,
      )
        .bind(kunde, m.A, key, queued, queued)
        .run();
    await insertMessage('m1');
    await insertMessage('m2');
    const status = (key: string, s: string, sent: boolean) =>
      env.DB.prepare(
        `UPDATE message_outbox SET status = ?, sent_at = CASE WHEN ? THEN coalesce(sent_at, ?) END WHERE idempotency_key = ?`,
      )
        .bind(s, sent ? 1 : 0, queued, key)
        .run();
    await status('m1', 'SENT', true);
    await status('m1', 'DELIVERED', true);
    await status('m2', 'FAILED', false);
    await env.DB.prepare(
      `INSERT INTO activity (subject_type, subject_id, kind, body, occurred_at, author, created_at)
       VALUES ('CUSTOMER', ?, 'SMS', 'Reply', ?, 'inbound:sms', ?)`,
    )
      .bind(kunde, queued, queued)
      .run();
    await env.DB.prepare(
      `INSERT INTO message_consent (subject_type, subject_id, channel, action, source, recorded_by, recorded_at)
       VALUES ('CUSTOMER', ?, 'SMS', 'WITHDRAWN', 'sms:STOP', 'recipient', ?)`,
    )
      .bind(kunde, queued)
      .run();
    await pay(admin, await order(a, [[bar, 1]], { customer: kunde }));
    const MESSAGES = `query($from: String!, $to: String!, $days: Int) { messagePerformanceReport(from: $from, to: $to, days: $days) {
      channel template sent delivered failed optedOut replied orderedWithinDays } }`;
    const qm = queued.slice(0, 7);
    // Company view (every message here is A's); A's team view of an open month is not ready.
    const perf = (await gqlOk(MESSAGES, { from: qm, to: qm, days: 0 }, admin)).messagePerformanceReport;
    expect(perf).toEqual([
      {
        channel: 'SMS',
        template: 'promo',
        sent: 1,
        delivered: 1,
        failed: 1,
        optedOut: 1,
        replied: 1,
        orderedWithinDays: 1,
      },
    ]);
    expect((await gql(MESSAGES, { from: qm, to: qm }, a)).errors?.[0].extensions?.reason).toBe(
      'REPORT_NOT_READY',
    );
    const ownMessages = await env.DB.prepare(
      `SELECT sent, delivered, failed, opted_out, replied FROM report_message WHERE scope_id = ? AND month = ?`,
    )
      .bind(m.A, qm)
      .all();
    expect(ownMessages.results).toEqual([{ sent: 1, delivered: 1, failed: 1, opted_out: 1, replied: 1 }]);
  });
});

describe('aggregates equal a recomputation from the raw rows', () => {
  it('sales, cohorts and terminations', async () => {
    // A partial refund of K's first order (one BAR) leaves its period's sales.
    const line = await env.DB.prepare(
      `SELECT l.id, l.order_id FROM order_line l JOIN sales_order o ON o.id = l.order_id JOIN product p ON p.id = l.product_id
       WHERE o.customer_id = ? AND p.sku = 'BAR' AND l.quantity = 3`,
    )
      .bind(kunde)
      .first<{ id: number; order_id: number }>();
    expect((await refund(admin, line!.order_id, [[line!.id, 1]])).__typename).toMatch(/Success$/);
    const q = async (sql: string) => (await env.DB.prepare(sql).all()).results;
    expect(
      await q(
        'SELECT period, market, product_id, currency, kind, quantity, amount, qv, cv FROM report_sales ORDER BY 1,2,3,4,5',
      ),
    ).toEqual(
      await q(`SELECT period, market, product_id, currency, kind, sum(quantity) AS quantity, sum(amount) AS amount,
          sum(qv) AS qv, sum(cv) AS cv FROM (
          SELECT o.period, coalesce(c.country, d.country) AS market, l.product_id, o.currency, o.kind, l.quantity,
            l.quantity * l.unit_price AS amount, l.quantity * l.unit_qv AS qv, l.quantity * l.unit_cv AS cv
          FROM sales_order o JOIN order_line l ON l.order_id = o.id JOIN distributor d ON d.id = o.distributor_id
          LEFT JOIN customer c ON c.id = o.customer_id WHERE o.paid_at IS NOT NULL
          UNION ALL
          SELECT r.period, coalesce(c.country, d.country), l.product_id, o.currency, o.kind, -(j.value ->> '$.quantity'),
            -(j.value ->> '$.quantity') * l.unit_price, -(j.value ->> '$.quantity') * l.unit_qv, -(j.value ->> '$.quantity') * l.unit_cv
          FROM refund r, json_each(r.lines) j JOIN order_line l ON l.id = j.value ->> '$.lineId'
          JOIN sales_order o ON o.id = l.order_id JOIN distributor d ON d.id = o.distributor_id
          LEFT JOIN customer c ON c.id = o.customer_id
        ) GROUP BY 1,2,3,4,5 ORDER BY 1,2,3,4,5`),
    );
    expect(
      await q(
        'SELECT scope_id, cohort, month, customers FROM report_cohort WHERE customers != 0 AND scope_id = 0 ORDER BY 2,3',
      ),
    ).toEqual(
      await q(`SELECT 0 AS scope_id, f.cohort, p.period AS month, count(DISTINCT p.customer_id) AS customers
        FROM (SELECT customer_id, min(period) AS cohort FROM sales_order WHERE paid_at IS NOT NULL AND customer_id IS NOT NULL GROUP BY 1) f
        JOIN sales_order p ON p.customer_id = f.customer_id AND p.paid_at IS NOT NULL GROUP BY 2, 3 ORDER BY 2, 3`),
    );
    expect(await q('SELECT sum(members) AS n FROM report_terminations WHERE scope_id = 0')).toEqual(
      await q("SELECT count(*) AS n FROM distributor WHERE status = 'TERMINATED'"),
    );
  });
});

describe('ranks', () => {
  it('paid-as ranks of a committed period, company and team; a range without one is a typed error', async () => {
    await schedulePlan(admin, {
      schemaVersion: 1,
      activePv: 0,
      ranks: [{ id: 'BRONZE', minPv: 100, minGv: 0 }],
      unilevel: { levels: [1000], compression: false },
      payout: { minPayout: 0 },
    });
    // Two of A's own orders move into PREV: A is BRONZE there (PV 200); nobody else has PV.
    const ids = (
      await env.DB.prepare(
        "SELECT id FROM sales_order WHERE distributor_id = ? AND kind = 'PERSONAL' AND status = 'PAID'",
      )
        .bind(m.A)
        .all<{ id: number }>()
    ).results.map((r) => r.id);
    await moveOrders(ids, PREV);
    await env.DB.prepare('UPDATE distributor SET joined_at = ?').bind(`${FROM}-01T00:00:00.000Z`).run();
    await closePeriod(admin, PREV, true);
    const RANKS = `query($from: String!, $to: String!, $d: ID) { rankDistributionReport(from: $from, to: $to, distributorId: $d) {
      period rank members } }`;
    const company = (await gqlOk(RANKS, { from: FROM, to: NOW }, admin)).rankDistributionReport;
    const members = (await env.DB.prepare('SELECT count(*) AS n FROM period_result WHERE period_id = ?')
      .bind(PREV)
      .first<{ n: number }>())!.n;
    expect(company).toEqual([
      { period: PREV, rank: null, members: members - 1 },
      { period: PREV, rank: 'BRONZE', members: 1 },
    ]);
    // The teams' counts are made by a queued job after the commit (here run by the real queue).
    await until(
      () => jobRow(`report-team-ranks:${PREV}`),
      (j) => j?.status === 'DONE',
      'the team rank job',
    );
    const team = (await gqlOk(RANKS, { from: PREV, to: PREV }, await distributorToken(m.R)))
      .rankDistributionReport;
    expect(team).toEqual([{ period: PREV, rank: 'BRONZE', members: 1 }]);
    const b = (await gqlOk(RANKS, { from: PREV, to: PREV }, await distributorToken(m.B)))
      .rankDistributionReport;
    expect(b).toEqual([]);
    const empty = await gql(RANKS, { from: NOW, to: NOW }, admin);
    expect(empty.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('CSV', () => {
  it('serves each report as CSV to staff and distributors, with the GraphQL scope rules', async () => {
    const get = (path: string, token: string) =>
      SELF.fetch(`https://x${path}`, { headers: { authorization: `Bearer ${token}` } });
    const sales = await get(`/reports/sales.csv?from=${NOW}&to=${NOW}`, admin);
    expect(sales.status).toBe(200);
    expect(sales.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = (await sales.text()).trim().split('\n');
    expect(lines[0]).toBe('period,market,sku,currency,kind,quantity,amount_minor,qv,cv');
    expect(lines).toContain(`${NOW},DE,SHAKE,EUR,PERSONAL,2,5980,200,2000`);
    const a = await distributorToken(m.A);
    const growth = await get(`/reports/team-growth.csv?from=${NOW}&to=${NOW}`, a);
    expect((await growth.text()).trim().split('\n')).toEqual([
      'month,enrollments,terminations,net_growth',
      `${NOW},2,1,1`,
    ]);
    for (const name of ['retention', 'lead-funnel', 'messages']) {
      expect((await get(`/reports/${name}.csv?from=${NOW}&to=${NOW}`, admin)).status).toBe(200);
      // A team's view of an open month is not ready.
      expect((await get(`/reports/${name}.csv?from=${NOW}&to=${NOW}`, a)).status).toBe(409);
    }
    expect((await get(`/reports/sales.csv?from=${NOW}&to=${NOW}&distributorId=${gid(m.R)}`, a)).status).toBe(
      403,
    );
    expect((await get(`/reports/sales.csv?from=x&to=${NOW}`, a)).status).toBe(400);
    expect((await get(`/reports/toString.csv?from=${NOW}&to=${NOW}`, a)).status).toBe(404);
    expect((await SELF.fetch(`https://x/reports/sales.csv?from=${NOW}&to=${NOW}`)).status).toBe(401);
  });
});
