import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  env,
  getQueueResult,
  waitOnExecutionContext,
} from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import worker from '../../src/index';
import type { JobMessage } from '../../src/jobs/messages';
import { addDays, firstDueDate, localDate, nextDueDate } from '../../src/modules/autoship/schedule';
import { adminToken, distributorToken, enroll, globalId, gqlOk, localId } from '../helpers';
import { createCustomer, createProduct, rowCounts } from '../orders/helpers';

describe('schedule arithmetic', () => {
  it('steps by days or to the day of the next month, across year ends', () => {
    expect(nextDueDate('2026-12-28', { intervalDays: 30, dayOfMonth: null })).toBe('2027-01-27');
    expect(nextDueDate('2026-12-15', { intervalDays: null, dayOfMonth: 15 })).toBe('2027-01-15');
    expect(firstDueDate('2026-11-20', { intervalDays: null, dayOfMonth: 15 })).toBe('2026-12-15');
    expect(firstDueDate('2026-11-10', { intervalDays: null, dayOfMonth: 15 })).toBe('2026-11-15');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    // Local date in the company zone: 23:30 UTC on Nov 22 is already Nov 23 in Copenhagen.
    expect(localDate(new Date('2026-11-22T23:30:00Z'), 'Europe/Copenhagen')).toBe('2026-11-23');
  });
});

const CREATE = `mutation($input: CreateAutoshipInput!) { createAutoship(input: $input) { __typename
  ... on MutationCreateAutoshipSuccess { autoship { id nextDate status } }
  ... on Error { message } ... on ValidationError { issues { path message } } } }`;

let admin: string;
let owner: number;
let ownerToken: string;
let product: number;

beforeAll(async () => {
  admin = await adminToken();
  const root = await enroll(admin, null);
  owner = await enroll(admin, root);
  ownerToken = await distributorToken(owner);
  product = await createProduct(admin, 'SHAKE', { qv: 40, cv: 3000 });
});

async function createAutoship(input: Record<string, unknown>, token = ownerToken) {
  return (await gqlOk(CREATE, { input }, token)).createAutoship;
}

async function runCron(at: Date) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: '0 * * * *', scheduledTime: at }), env, ctx);
  await waitOnExecutionContext(ctx);
}

