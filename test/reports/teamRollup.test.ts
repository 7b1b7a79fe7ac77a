// Team reports over committed periods (migration 0031): after a commit, the job report.teamRanks sums the
// period's sales (per market × product), retention cohorts, lead funnel and message counters into every
// sponsor team. The test writes a period's data the way the imports and the live paths do (rows written PAID
// with their lines, a refund, leads with status changes, a message sent and delivered), closes and commits the
// period through the queue, and checks the team views by hand and every rollup cell against a recomputation
// from the raw rows with the team read by sponsor-path prefix.
import { env, SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import migration from '../../migrations/0031_report_team_rollups.sql?raw';
import { monthInZone } from '../../src/lib/time';
import { previousPeriod } from '../../src/modules/commissions/periods/lifecycle';
import { closePeriod, schedulePlan } from '../compliance/helpers';
import { adminToken, distributorToken, enroll, gid, gql, gqlOk } from '../helpers';
import { jobRow, until } from '../jobs/faults';
import { createCustomer, createProduct } from '../orders/helpers';
import { deliver } from '../queueHelpers';

const NOW = monthInZone(new Date(), 'Europe/Copenhagen');
const PREV = previousPeriod(NOW);
const FROM = previousPeriod(PREV);
const AT = (month: string, h = 12) => `${month}-15T${String(h).padStart(2, '0')}:00:00.000Z`;

let admin: string;
const m: Record<string, number> = {};
const k: Record<string, number> = {};
let shake: number;
let bar: number;

type Line = [product: number, quantity: number, price: number, qv: number, cv: number];

/** An order written PAID with its lines, as the order import writes them (the report triggers run). */
async function paidOrder(distributor: number, customer: number | null, period: string, lines: Line[]) {
  const total = lines.reduce((s, l) => s + l[1] * l[2], 0);
  const row = await env.DB.prepare(
    `INSERT INTO sales_order (kind, distributor_id, customer_id, status, currency, total, qv, cv, created_by,
       created_at, paid_at, period) VALUES (?, ?, ?, 'PAID', 'EUR', ?, ?, ?, 'test', ?, ?, ?) RETURNING id`,
  )
    .bind(
      customer ? 'CUSTOMER' : 'PERSONAL',
      distributor,
      customer,
      total,
      lines.reduce((s, l) => s + l[1] * l[3], 0),
      lines.reduce((s, l) => s + l[1] * l[4], 0),
      AT(period),
      AT(period),
      period,
    )
    .first<{ id: number }>();
  const ids: number[] = [];
  for (const [product, quantity, price, qv, cv] of lines) {
    const line = await env.DB.prepare(
      `INSERT INTO order_line (order_id, product_id, sku, quantity, unit_price, unit_retail, unit_wholesale, unit_qv,
         unit_cv, is_starter_kit) SELECT ?, id, sku, ?, ?, ?, ?, ?, ?, 0 FROM product WHERE id = ? RETURNING id`,
    )
      .bind(row!.id, quantity, price, price, price, qv, cv, product)
      .first<{ id: number }>();
    ids.push(line!.id);
  }
  return { id: row!.id, lines: ids };
}

// Network: R ← A ← B, A ← C, R ← D. A in DE, B in PL, D in DE; A's customer kA in AT, B's customer kB in PL.
// PREV: A own SHAKE ×2; kA SHAKE ×1 + BAR ×3, one BAR refunded in PREV; B own BAR ×1; kB BAR ×2; D own
// SHAKE ×1. kA paid already in FROM (cohort FROM), kB first in PREV (cohort PREV). Leads of PREV: A's (contacted
// after exactly 5 h: counted 5, not 4.999… → 4), B's (new), one unassigned. B's SMS 'promo' to kB, sent and delivered.
beforeAll(async () => {
  admin = await adminToken();
  m.R = await enroll(admin, null, { country: 'DE' });
  m.A = await enroll(admin, m.R, { country: 'DE' });
  m.B = await enroll(admin, m.A, { country: 'PL' });
  m.C = await enroll(admin, m.A, { country: 'DE' });
  m.D = await enroll(admin, m.R, { country: 'DE' });
  shake = await createProduct(admin, 'SHAKE', { qv: 100, cv: 1000 });
  bar = await createProduct(admin, 'BAR', { qv: 10, cv: 100 });
  k.A = await createCustomer(await distributorToken(m.A), { country: 'AT', locale: 'de' });
  k.B = await createCustomer(await distributorToken(m.B), { country: 'PL', locale: 'pl' });
  await paidOrder(m.A, k.A, FROM, [[bar, 1, 900, 10, 100]]);
  await paidOrder(m.A, null, PREV, [[shake, 2, 2990, 100, 1000]]);
  const kaOrder = await paidOrder(m.A, k.A, PREV, [
    [shake, 1, 3990, 100, 1000],
    [bar, 3, 900, 10, 100],
  ]);
  await env.DB.prepare(
    `INSERT INTO refund (order_id, amount, qv, cv, period, clawback, reason, lines, created_at)
     VALUES (?, 900, 10, 100, ?, 0, 'test', ?, ?)`,
  )
    .bind(kaOrder.id, PREV, JSON.stringify([{ lineId: kaOrder.lines[1], quantity: 1 }]), AT(PREV, 13))
    .run();
  await paidOrder(m.B, null, PREV, [[bar, 1, 500, 10, 100]]);
  await paidOrder(m.B, k.B, PREV, [[bar, 2, 900, 10, 100]]);
  await paidOrder(m.D, null, PREV, [[shake, 1, 2990, 100, 1000]]);

  const lead = async (ext: string, owner: number | null) =>
    (await env.DB.prepare(
      `INSERT INTO lead (source, external_id, status, campaign_id, assigned_distributor_id, created_at, updated_at)
       VALUES ('META', ?, 'NEW', 'spring', ?, ?, ?) RETURNING id`,
    )
      .bind(ext, owner, AT(PREV, 8), AT(PREV, 8))
      .first<{ id: number }>())!.id;
  const la = await lead('la', m.A);
  await lead('lb', m.B);
  await lead('lx', null);
  await env.DB.prepare(
    `INSERT INTO lead_status_change (lead_id, from_status, to_status, actor, created_at)
     VALUES (?, 'NEW', 'CONTACTED', 'test', ?)`,
  )
    .bind(la, AT(PREV, 13))
    .run();
  await env.DB.prepare(
    `INSERT INTO message_outbox (recipient_type, recipient_id, address, channel, purpose, template_key, locale, body,
       sender_kind, sender, owner_distributor_id, idempotency_key, created_at, updated_at)
     VALUES ('CUSTOMER', ?, '+48123', 'SMS', 'MARKETING', 'promo', 'pl', 'Hi', 'DISTRIBUTOR', 'B', ?, 'mb', ?, ?)`,
  )
    .bind(k.B, m.B, AT(PREV, 9), AT(PREV, 9))
    .run();
  await env.DB.prepare("UPDATE message_outbox SET status = 'SENT', sent_at = ?1 WHERE idempotency_key = 'mb'")
    .bind(AT(PREV, 9))
    .run();
  await env.DB.prepare("UPDATE message_outbox SET status = 'DELIVERED' WHERE idempotency_key = 'mb'").run();

  await env.DB.prepare('UPDATE distributor SET joined_at = ?').bind(`${FROM}-01T00:00:00.000Z`).run();
  await schedulePlan(admin, {
    schemaVersion: 1,
    activePv: 0,
    ranks: [{ id: 'BRONZE', minPv: 100, minGv: 0 }],
    unilevel: { levels: [1000], compression: false },
    payout: { minPayout: 0 },
  });
});

const SALES = `query($from: String!, $to: String!, $d: ID) { salesReport(from: $from, to: $to, distributorId: $d) {
  scope rows { period market sku currency kind quantity amount qv cv } team { period groupQv } } }`;
const RETENTION = `query($from: String!, $to: String!, $d: ID) { retentionReport(from: $from, to: $to, distributorId: $d) {
  cohort customers returning } }`;
const FUNNEL = `query($from: String!, $to: String!, $d: ID) { leadFunnelReport(from: $from, to: $to, distributorId: $d) {
  source campaign new contacted qualified converted medianHoursToFirstContact } }`;
const MESSAGES = `query($from: String!, $to: String!, $d: ID) { messagePerformanceReport(from: $from, to: $to, distributorId: $d) {
  channel template sent delivered failed optedOut replied orderedWithinDays } }`;

const q = async (sql: string, ...binds: unknown[]) =>
  (
    await env.DB.prepare(sql)
      .bind(...binds)
      .all()
  ).results;

/** The members of X's team by sponsor-path prefix (the member included). */
const TEAM = `distributor t JOIN distributor x ON x.sponsor_path LIKE t.sponsor_path || '%'`;

describe('team rollups of a committed period', () => {
  it('are not ready before the commit and its job; then give period × market × product, cohorts, leads and messages of the whole team', async () => {
    const a = await distributorToken(m.A);
    const before = await gql(SALES, { from: PREV, to: PREV }, a);
    expect(before.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'REPORT_NOT_READY' });

    await closePeriod(admin, PREV, true);
    await until(
      () => jobRow(`report-team-ranks:${PREV}`),
      (j) => j?.status === 'DONE',
      'the team rollup job',
    );

    const row = (
      market: string,
      sku: string,
      kind: string,
      quantity: number,
      amount: number,
      qv: number,
    ) => ({
      period: PREV,
      market,
      sku,
      currency: 'EUR',
      kind,
      quantity,
      amount,
      qv,
      cv: qv * 10,
    });
    const teamA = (await gqlOk(SALES, { from: PREV, to: PREV }, a)).salesReport;
    expect(teamA.scope).toBe('TEAM');
    expect(teamA.rows).toEqual([
      row('AT', 'BAR', 'CUSTOMER', 2, 1800, 20),
      row('AT', 'SHAKE', 'CUSTOMER', 1, 3990, 100),
      row('DE', 'SHAKE', 'PERSONAL', 2, 5980, 200),
      row('PL', 'BAR', 'CUSTOMER', 2, 1800, 20),
      row('PL', 'BAR', 'PERSONAL', 1, 500, 10),
    ]);
    // Staff pick A's team and see the same; the root's team is the whole company.
    expect((await gqlOk(SALES, { from: PREV, to: PREV, d: gid(m.A) }, admin)).salesReport.rows).toEqual(
      teamA.rows,
    );
    const company = (await gqlOk(SALES, { from: PREV, to: PREV }, admin)).salesReport.rows;
    expect(company).toContainEqual(row('DE', 'SHAKE', 'PERSONAL', 3, 8970, 300));
    expect(
      (await gqlOk(SALES, { from: PREV, to: PREV }, await distributorToken(m.R))).salesReport.rows,
    ).toEqual(company);
    // B's team is B alone; C's team sold nothing.
    expect(
      (await gqlOk(SALES, { from: PREV, to: PREV }, await distributorToken(m.B))).salesReport.rows,
    ).toEqual([row('PL', 'BAR', 'CUSTOMER', 2, 1800, 20), row('PL', 'BAR', 'PERSONAL', 1, 500, 10)]);
    expect(
      (await gqlOk(SALES, { from: PREV, to: PREV }, await distributorToken(m.C))).salesReport.rows,
    ).toEqual([]);

    // Retention: kB's cohort is PREV (B's customer, so in A's and R's teams, not D's).
    expect((await gqlOk(RETENTION, { from: PREV, to: PREV }, a)).retentionReport).toEqual([
      { cohort: PREV, customers: 1, returning: [] },
    ]);
    expect(
      (await gqlOk(RETENTION, { from: PREV, to: PREV }, await distributorToken(m.D))).retentionReport,
    ).toEqual([{ cohort: PREV, customers: 0, returning: [] }]);

    // Leads: A's and B's in A's team (A's contacted after 5 h); the unassigned one only for the company.
    const funnel = { source: 'META', campaign: 'spring', qualified: 0, converted: 0 };
    expect((await gqlOk(FUNNEL, { from: PREV, to: PREV }, a)).leadFunnelReport).toEqual([
      { ...funnel, new: 2, contacted: 1, medianHoursToFirstContact: 5 },
    ]);
    expect((await gqlOk(FUNNEL, { from: PREV, to: PREV }, admin)).leadFunnelReport).toEqual([
      { ...funnel, new: 3, contacted: 1, medianHoursToFirstContact: 5 },
    ]);

    // Messages: B's SMS counts for B, A and R, not D.
    const sms = {
      channel: 'SMS',
      template: 'promo',
      sent: 1,
      delivered: 1,
      failed: 0,
      optedOut: 0,
      replied: 0,
    };
    expect((await gqlOk(MESSAGES, { from: PREV, to: PREV }, a)).messagePerformanceReport).toEqual([
      { ...sms, orderedWithinDays: 0 },
    ]);
    expect(
      (await gqlOk(MESSAGES, { from: PREV, to: PREV, d: gid(m.D) }, admin)).messagePerformanceReport,
    ).toEqual([]);

    // The same as CSV.
    const csv = await SELF.fetch(`https://x/reports/sales.csv?from=${PREV}&to=${PREV}`, {
      headers: { authorization: `Bearer ${a}` },
    });
    expect(csv.status).toBe(200);
    expect((await csv.text()).trim().split('\n')).toEqual([
      'period,market,sku,currency,kind,quantity,amount_minor,qv,cv',
      `${PREV},AT,BAR,EUR,CUSTOMER,2,1800,20,200`,
      `${PREV},AT,SHAKE,EUR,CUSTOMER,1,3990,100,1000`,
      `${PREV},DE,SHAKE,EUR,PERSONAL,2,5980,200,2000`,
      `${PREV},PL,BAR,EUR,CUSTOMER,2,1800,20,200`,
      `${PREV},PL,BAR,EUR,PERSONAL,1,500,10,100`,
    ]);

    // The scope rules hold: another team is FORBIDDEN; a range reaching into the open month is not ready.
    expect((await gql(FUNNEL, { from: PREV, to: PREV, d: gid(m.R) }, a)).errors?.[0].extensions?.code).toBe(
      'FORBIDDEN',
    );
    expect((await gql(RETENTION, { from: PREV, to: NOW }, a)).errors?.[0].extensions?.reason).toBe(
      'REPORT_NOT_READY',
    );
  });

  it('every rollup cell equals a recomputation from the raw rows, and a late redelivered step adds nothing', async () => {
    const recomputations = {
      sales: [
        'SELECT scope_id, period, market, product_id, currency, kind, quantity, amount, qv, cv FROM report_team_sales ORDER BY 1, 2, 3, 4, 5, 6',
        `SELECT t.id AS scope_id, ?1 AS period, v.market, v.product_id, v.currency, v.kind, sum(v.quantity) AS quantity,
           sum(v.amount) AS amount, sum(v.qv) AS qv, sum(v.cv) AS cv
         FROM ${TEAM} JOIN (
           SELECT o.distributor_id AS member, coalesce(c.country, d.country) AS market, l.product_id, o.currency, o.kind,
             l.quantity, l.quantity * l.unit_price AS amount, l.quantity * l.unit_qv AS qv, l.quantity * l.unit_cv AS cv
           FROM sales_order o JOIN order_line l ON l.order_id = o.id JOIN distributor d ON d.id = o.distributor_id
           LEFT JOIN customer c ON c.id = o.customer_id WHERE o.period = ?1 AND o.paid_at IS NOT NULL
           UNION ALL
           SELECT o.distributor_id, coalesce(c.country, d.country), l.product_id, o.currency, o.kind, -(j.value ->> '$.quantity'),
             -(j.value ->> '$.quantity') * l.unit_price, -(j.value ->> '$.quantity') * l.unit_qv, -(j.value ->> '$.quantity') * l.unit_cv
           FROM refund r, json_each(r.lines) j JOIN order_line l ON l.id = j.value ->> '$.lineId'
           JOIN sales_order o ON o.id = l.order_id JOIN distributor d ON d.id = o.distributor_id
           LEFT JOIN customer c ON c.id = o.customer_id WHERE r.period = ?1
         ) v ON v.member = x.id GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6`,
      ],
      cohorts: [
        'SELECT scope_id, cohort, month, customers FROM report_team_cohort ORDER BY 1, 2, 3',
        `SELECT t.id AS scope_id, f.cohort, ?1 AS month, count(DISTINCT c.id) AS customers
         FROM ${TEAM} JOIN customer c ON c.owner_id = x.id
         JOIN (SELECT customer_id, min(period) AS cohort FROM sales_order WHERE paid_at IS NOT NULL GROUP BY 1) f
           ON f.customer_id = c.id
         WHERE EXISTS (SELECT 1 FROM sales_order o WHERE o.customer_id = c.id AND o.period = ?1 AND o.paid_at IS NOT NULL)
         GROUP BY 1, 2 ORDER BY 1, 2`,
      ],
      leads: [
        'SELECT scope_id, month, source, campaign, stage, leads FROM report_team_lead_funnel ORDER BY 1, 2, 3, 4, 5',
        `SELECT t.id AS scope_id, ?1 AS month, l.source, l.campaign_id AS campaign, s.stage, count(*) AS leads
         FROM ${TEAM} JOIN lead l ON l.assigned_distributor_id = x.id AND substr(l.created_at, 1, 7) = ?1,
           (SELECT 0 AS stage UNION ALL SELECT 1) s
         WHERE s.stage = 0 OR EXISTS (SELECT 1 FROM lead_status_change h WHERE h.lead_id = l.id AND h.to_status = 'CONTACTED')
         GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5`,
      ],
      messages: [
        'SELECT scope_id, month, channel, template, sent, delivered FROM report_team_message ORDER BY 1, 2, 3, 4',
        `SELECT t.id AS scope_id, ?1 AS month, o.channel, o.template_key AS template, count(o.sent_at) AS sent,
           sum(o.status = 'DELIVERED') AS delivered
         FROM ${TEAM} JOIN message_outbox o ON o.owner_distributor_id = x.id AND substr(o.created_at, 1, 7) = ?1
         GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
      ],
    };
    const kept: Record<string, unknown[]> = {};
    for (const [name, [rollup, raw]] of Object.entries(recomputations)) {
      kept[name] = await q(rollup);
      expect(kept[name].length, name).toBeGreaterThan(0);
      expect(kept[name], name).toEqual(await q(raw, PREV));
    }
    // A step of the finished job delivered again (a late redelivery) finds the period done and adds nothing.
    await deliver('mlm-crm-jobs', [
      { id: 'stale', body: { kind: 'report.teamRanks', periodId: PREV }, attempts: 1 },
    ]);
    for (const [name, [rollup]] of Object.entries(recomputations))
      expect(await q(rollup), name).toEqual(kept[name]);
  });

  it('the migration’s backfill writes the same rollups for periods committed before it', async () => {
    const tables = [
      'report_team_sales',
      'report_team_cohort',
      'report_team_lead_funnel',
      'report_team_lead_contact',
      'report_team_message',
      'report_team_message_ordered',
    ];
    const rows = async (t: string) => (await q(`SELECT * FROM ${t}`)).map((r) => JSON.stringify(r)).sort();
    const before: Record<string, string[]> = {};
    for (const t of tables) before[t] = await rows(t);
    const backfill = migration
      .split(/;\s*\n/)
      .map((sql) => sql.replace(/^(\s*--[^\n]*\n)+/, '').trim())
      .filter((sql) => /^INSERT INTO report_team_/.test(sql));
    expect(backfill).toHaveLength(tables.length);
    await env.DB.batch([
      ...tables.map((t) => env.DB.prepare(`DELETE FROM ${t}`)),
      ...backfill.map((s) => env.DB.prepare(s)),
    ]);
    for (const t of tables) expect(await rows(t), t).toEqual(before[t]);
  });
});
