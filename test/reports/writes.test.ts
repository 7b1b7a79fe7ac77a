// The report counters stay equal to a recomputation from the raw rows after a mix of writes through the real
// paths: the order import (orders written PAID in its apply step), live payments and refunds, enrollments and
// a termination, lead status changes through GraphQL, and provider callbacks (a Twilio status callback and an
// inbound STOP) on messages sent through the queue.
import { env } from 'cloudflare:test';
import { beforeEach, describe, expect, it } from 'vitest';
import migration from '../../migrations/0024_reports.sql?raw';
import { adminToken, distributorToken, enroll, gqlOk, terminate } from '../helpers';
import {
  deliver,
  postTwilio,
  send,
  setProviders,
  twilioAccepted,
  twilioCallback,
  uniquePhone,
} from '../messaging/helpers';
import { createCustomer, createProduct, order, pay, refund } from '../orders/helpers';
import { ndjson, runOrderImport } from '../orders/import-helpers';

beforeEach(() => setProviders({ sms: 'TWILIO', email: 'RESEND' }));

const q = async (sql: string, ...binds: unknown[]) =>
  (
    await env.DB.prepare(sql)
      .bind(...binds)
      .all()
  ).results;

/** report_sales recomputed from paid lines (by the order's period) and refunded lines (by the refund's). */
const SALES_FROM_ROWS = `SELECT period, market, product_id, currency, kind, sum(quantity) AS quantity, sum(amount) AS amount,
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
  ) GROUP BY 1,2,3,4,5 HAVING sum(quantity) != 0 OR sum(amount) != 0 ORDER BY 1,2,3,4,5`;

/** report_cohort (every scope) recomputed: a customer's cohort is their first paid period. */
const COHORTS_FROM_ROWS = `SELECT CASE x.k WHEN 0 THEN 0 ELSE c.owner_id END AS scope_id, f.cohort, p.period AS month,
    count(DISTINCT p.customer_id) AS customers
  FROM (SELECT customer_id, min(period) AS cohort FROM sales_order WHERE paid_at IS NOT NULL AND customer_id IS NOT NULL GROUP BY 1) f
  JOIN sales_order p ON p.customer_id = f.customer_id AND p.paid_at IS NOT NULL
  JOIN customer c ON c.id = f.customer_id, (SELECT 0 AS k UNION ALL SELECT 1) x
  GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`;

/** Terminations per scope recomputed from the TERMINATE events and the sponsor path (ancestors and company). */
const TERMINATIONS_FROM_ROWS = `SELECT a.value AS scope_id, sum(1) AS members
  FROM distributor d, json_each('[0,' || replace(rtrim(d.sponsor_path, '.'), '.', ',') || ']') a
  WHERE d.status = 'TERMINATED' AND a.value != d.id GROUP BY 1 ORDER BY 1`;

/** The lead funnel recomputed from the leads' status histories (stage reached = the furthest status; no reassignments here). */
const FUNNEL_FROM_ROWS = `SELECT s.scope_id, l.month, l.source, l.campaign, t.stage, count(*) AS leads FROM (
    SELECT x.id, substr(x.created_at, 1, 7) AS month, x.source, coalesce(x.campaign_id, json_extract(x.utm, '$.campaign'), '') AS campaign,
      x.assigned_distributor_id AS owner,
      max(0, coalesce((SELECT max(CASE h.to_status WHEN 'CONTACTED' THEN 1 WHEN 'QUALIFIED' THEN 2 WHEN 'CONVERTED' THEN 3 ELSE 0 END)
        FROM lead_status_change h WHERE h.lead_id = x.id), 0)) AS reached
    FROM lead x WHERE x.is_test = 0
  ) l, (SELECT 0 AS stage UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3) t,
  (SELECT 0 AS scope_id UNION ALL SELECT id FROM distributor) s
  WHERE t.stage <= l.reached AND (s.scope_id = 0 OR s.scope_id = l.owner)
  GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5`;

