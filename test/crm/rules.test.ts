import {
  createExecutionContext,
  createScheduledController,
  env,
  waitOnExecutionContext,
} from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { runDormantMembers } from '../../src/modules/crm/rules/dormant';
import { runOrderFollowUps } from '../../src/modules/crm/rules/followUps';
import { runReorderReminders } from '../../src/modules/crm/rules/reorder';
import { adminToken, distributorToken, enroll, gid, gql, gqlOk } from '../helpers';
import { createCustomer } from '../orders/helpers';

// "Now" for every rule run: 22 November 2026, 11:00 in Copenhagen (the company time zone).
const NOW = new Date('2026-11-22T10:00:00.000Z');
let admin: string;
let root: number;
let a: number;
let aT: string;
let b: number;
let bT: string;

async function paidOrder(
  customer: number | null,
  owner: number,
  paidAt: string | null,
  status = 'PAID',
): Promise<number> {
  const period = paidAt ? paidAt.slice(0, 7) : null;
  const r = await env.DB.prepare(
    `INSERT INTO sales_order (kind, distributor_id, customer_id, status, currency, total, qv, cv, created_by, created_at, paid_at, period)
     VALUES (?, ?, ?, ?, 'DKK', 10000, 50, 4000, 'test', ?, ?, ?) RETURNING id`,
  )
    .bind(
      customer ? 'CUSTOMER' : 'PERSONAL',
      owner,
      customer,
      status,
      paidAt ?? NOW.toISOString(),
      paidAt,
      period,
    )
    .first<{ id: number }>();
  return r!.id;
}

async function tasks(where = '1 = 1'): Promise<
  {
    owner_id: number;
    kind: string;
    subject_type: string;
    subject_id: number;
    due_date: string;
    dedupe_key: string;
  }[]
> {
  const { results } = await env.DB.prepare(
    `SELECT * FROM task WHERE ${where} ORDER BY dedupe_key`,
  ).all<any>();
  return results;
}

const setRule = (rule: string, enabled: boolean, n: number, token = admin) =>
  gqlOk(
    `mutation($input: UpdateCrmRuleInput!) { updateCrmRule(input: $input) { __typename
      ... on MutationUpdateCrmRuleSuccess { settings { rule enabled n } } ... on ValidationError { issues { path } } } }`,
    { input: { rule, enabled, n } },
    token,
  ).then((d) => d.updateCrmRule);

beforeAll(async () => {
  admin = await adminToken();
  root = await enroll(admin, null, { joinedAt: '2025-01-01T00:00:00Z' });
  a = await enroll(admin, root, { joinedAt: '2025-06-01T00:00:00Z' });
  b = await enroll(admin, root, { joinedAt: '2025-06-01T00:00:00Z' });
  [aT, bT] = await Promise.all([distributorToken(a), distributorToken(b)]);
  // root, a and b are active now: volume in the current period keeps them off the dormant list.
  for (const id of [root, a, b])
    await env.DB.prepare("INSERT INTO volume (distributor_id, period, pv) VALUES (?, '2026-11', 100)")
      .bind(id)
      .run();
});

