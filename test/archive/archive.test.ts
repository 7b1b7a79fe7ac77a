// Archiving a committed period (issue 14 §6): its detailed rows move to R2 through the real queue, the live rows
// go, and every reader (statements, explain, what-if, payout files, the GDPR export) answers as before.
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { manifestKey } from '../../src/modules/archive/model';
import { archivedOrderLines } from '../../src/modules/archive/periodRows';
import { EXAMPLE_PLANS } from '../../src/modules/commissions/plans/examples';
import { runRuleMessages } from '../../src/modules/messaging/rules';
import { closedNetwork, mutatePeriod } from '../commissions/explain-helpers';
import { distributorToken, firstError, globalId, gql, gqlOk } from '../helpers';
import { until } from '../jobs/faults';
import { setProviders, uniquePhone } from '../messaging/helpers';
import { createCustomer, refund, rowCounts } from '../orders/helpers';
import {
  ARCHIVE,
  draftPlan,
  explanationsOf,
  gdprExport,
  HORIZON,
  last,
  leadEventIn,
  liveDetail,
  newerCommittedPeriod,
  ordersOf,
  PERIOD_ARCHIVE,
  payoutFiles,
  statementOf,
  whatIf,
} from './helpers';

let admin: string;
let ids: number[];
let a: number;
let draft: string;

const archive = async (period: string, token = admin) =>
  (await gqlOk(ARCHIVE, { input: { period } }, token)).archiveCommissionPeriod;
const RULE = `mutation($input: UpdateCrmRuleInput!) { updateCrmRule(input: $input) { __typename } }`;
const CHANNEL = `mutation($input: SetMessageRuleInput!) { setMessageRule(input: $input) { __typename } }`;
const horizon = async (periods: number | null, token = admin) =>
  (await gqlOk(HORIZON, { input: { periods } }, token)).updateArchiveHorizon;
const archiveRows = async () =>
  env.DB.prepare(
    "SELECT (SELECT count(*) FROM period_archive) AS archives, (SELECT count(*) FROM archive_chunk) AS chunks, (SELECT count(*) FROM job WHERE kind = 'period.archive') AS jobs",
  ).first();

const ATTRIBUTION = `attribution { starterKitRetailProfit ownPurchaseCv ownPurchaseCvBasisPoints starterKitCv
  retailCommissions volumeBasedCommissions }`;
const FIGURES = `query($p: String!, $id: ID!) { complianceFigures(period: $p) { ${ATTRIBUTION} }
  distributor(id: $id) { complianceFigures(period: $p) { ${ATTRIBUTION} } } }`;
const STATS = 'count total mean median lowest highest totalOwnPurchases totalStarterKits';
const DISCLOSURE = `query($from: String, $to: String) { incomeDisclosure(from: $from, to: $to) {
  participants all { ${STATS} } groups { rank statistics { ${STATS} } } } }`;

async function everything() {
  const statements: Record<number, unknown> = {};
  for (const id of ids) statements[id] = await statementOf(admin, id);
  return {
    statements,
    explanations: await explanationsOf(admin, ids),
    whatIf: await whatIf(admin, draft),
    payouts: await payoutFiles(admin),
    orders: await ordersOf(admin, last),
    gdpr: await gdprExport(admin, a),
    figures: await gqlOk(FIGURES, { p: last, id: globalId('Distributor', a) }, admin),
    disclosure: (await gqlOk(DISCLOSURE, { from: last, to: last }, admin)).incomeDisclosure,
  };
}

beforeAll(async () => {
  const net = await closedNetwork('Unilevel', EXAMPLE_PLANS.unilevelRanks);
  admin = net.admin;
  a = net.a;
  ids = [net.root, net.a, net.b, net.c, net.d];
  await leadEventIn(last, a);
  // The network was made today; as members since before the period they are its disclosure's participants.
  await env.DB.prepare("UPDATE distributor SET joined_at = '2020-01-01T00:00:00.000Z'").run();
  // Costs count in the payout currency: make it the currency of the period's own orders.
  await env.DB.prepare(
    "UPDATE company_settings SET payout_currency = (SELECT currency FROM sales_order WHERE kind = 'PERSONAL' AND period = ? LIMIT 1)",
  )
    .bind(last)
    .run();
  draft = await draftPlan(admin);
}, 60_000);