async function expectCountersRight() {
  expect(
    await q(
      'SELECT period, market, product_id, currency, kind, quantity, amount, qv, cv FROM report_sales WHERE quantity != 0 OR amount != 0 ORDER BY 1,2,3,4,5',
    ),
  ).toEqual(await q(SALES_FROM_ROWS));
  expect(
    await q(
      'SELECT scope_id, cohort, month, customers FROM report_cohort WHERE customers != 0 ORDER BY 1, 2, 3',
    ),
  ).toEqual(await q(COHORTS_FROM_ROWS));
  expect(
    await q('SELECT scope_id, sum(members) AS members FROM report_terminations GROUP BY 1 ORDER BY 1'),
  ).toEqual(await q(TERMINATIONS_FROM_ROWS));
  expect(
    await q(
      'SELECT scope_id, month, source, campaign, stage, leads FROM report_lead_funnel WHERE leads != 0 ORDER BY 1, 2, 3, 4, 5',
    ),
  ).toEqual(await q(FUNNEL_FROM_ROWS));
  // Messages: sent/delivered/failed per month × channel × template against the outbox (company scope).
  expect(
    await q(
      'SELECT month, channel, template, sent, delivered, failed FROM report_message WHERE scope_id = 0 ORDER BY 1, 2, 3',
    ),
  ).toEqual(
    await q(`SELECT substr(created_at, 1, 7) AS month, channel, coalesce(template_key, '') AS template,
        count(sent_at) AS sent, sum(status = 'DELIVERED') AS delivered,
        sum(status IN ('FAILED', 'BOUNCED', 'UNDELIVERABLE')) AS failed
      FROM message_outbox WHERE sent_at IS NOT NULL OR status != 'QUEUED' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`),
  );
}