async function deliver(bodies: JobMessage[]) {
  const batch = createMessageBatch<JobMessage>(
    'mlm-crm-jobs',
    bodies.map((body, i) => ({ id: `m${i}-${Math.random()}`, timestamp: new Date(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  return getQueueResult(batch, ctx);
}

async function ordersOf(autoship: number) {
  return (
    await env.DB.prepare('SELECT * FROM sales_order WHERE created_by = ? ORDER BY id')
      .bind(`autoship:${autoship}`)
      .all<any>()
  ).results;
}

describe('autoship', () => {
  it('refuses bad subscriptions and writes nothing', async () => {
    const theirs = await createCustomer(await distributorToken(await enroll(admin, owner)));
    const before = await rowCounts();
    const line = [{ productId: globalId('Product', product), quantity: 1 }];
    const bad = [
      { lines: line },
      { lines: line, intervalDays: 30, dayOfMonth: 5 },
      { lines: line, intervalDays: 3 },
      { lines: line, dayOfMonth: 31 },
      { lines: [{ productId: globalId('Product', 999), quantity: 1 }], intervalDays: 30 },
      { lines: line, intervalDays: 30, customerId: globalId('Customer', theirs) },
    ];
    for (const input of bad) {
      const r = await createAutoship(input);
      expect(['ValidationError', 'NotFoundError', 'ForbiddenError'], JSON.stringify(input)).toContain(
        r.__typename,
      );
    }
    expect(await rowCounts()).toEqual(before);
    expect((await env.DB.prepare('SELECT count(*) AS n FROM autoship').first<{ n: number }>())!.n).toBe(0);
  });

  it('makes exactly one order per due date, however often the cron and its messages run', async () => {
    const customer = await createCustomer(ownerToken);
    const r = await createAutoship({
      customerId: globalId('Customer', customer),
      lines: [{ productId: globalId('Product', product), quantity: 2 }],
      intervalDays: 30,
    });
    expect(r.__typename).toBe('MutationCreateAutoshipSuccess');
    const id = localId(r.autoship.id);
    const due = r.autoship.nextDate;
    const now = new Date();

    // The same message delivered twice, and twice more in one batch: one order.
    const job: JobMessage = { kind: 'autoship.generate', autoshipId: id, dueDate: due };
    const res = await deliver([job, job]);
    expect(res.explicitAcks).toHaveLength(2);
    await deliver([job]);
    let orders = await ordersOf(id);
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({
      kind: 'CUSTOMER',
      customer_id: customer,
      status: 'PENDING',
      qv: 80,
      idempotency_key: `due:${due}`,
    });
    const a = await env.DB.prepare('SELECT next_date FROM autoship WHERE id = ?')
      .bind(id)
      .first<{ next_date: string }>();
    expect(a!.next_date).toBe(nextDueDate(due, { intervalDays: 30, dayOfMonth: null }));

    // The cron finds nothing due now; run it twice anyway.
    await runCron(now);
    await runCron(now);
    orders = await ordersOf(id);
    expect(orders).toHaveLength(1);

    // Thirty days later it is due again: the cron enqueues it and the real queue consumer makes the order.
    const later = new Date(now.getTime() + 30 * 24 * 3600 * 1000 + 3600 * 1000);
    await runCron(later);
    await runCron(later);
    for (let i = 0; i < 50 && (await ordersOf(id)).length < 2; i++)
      await new Promise((r) => setTimeout(r, 100));
    orders = await ordersOf(id);
    expect(orders).toHaveLength(2);
    const runs = await env.DB.prepare(
      'SELECT due_date, order_id FROM autoship_run WHERE autoship_id = ? ORDER BY due_date',
    )
      .bind(id)
      .all();
    expect(runs.results).toHaveLength(2);
    // The cron started one tracked job for that due date (its second run found the job and sent nothing).
    const jobs = async () =>
      (await env.DB.prepare("SELECT id, status FROM job WHERE kind = 'autoship'").all<any>()).results;
    for (let i = 0; i < 50 && (await jobs())[0]?.status !== 'DONE'; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(await jobs()).toEqual([{ id: `autoship:${id}:${a!.next_date}`, status: 'DONE' }]);
  });

  it('skips a paused autoship, records why a cycle failed, and resumes without back-filling', async () => {
    const r = await createAutoship({
      lines: [{ productId: globalId('Product', product), quantity: 1 }],
      dayOfMonth: 1,
    });
    const id = localId(r.autoship.id);
    const UPDATE = `mutation($input: UpdateAutoshipInput!) { updateAutoship(input: $input) { __typename
      ... on MutationUpdateAutoshipSuccess { autoship { status nextDate } } ... on Error { message } } }`;
    const today = localDate(new Date(), 'Europe/Copenhagen');
    await env.DB.prepare('UPDATE autoship SET next_date = ? WHERE id = ?').bind(today, id).run();
    await gqlOk(UPDATE, { input: { id: r.autoship.id, status: 'PAUSED' } }, ownerToken);
    await deliver([{ kind: 'autoship.generate', autoshipId: id, dueDate: today }]);
    expect(await ordersOf(id)).toHaveLength(0);

    // Resume, but the product is no longer sold: the run records the reason and the schedule moves on.
    const resumed = await gqlOk(UPDATE, { input: { id: r.autoship.id, status: 'ACTIVE' } }, ownerToken);
    expect(resumed.updateAutoship.autoship).toMatchObject({ status: 'ACTIVE', nextDate: today });
    await gqlOk(
      `mutation { updateProduct(input: { id: "${globalId('Product', product)}", active: false }) { __typename } }`,
      {},
      admin,
    );
    try {
      await deliver([{ kind: 'autoship.generate', autoshipId: id, dueDate: today }]);
      expect(await ordersOf(id)).toHaveLength(0);
      const run = await env.DB.prepare('SELECT error FROM autoship_run WHERE autoship_id = ?')
        .bind(id)
        .first<{ error: string }>();
      expect(run!.error).toMatch(/Invalid order lines/);
      const a = await env.DB.prepare('SELECT next_date FROM autoship WHERE id = ?')
        .bind(id)
        .first<{ next_date: string }>();
      expect(a!.next_date > today).toBe(true);
    } finally {
      await gqlOk(
        `mutation { updateProduct(input: { id: "${globalId('Product', product)}", active: true }) { __typename } }`,
        {},
        admin,
      );
    }
  });
});
