import {
  createExecutionContext,
  createScheduledController,
  env,
  waitOnExecutionContext,
} from 'cloudflare:test';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { ruleKey, runOrderFollowUpMessages } from '../../src/modules/messaging/rules';
import { adminToken, distributorToken, enroll, gql, gqlOk } from '../helpers';
import { createCustomer, createProduct } from '../orders/helpers';
import { setProviders, uniqueEmail, uniquePhone } from './helpers';

// ORDER_FOLLOW_UP as a message: the seeded template in the customer's language, N days after a paid order,
// once per order and channel, with the contact history; only for enabled channels.

const NOW = new Date('2026-11-22T10:00:00.000Z'); // 11:00 in Copenhagen
let admin: string;
let a: number;
let aT: string;
let product: number;

const SET = `mutation($input: SetMessageRuleInput!) { setMessageRule(input: $input) { __typename
  ... on MutationSetMessageRuleSuccess { rule { rule channel enabled } } ... on Error { message } } }`;

async function paidOrder(customer: number, paidAt: string): Promise<number> {
  const o = await env.DB.prepare(
    `INSERT INTO sales_order (kind, distributor_id, customer_id, status, currency, total, qv, cv, created_by, created_at, paid_at, period)
     VALUES ('CUSTOMER', ?, ?, 'PAID', 'DKK', 123450, 50, 4000, 'test', ?, ?, ?) RETURNING id`,
  )
    .bind(a, customer, paidAt, paidAt, paidAt.slice(0, 7))
    .first<number>('id');
  await env.DB.prepare(
    `INSERT INTO order_line (order_id, product_id, sku, quantity, unit_price, unit_retail, unit_wholesale, unit_qv, unit_cv,
       is_starter_kit)
     SELECT ?, id, sku, 1, 123450, 123450, 100000, 50, 4000, 0 FROM product WHERE id = ?`,
  )
    .bind(o, product)
    .run();
  return o!;
}

function capturingJobs() {
  const sent: unknown[] = [];
  const JOBS = { sendBatch: async (b: { body: unknown }[]) => void sent.push(...b.map((m) => m.body)) };
  return {
    sent,
    env: { ...env, JOBS: JOBS as unknown as typeof env.JOBS, OUTBOX: JOBS as unknown as typeof env.OUTBOX },
  };
}

beforeAll(async () => {
  admin = await adminToken();
  a = await enroll(admin, await enroll(admin, null), { firstName: 'Jens', lastName: 'Hansen' });
  aT = await distributorToken(a);
  product = await createProduct(admin, `VITC-${Math.floor(Math.random() * 1e6)}`);
  await env.DB.prepare("UPDATE crm_rule SET enabled = 1, n = 7 WHERE rule = 'ORDER_FOLLOW_UP'").run();
});
beforeEach(() => setProviders({ sms: 'TWILIO', email: 'RESEND' }));

describe('ORDER_FOLLOW_UP messages', () => {
  it('go only by enabled channels, in the customer’s language, once per order, with the contact history', async () => {
    const phone = uniquePhone();
    const k = await createCustomer(aT, { firstName: 'Karen', phone, email: uniqueEmail() });
    const noPhone = await createCustomer(aT, { firstName: 'Ida', email: uniqueEmail() });
    const due = await paidOrder(k, '2026-11-15T09:00:00.000Z'); // local 15 Nov = today - 7
    await paidOrder(noPhone, '2026-11-15T09:00:00.000Z');
    const notYet = await paidOrder(k, '2026-11-16T09:00:00.000Z');

    const off = capturingJobs();
    expect(await runOrderFollowUpMessages(off.env, NOW)).toBe(0);

    const denied = await gql(SET, { input: { rule: 'ORDER_FOLLOW_UP', channel: 'SMS', enabled: true } }, aT);
    expect(denied.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const on = (
      await gqlOk(SET, { input: { rule: 'ORDER_FOLLOW_UP', channel: 'SMS', enabled: true } }, admin)
    ).setMessageRule;
    expect(on.rule).toEqual({ rule: 'ORDER_FOLLOW_UP', channel: 'SMS', enabled: true });

    const run = capturingJobs();
    expect(await runOrderFollowUpMessages(run.env, NOW)).toBe(1);
    const row = await env.DB.prepare('SELECT * FROM message_outbox WHERE idempotency_key = ?')
      .bind(ruleKey('SMS', due))
      .first<any>();
    expect(row).toMatchObject({
      recipient_type: 'CUSTOMER',
      recipient_id: k,
      address: phone,
      channel: 'SMS',
      purpose: 'TRANSACTIONAL',
      template_key: 'ORDER_FOLLOW_UP',
      locale: 'da',
      sender_kind: 'RULE',
      sender: 'rule:ORDER_FOLLOW_UP',
      owner_distributor_id: a,
      status: 'QUEUED',
      sms_encoding: 'GSM7',
    });
    expect(row.body).toBe(
      `Hej Karen, hvordan går det med din ordre ${due}? Skriv endelig, hvis du har spørgsmål. - Jens Hansen`,
    );
    expect(run.sent).toEqual([{ kind: 'outbox.send', outboxId: row.id }]);
    const history = await env.DB.prepare(
      "SELECT kind, author FROM activity WHERE subject_type = 'CUSTOMER' AND subject_id = ?",
    )
      .bind(k)
      .all();
    expect(history.results).toEqual([{ kind: 'SMS', author: 'rule:ORDER_FOLLOW_UP' }]);

    // Again: nothing new. The next day: the order of 16 Nov.
    const again = capturingJobs();
    expect(await runOrderFollowUpMessages(again.env, NOW)).toBe(0);
    expect(again.sent).toEqual([]);
    expect(await runOrderFollowUpMessages(capturingJobs().env, new Date('2026-11-23T10:00:00.000Z'))).toBe(1);
    expect(
      await env.DB.prepare('SELECT count(*) AS n FROM message_outbox WHERE idempotency_key = ?')
        .bind(ruleKey('SMS', notYet))
        .first('n'),
    ).toBe(1);
    expect(
      await env.DB.prepare("SELECT count(*) AS n FROM message_outbox WHERE channel = 'EMAIL'").first('n'),
    ).toBe(0);
  });

  it('an e-mail in Polish with the order’s products, from the hourly cron, idempotently', async () => {
    await gqlOk(SET, { input: { rule: 'ORDER_FOLLOW_UP', channel: 'EMAIL', enabled: true } }, admin);
    const address = uniqueEmail();
    const k = await createCustomer(aT, { firstName: 'Zofia', email: address, country: 'PL', locale: 'pl' });
    const o = await paidOrder(k, new Date(Date.now() - 7 * 86_400_000).toISOString());
    for (let i = 0; i < 2; i++) {
      const ctx = createExecutionContext();
      await worker.scheduled(
        createScheduledController({ cron: '0 * * * *', scheduledTime: new Date() }),
        env,
        ctx,
      );
      await waitOnExecutionContext(ctx);
    }
    const { results } = await env.DB.prepare('SELECT * FROM message_outbox WHERE idempotency_key = ?')
      .bind(ruleKey('EMAIL', o))
      .all<any>();
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({
      locale: 'pl',
      subject: 'Jak się sprawdza Twoje zamówienie?',
      address,
    });
    expect(results[0].body).toContain(`zamówienie ${o}`);
    expect(results[0].body).toMatch(/Chętnie dowiem się, jak sprawdzają się produkty \(VITC-\d+ pl\)/);
    expect(results[0].html).toContain('<p>Cześć Zofia,</p>');
  });
});