describe('counters after a mix of writes', () => {
  it('equal a recomputation from the raw rows', async () => {
    const admin = await adminToken();
    const r = await enroll(admin, null, { country: 'DE', externalId: 'W-R' });
    const a = await enroll(admin, r, { country: 'DE', externalId: 'W-A' });
    const b = await enroll(admin, a, { country: 'PL', externalId: 'W-B' });
    await enroll(admin, b, { country: 'DE', externalId: 'W-C' });
    await createProduct(admin, 'WP1', {
      qv: 20,
      cv: 200,
      prices: [
        { currency: 'EUR', retail: 1500, wholesale: 1000 },
        { currency: 'PLN', retail: 6000, wholesale: 4000 },
      ],
    });
    const k = await createCustomer(await distributorToken(a), { country: 'DE', locale: 'de' });
    // The order import: paid orders of two months back and last month, one pending, a customer's order.
    const day = 86_400_000;
    const imp = await runOrderImport(
      admin,
      'NDJSON',
      ndjson([
        {
          externalId: 'WO-1',
          distributorExternalId: 'W-A',
          status: 'PAID',
          paidAt: new Date(Date.now() - 62 * day).toISOString(),
          lines: [{ sku: 'WP1', quantity: 2 }],
        },
        {
          externalId: 'WO-2',
          distributorExternalId: 'W-B',
          status: 'PAID',
          paidAt: new Date(Date.now() - 31 * day).toISOString(),
          lines: [{ sku: 'WP1', quantity: 1 }],
        },
        {
          externalId: 'WO-3',
          distributorExternalId: 'W-A',
          customerId: k,
          kind: 'CUSTOMER',
          status: 'PAID',
          paidAt: new Date(Date.now() - 62 * day).toISOString(),
          lines: [{ sku: 'WP1', quantity: 4 }],
        },
        {
          externalId: 'WO-4',
          distributorExternalId: 'W-B',
          status: 'PENDING',
          lines: [{ sku: 'WP1', quantity: 9 }],
        },
      ]),
    );
    expect(imp.issues).toEqual([]);
    expect(imp.status).toBe('DONE');
    await expectCountersRight();

    // Live: a payment of K's (a return), a refund, a termination.
    const token = await distributorToken(a);
    const live = await order(
      token,
      [[(await q("SELECT id FROM product WHERE sku = 'WP1'"))[0].id as number, 3]],
      {
        customer: k,
      },
    );
    await pay(admin, live);
    const line = (await q('SELECT id FROM order_line WHERE order_id = ?', live))[0].id as number;
    expect((await refund(admin, live, [[line, 1]])).__typename).toMatch(/Success$/);
    expect((await terminate(admin, b)).__typename).toMatch(/Success$/);
    await expectCountersRight();

    // Leads: two arrive (one a test lead), one is contacted then qualified through GraphQL.
    const now = new Date().toISOString();
    for (const [ext, test] of [
      ['W-L1', 0],
      ['W-L2', 1],
    ] as const)
      await env.DB.prepare(
        `INSERT INTO lead (source, external_id, status, is_test, utm, assigned_distributor_id, created_at, updated_at)
         VALUES ('GENERIC', ?, 'NEW', ?, '{"campaign":"winter"}', ?, ?, ?)`,
      )
        .bind(ext, test, a, now, now)
        .run();
    const leadId = (await q("SELECT id FROM lead WHERE external_id = 'W-L1'"))[0].id as number;
    const SET = `mutation($input: SetLeadStatusInput!) { setLeadStatus(input: $input) { __typename ... on Error { message } } }`;
    for (const status of ['CONTACTED', 'QUALIFIED'])
      expect(
        (await gqlOk(SET, { input: { id: btoa(`Lead:${leadId}`), status } }, token)).setLeadStatus.__typename,
      ).toMatch(/Success$/);
    await expectCountersRight();

    // Messages: one SMS sent through the queue to the fake Twilio, delivered by a signed status callback; the
    // recipient answers STOP.
    const to = uniquePhone();
    const created = await env.DB.prepare(
      `INSERT INTO message_outbox (recipient_type, recipient_id, address, channel, purpose, template_key, locale, body,
         sms_encoding, sms_segments, sender_kind, sender, owner_distributor_id, idempotency_key, created_at, updated_at)
       VALUES ('CUSTOMER', ?, ?, 'SMS', 'TRANSACTIONAL', 'welcome', 'de', 'Hallo', 'GSM7', 1, 'DISTRIBUTOR', 'd', ?, ?, ?, ?) RETURNING id`,
    )
      .bind(k, to, a, `w-${crypto.randomUUID()}`, now, now)
      .first<{ id: number }>();
    await deliver([send(created!.id)]);
    const sid = (await twilioAccepted(to))[0].sid;
    const delivered = await twilioCallback({ MessageSid: sid, MessageStatus: 'delivered' });
    expect((await postTwilio(delivered.body, delivered.signature)).status).toBe(200);
    const stop = await twilioCallback(
      {
        MessageSid: `SM${crypto.randomUUID().replaceAll('-', '')}`,
        From: to,
        To: '+4512345678',
        Body: 'STOP',
      },
      undefined,
      '/webhooks/messaging/twilio/inbound',
    );
    const stopRes = await postTwilio(stop.body, stop.signature, '/webhooks/messaging/twilio/inbound');
    expect(stopRes.status).toBe(200);
    await expectCountersRight();
    const perf = await q(
      "SELECT sent, delivered, opted_out FROM report_message WHERE scope_id = ? AND template = 'welcome'",
      a,
    );
    expect(perf).toEqual([{ sent: 1, delivered: 1, opted_out: 1 }]);
  });

  it('the migration’s backfill rebuilds the same counters from the raw rows', async () => {
    const tables = [
      'report_sales',
      'report_terminations',
      'report_customer_month',
      'report_cohort',
      'report_rank',
      'report_lead',
      'report_lead_funnel',
      'report_lead_contact',
    ];
    const snapshot = async () => {
      const out: Record<string, unknown[]> = {};
      for (const t of tables) out[t] = (await q(`SELECT * FROM ${t}`)).map((r) => JSON.stringify(r)).sort();
      out.message = await q(
        'SELECT scope_id, month, channel, template, sent, delivered, failed FROM report_message ORDER BY 1, 2, 3, 4',
      );
      return out;
    };
    const before = await snapshot();
    expect(before.report_sales.length).toBeGreaterThan(0);
    expect(before.report_lead.length).toBeGreaterThan(0);
    const backfill = migration.slice(migration.indexOf('-- Backfill'));
    await env.DB.batch([
      ...[...tables, 'report_message'].map((t) => env.DB.prepare(`DELETE FROM ${t}`)),
      ...backfill
        .split(/;\s*\n/)
        .map((sql) => sql.replace(/^(--.*\n)+/gm, '').trim())
        .filter(Boolean)
        .map((sql) => env.DB.prepare(sql)),
    ]);
    const after = await snapshot();
    // Cells that went back to zero stay as zero rows under the triggers; the backfill writes none.
    const nonZero = (rows: unknown[]) =>
      rows
        .map((r) => (typeof r === 'string' ? JSON.parse(r) : r) as Record<string, unknown>)
        .filter((r) =>
          Object.entries(r).some(
            ([k, v]) => typeof v === 'number' && v !== 0 && !k.endsWith('_id') && k !== 'stage',
          ),
        );
    for (const key of Object.keys(before))
      expect([key, nonZero(after[key])]).toEqual([key, nonZero(before[key])]);
  });
  it('an order import keeps the counters per chunk: a known customer’s earlier months move their cohort', async () => {
    const admin = await adminToken();
    const a = (await q("SELECT id FROM distributor WHERE external_id = 'W-A'"))[0].id as number;
    const k = await createCustomer(await distributorToken(a), { country: 'DE', locale: 'de' });
    const product = (await q("SELECT id FROM product WHERE sku = 'WP1'"))[0].id as number;
    // Paid live this month: cohort this month.
    await pay(admin, await order(await distributorToken(a), [[product, 1]], { customer: k }));
    await expectCountersRight();
    // Imported: two orders of two months back (one month, counted once), one of last month, one pending.
    const day = 86_400_000;
    const paid = (ext: string, days: number, quantity: number) => ({
      externalId: ext,
      distributorExternalId: 'W-A',
      customerId: k,
      kind: 'CUSTOMER',
      status: 'PAID',
      paidAt: new Date(Date.now() - days * day).toISOString(),
      lines: [{ sku: 'WP1', quantity }],
    });
    const imp = await runOrderImport(
      admin,
      'NDJSON',
      ndjson([
        paid('WC-1', 62, 1),
        paid('WC-2', 61, 2),
        paid('WC-3', 31, 3),
        {
          externalId: 'WC-4',
          distributorExternalId: 'W-A',
          customerId: k,
          kind: 'CUSTOMER',
          status: 'PENDING',
          lines: [{ sku: 'WP1', quantity: 5 }],
        },
      ]),
    );
    expect(imp.issues).toEqual([]);
    expect(imp.status).toBe('DONE');
    await expectCountersRight();
    const cohorts = await q(
      'SELECT cohort, month, customers FROM report_cohort WHERE scope_id = ? AND customers != 0 ORDER BY 1, 2',
      a,
    );
    const months = (
      await q(
        'SELECT DISTINCT period FROM sales_order WHERE customer_id = ? AND paid_at IS NOT NULL ORDER BY 1',
        k,
      )
    ).map((r) => r.period as string);
    // k counts once in each of their months, all under their earliest month's cohort.
    for (const month of months)
      expect(cohorts).toContainEqual({ cohort: months[0], month, customers: expect.any(Number) });
  });
});