describe('rule settings', () => {
  it('staff change a rule; distributors may not; n is validated', async () => {
    expect((await setRule('ORDER_FOLLOW_UP', true, 7)).settings).toEqual({
      rule: 'ORDER_FOLLOW_UP',
      enabled: true,
      n: 7,
    });
    expect((await setRule('ORDER_FOLLOW_UP', true, 0)).__typename).toBe('ValidationError');
    const r = await gql(
      `mutation { updateCrmRule(input: { rule: DORMANT_MEMBER, enabled: false }) { __typename } }`,
      {},
      aT,
    );
    expect(r.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const rules = await gqlOk(`{ crmRules { rule enabled n } }`, {}, admin);
    expect(rules.crmRules.map((x: any) => x.rule)).toEqual([
      'DORMANT_MEMBER',
      'ORDER_FOLLOW_UP',
      'REORDER_REMINDER',
    ]);
  });
});

describe('ORDER_FOLLOW_UP', () => {
  it('N days after a paid customer order (local days), once, for the customer’s owner', async () => {
    const k = await createCustomer(aT, { firstName: 'Kaja' });
    const due = [
      await paidOrder(k, a, '2026-11-15T09:00:00.000Z'), // local 15 Nov = today - 7
      await paidOrder(k, a, '2026-11-14T23:30:00.000Z'), // local 15 Nov 00:30
    ];
    await paidOrder(k, a, '2026-11-15T23:30:00.000Z'); // local 16 Nov: not yet
    await paidOrder(k, a, '2026-11-16T09:00:00.000Z'); // not yet
    await paidOrder(k, a, '2026-10-01T09:00:00.000Z'); // older than the look-back
    await paidOrder(null, a, '2026-11-15T09:00:00.000Z'); // a personal order
    await paidOrder(k, a, null, 'PENDING');
    await paidOrder(k, a, '2026-11-15T10:00:00.000Z', 'REFUNDED');

    await setRule('ORDER_FOLLOW_UP', false, 7);
    expect(await runOrderFollowUps(env.DB, NOW)).toBe(0);
    await setRule('ORDER_FOLLOW_UP', true, 7);
    expect(await runOrderFollowUps(env.DB, NOW)).toBe(2);
    expect(await runOrderFollowUps(env.DB, NOW)).toBe(0); // idempotent
    const made = await tasks("kind = 'FOLLOW_UP'");
    expect(made.map((t) => t.dedupe_key).sort()).toEqual(due.map((id) => `order-follow-up:${id}`).sort());
    expect(
      made.every(
        (t) =>
          t.owner_id === a &&
          t.subject_type === 'CUSTOMER' &&
          t.subject_id === k &&
          t.due_date === '2026-11-22',
      ),
    ).toBe(true);
    // the next day picks up the 16 Nov orders only
    expect(await runOrderFollowUps(env.DB, new Date('2026-11-23T10:00:00.000Z'))).toBe(2);
  });

  it('runs from the hourly cron, idempotently', async () => {
    const k = await createCustomer(bT, { firstName: 'Cron' });
    const id = await paidOrder(k, b, new Date(Date.now() - 7 * 86_400_000).toISOString());
    for (let i = 0; i < 2; i++) {
      const ctx = createExecutionContext();
      await worker.scheduled(
        createScheduledController({ cron: '0 * * * *', scheduledTime: new Date() }),
        env,
        ctx,
      );
      await waitOnExecutionContext(ctx);
    }
    expect((await tasks(`dedupe_key = 'order-follow-up:${id}'`)).length).toBe(1);
  });
});

describe('REORDER_REMINDER', () => {
  it('before the autoship date, or the date their order history predicts; once', async () => {
    await setRule('REORDER_REMINDER', true, 5);
    const now = NOW.toISOString();
    const auto = await createCustomer(aT, { firstName: 'Autoship' });
    const autoLater = await createCustomer(aT, { firstName: 'AutoLater' });
    const regular = await createCustomer(aT, { firstName: 'Regular' });
    const lapsed = await createCustomer(aT, { firstName: 'Lapsed' });
    const both = await createCustomer(aT, { firstName: 'Both' });
    const ship = async (customer: number, next: string) =>
      (await env.DB.prepare(
        `INSERT INTO autoship (distributor_id, customer_id, lines, interval_days, next_date, status, created_at, updated_at)
           VALUES (?, ?, '[]', 30, ?, 'ACTIVE', ?, ?) RETURNING id`,
      )
        .bind(a, customer, next, now, now)
        .first<{ id: number }>())!.id;
    const s1 = await ship(auto, '2026-11-25');
    await ship(autoLater, '2026-11-30');
    const s3 = await ship(both, '2026-11-27');
    // Regular: every 30 days (25 Sep, 25 Oct) -> expected 24 Nov, within 5 days.
    await paidOrder(regular, a, '2026-09-25T10:00:00.000Z');
    const last = await paidOrder(regular, a, '2026-10-25T10:00:00.000Z');
    // Lapsed: every 20 days (1 Oct, 21 Oct) -> expected 10 Nov, already past.
    await paidOrder(lapsed, a, '2026-10-01T10:00:00.000Z');
    await paidOrder(lapsed, a, '2026-10-21T10:00:00.000Z');
    // Both: history predicts 24 Nov too, but the autoship decides.
    await paidOrder(both, a, '2026-09-25T10:00:00.000Z');
    await paidOrder(both, a, '2026-10-25T10:00:00.000Z');

    // (the follow-up test's customer, who ordered every ~11 days, is due as well)
    expect(await runReorderReminders(env.DB, NOW)).toBeGreaterThanOrEqual(3);
    expect(await runReorderReminders(env.DB, NOW)).toBe(0);
    const ours = [auto, autoLater, regular, lapsed, both].join(', ');
    expect((await tasks(`kind = 'REORDER' AND subject_id IN (${ours})`)).map((t) => t.dedupe_key)).toEqual(
      [
        `reorder:autoship:${s1}:2026-11-25`,
        `reorder:autoship:${s3}:2026-11-27`,
        `reorder:history:${regular}:${last}`,
      ].sort(),
    );
    await setRule('REORDER_REMINDER', false, 5);
    expect(await runReorderReminders(env.DB, new Date('2026-11-26T10:00:00.000Z'))).toBe(0);
  });
});

describe('DORMANT_MEMBER', () => {
  it('lists members without volume for N complete periods, with a task for sponsor/owner, and forgets them when active', async () => {
    await setRule('DORMANT_MEMBER', true, 3);
    const old = { joinedAt: '2026-01-10T10:00:00Z' };
    const sleepy = await enroll(admin, a, old); // volume last in July
    const never = await enroll(admin, a, old); // no volume ever
    const busy = await enroll(admin, a, old); // volume in September
    const fresh = await enroll(admin, a, { joinedAt: '2026-09-01T10:00:00Z' }); // too new
    const other = await enroll(admin, b, old); // b's
    const vol = (id: number, period: string, pv: number) =>
      env.DB.prepare('INSERT INTO volume (distributor_id, period, pv) VALUES (?, ?, ?)')
        .bind(id, period, pv)
        .run();
    await vol(sleepy, '2026-07', 120);
    await vol(sleepy, '2026-09', 0);
    await vol(busy, '2026-09', 80);
    await vol(other, '2026-06', 50);
    void fresh;
    const quiet = await createCustomer(aT, { firstName: 'Quiet' });
    const buyer = await createCustomer(aT, { firstName: 'Buyer' });
    await env.DB.prepare("UPDATE customer SET created_at = '2026-02-01T00:00:00.000Z'").run();
    await paidOrder(buyer, a, '2026-10-05T10:00:00.000Z');

    const before = await tasks("kind = 'DORMANT'");
    const created = await runDormantMembers(env.DB, NOW);
    expect(await runDormantMembers(env.DB, NOW)).toBe(0);
    const all = (await tasks("kind = 'DORMANT'")).filter(
      (t) => !before.some((x) => x.dedupe_key === t.dedupe_key),
    );
    expect(created).toBe(all.length);
    // Customers of the other tests in this file (no orders since February) are dormant too: look at ours.
    const mine = new Set([
      `DISTRIBUTOR:${sleepy}`,
      `DISTRIBUTOR:${never}`,
      `DISTRIBUTOR:${busy}`,
      `DISTRIBUTOR:${fresh}`,
      `DISTRIBUTOR:${other}`,
      `CUSTOMER:${quiet}`,
      `CUSTOMER:${buyer}`,
    ]);
    const made = all.filter((t) => mine.has(`${t.subject_type}:${t.subject_id}`));
    expect(made.map((t) => [t.owner_id, t.subject_type, t.subject_id]).sort()).toEqual(
      [
        [a, 'DISTRIBUTOR', sleepy],
        [a, 'DISTRIBUTOR', never],
        [b, 'DISTRIBUTOR', other],
        [a, 'CUSTOMER', quiet],
      ].sort(),
    );
    const LIST = `query($t: DormantMemberType) { dormantMembers(first: 50, memberType: $t) { edges { node {
      memberType periods lastActivePeriod distributor { id } customer { firstName } } } } }`;
    const aList = (await gqlOk(LIST, { t: 'DISTRIBUTOR' }, aT)).dormantMembers.edges.map((e: any) => e.node);
    expect(aList.map((n: any) => [n.distributor.id, n.lastActivePeriod, n.periods])).toEqual([
      [gid(sleepy), '2026-07', 3],
      [gid(never), null, 10],
    ]);
    const bList = (await gqlOk(LIST, { t: 'DISTRIBUTOR' }, bT)).dormantMembers.edges;
    expect(bList.map((e: any) => e.node.distributor.id)).toEqual([gid(other)]);
    const staffList = (await gqlOk(LIST, { t: 'DISTRIBUTOR' }, admin)).dormantMembers.edges;
    expect(staffList).toHaveLength(3);
    const aCustomers = (await gqlOk(LIST, { t: 'CUSTOMER' }, aT)).dormantMembers.edges.map(
      (e: any) => e.node.customer.firstName,
    );
    expect(aCustomers).toContain('Quiet');
    expect(aCustomers).not.toContain('Buyer');
    const forbidden = await gql(
      `query($id: ID!) { dormantMembers(responsibleId: $id) { edges { node { periods } } } }`,
      { id: gid(a) },
      bT,
    );
    expect(forbidden.errors?.[0].extensions?.code).toBe('FORBIDDEN');

    // sleepy buys this month: no longer dormant; the task stays (one per dormant spell).
    await vol(sleepy, '2026-11', 100);
    await runDormantMembers(env.DB, NOW);
    const after = (await gqlOk(LIST, { t: 'DISTRIBUTOR' }, aT)).dormantMembers.edges.map(
      (e: any) => e.node.distributor.id,
    );
    expect(after).toEqual([gid(never)]);
  });
});