describe('archiving a period', () => {
  it('refuses a period that is not committed, and writes nothing', async () => {
    const before = await archiveRows();
    expect(await archive(last)).toMatchObject({ __typename: 'ConflictError', code: 'PERIOD_NOT_COMMITTED' });
    expect(await archive('2026-13')).toMatchObject({
      __typename: 'ValidationError',
      issues: [{ path: 'period', code: 'INVALID_FORMAT' }],
    });
    expect(await archive('1999-01')).toMatchObject({ __typename: 'NotFoundError' });
    expect(await archiveRows()).toEqual(before);
  });

  it('validates the horizon; staff only', async () => {
    for (const bad of [0, 121, -3])
      expect(await horizon(bad)).toMatchObject({
        __typename: 'ValidationError',
        issues: [{ path: 'periods' }],
      });
    const member = await distributorToken(a);
    const before = await archiveRows();
    const r = await gql(HORIZON, { input: { periods: 1 } }, member);
    expect(firstError(r).extensions?.code).toBe('FORBIDDEN');
    expect(await gqlOk('{ archiveSettings { horizonPeriods } }', {}, admin)).toEqual({
      archiveSettings: { horizonPeriods: null },
    });
    const attempt = await gql(ARCHIVE, { input: { period: last } }, member);
    expect(firstError(attempt).extensions?.code).toBe('FORBIDDEN');
    expect(await archiveRows()).toEqual(before);
  });

  it('a committed period within the horizon (or without one) stays live', async () => {
    await mutatePeriod(admin, 'commitPeriod');
    await mutatePeriod(admin, 'markPeriodPaid');
    const before = await archiveRows();
    expect(await archive(last)).toMatchObject({ __typename: 'ConflictError', code: 'NO_ARCHIVE_HORIZON' });
    expect(await horizon(1)).toMatchObject({ settings: { horizonPeriods: 1 } });
    expect(await archive(last)).toMatchObject({ __typename: 'ConflictError', code: 'WITHIN_HORIZON' });
    expect(await archiveRows()).toEqual(before);
  });

  it('moves the detailed rows to R2 and every reader answers as before', async () => {
    const before = await everything();
    // The lines the test relies on exist live, and the export carries them.
    expect((before.gdpr.commission_line as unknown[]).length).toBeGreaterThan(0);
    expect((before.gdpr.order_line as unknown[]).length).toBeGreaterThan(0);
    expect(before.gdpr.lead_event).toHaveLength(1);
    // The compliance figures and the disclosure's costs read order and commission lines: they must not be zero here.
    expect(before.figures.complianceFigures.attribution.ownPurchaseCv).toBeGreaterThan(0);
    expect(before.figures.complianceFigures.attribution.volumeBasedCommissions).toBeGreaterThan(0);
    expect(before.disclosure.all.totalOwnPurchases).toBeGreaterThan(0);
    const live = await liveDetail(last);
    expect(live!.commissionLines).toBeGreaterThan(0);
    expect(live!.orderLines).toBeGreaterThan(0);
    expect(live!.payments).toBeGreaterThan(0);

    await newerCommittedPeriod();
    const started = await archive(last);
    expect(started.__typename).toBe('MutationArchiveCommissionPeriodSuccess');
    const done = await until(
      async () => (await gqlOk(PERIOD_ARCHIVE, { p: last }, admin)).periodArchive,
      (x) => x?.status === 'ARCHIVED',
      'archive',
    );
    expect(done.location).toBe(`archive/${last}/`);
    const parts = Object.fromEntries(done.parts.map((p: any) => [p.part, p.rows]));
    expect(parts).toMatchObject({
      commission_line: live!.commissionLines,
      order_line: live!.orderLines,
      payment: live!.payments,
      lead_event: 1,
    });
    expect(parts.snapshot).toBeGreaterThan(0);
    expect(await liveDetail(last)).toEqual({
      commissionLines: 0,
      snapshot: 0,
      orderLines: 0,
      payments: 0,
      archivedEvents: 1,
    });
    const manifest = JSON.parse(await (await env.FILES.get(manifestKey(last)))!.text());
    expect(manifest.parts.commission_line.rows).toBe(live!.commissionLines);
    expect(manifest.parts.commission_line.chunks[0].sha256).toMatch(/^[0-9a-f]{64}$/);

    const after = await everything();
    expect(after.statements).toEqual(before.statements);
    expect(after.explanations).toEqual(before.explanations);
    expect(after.whatIf).toEqual(before.whatIf);
    expect(after.payouts).toEqual(before.payouts);
    expect(after.gdpr).toEqual(before.gdpr);
    expect(after.figures).toEqual(before.figures);
    expect(after.disclosure).toEqual(before.disclosure);

    expect((after.orders as any[]).every((o) => o.lines.length > 0)).toBe(true);

    // A refund that late is refused (it would change an archived period's volumes); nothing is written.
    const counts = await rowCounts();
    const orderId = (await env.DB.prepare('SELECT id FROM sales_order WHERE period = ? LIMIT 1')
      .bind(last)
      .first<{ id: number }>())!.id;
    expect(await refund(admin, orderId)).toMatchObject({
      __typename: 'ConflictError',
      code: 'ORDER_ARCHIVED',
    });
    expect(await rowCounts()).toEqual(counts);

    // Asked again: nothing new starts, the archive is as it was.
    const again = await archive(last);
    expect(again).toMatchObject({ archive: { status: 'ARCHIVED', archivedAt: done.archivedAt } });
  });

  it('a reorder reminder whose last order has archived lines still names its product', async () => {
    // A customer of `a` whose paid orders are two of the archived period's (their lines are only in R2 now), the
    // first moved back so that the next one is expected in two days. Without its product the message is not sent.
    const aT = await distributorToken(a);
    const customer = await createCustomer(aT, {
      firstName: 'Mette',
      phone: uniquePhone(),
      consent: { sms: true, email: false, source: 'shop' },
    });
    const [earlier, archived] = (
      await env.DB.prepare(
        `SELECT o.id, o.paid_at FROM sales_order o WHERE o.period = ? AND o.paid_at IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM order_line l WHERE l.order_id = o.id) ORDER BY o.id DESC LIMIT 2`,
      )
        .bind(last)
        .all<{ id: number; paid_at: string }>()
    ).results.reverse();
    const now = new Date();
    const paid = Date.parse(archived.paid_at);
    const first = new Date(paid - (now.getTime() + 2 * 86_400_000 - paid)).toISOString();
    await env.DB.batch([
      env.DB.prepare(
        "UPDATE sales_order SET kind = 'CUSTOMER', customer_id = ?, status = 'PAID' WHERE id IN (?, ?)",
      ).bind(customer, earlier.id, archived.id),
      env.DB.prepare('UPDATE sales_order SET paid_at = ? WHERE id = ?').bind(first, earlier.id),
    ]);
    const { product_id } = (
      await archivedOrderLines(env.DB, env.FILES, [{ id: archived.id, period: last }], new Set())
    )[0] as { product_id: number };
    const sku = await env.DB.prepare('SELECT sku FROM product WHERE id = ?')
      .bind(product_id)
      .first<string>('sku');

    await gqlOk(RULE, { input: { rule: 'REORDER_REMINDER', enabled: true, n: 5, action: 'MESSAGE' } }, admin);
    await gqlOk(CHANNEL, { input: { rule: 'REORDER_REMINDER', channel: 'SMS', enabled: true } }, admin);
    await setProviders({ sms: 'TWILIO' });
    await env.DB.prepare(
      "UPDATE messaging_settings SET shop_url = 'https://shop.example.test/{referralCode}'",
    ).run();
    expect(await runRuleMessages(env, 'REORDER_REMINDER', now)).toBe(1);
    const m = await env.DB.prepare(
      "SELECT body FROM message_outbox WHERE sender = 'rule:REORDER_REMINDER' AND recipient_id = ?",
    )
      .bind(customer)
      .first<{ body: string }>();
    expect(m!.body).toContain(`løbe tør for ${sku}`);
  });

  it('a chunk that no longer matches its checksum is an error, never a wrong answer', async () => {
    const key = JSON.parse(await (await env.FILES.get(manifestKey(last)))!.text()).parts.commission_line
      .chunks[0].key;
    const original = await (await env.FILES.get(key))!.text();
    await env.FILES.put(key, original.replace(/\d+]\n/, '1]\n'));
    try {
      const r = await gql(
        `query($id: ID!, $p: String!) { distributor(id: $id) { statement(period: $p) { lines { amount } } } }`,
        { id: globalId('Distributor', ids[0]), p: last },
        admin,
      );
      expect(firstError(r).message).toMatch(/unexpected/i);
      expect(r.data?.distributor?.statement?.lines ?? null).toBeNull();
    } finally {
      await env.FILES.put(key, original);
    }
  });
});
