import {
  createExecutionContext,
  createScheduledController,
  env,
  waitOnExecutionContext,
} from 'cloudflare:test';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { occurrenceKey } from '../../src/modules/messaging/rules';
import { adminToken, distributorToken, enroll, gqlOk } from '../helpers';
import { createCustomer, createProduct } from '../orders/helpers';
import { deliver, send, setProviders, uniqueEmail, uniquePhone } from './helpers';

// REORDER_REMINDER and DORMANT_MEMBER send their template (marketing) when the CRM rule's action says so,
// through the nightly cron: consent, quiet hours, the owner's daily limit and suppressions hold as for any
// send; each occurrence once per channel; the task only when the action includes it.

// 02:00 UTC = 03:00 in Copenhagen: inside the quiet hours (21:00–08:00).
const NIGHT = new Date('2026-12-10T02:00:00.000Z');
let admin: string;
let a: number;
let aT: string;
let product: number;
let sku: string;

const RULE = `mutation($input: UpdateCrmRuleInput!) { updateCrmRule(input: $input) { __typename
  ... on MutationUpdateCrmRuleSuccess { settings { rule enabled n action } } ... on Error { message } } }`;
const CHANNEL = `mutation($input: SetMessageRuleInput!) { setMessageRule(input: $input) { __typename } }`;

async function nightly(): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: '0 2 * * *', scheduledTime: NIGHT }), env, ctx);
  await waitOnExecutionContext(ctx);
}

async function autoship(customer: number, next: string): Promise<number> {
  const now = new Date().toISOString();
  return (await env.DB.prepare(
    `INSERT INTO autoship (distributor_id, customer_id, lines, interval_days, next_date, status, created_at, updated_at)
     VALUES (?, ?, ?, 30, ?, 'ACTIVE', ?, ?) RETURNING id`,
  )
    .bind(a, customer, JSON.stringify([{ productId: product, quantity: 1 }]), next, now, now)
    .first<number>('id'))!;
}

const rows = (where: string, ...params: unknown[]) =>
  env.DB.prepare(`SELECT * FROM message_outbox WHERE ${where} ORDER BY id`)
    .bind(...params)
    .all<any>()
    .then((r) => r.results);

beforeAll(async () => {
  admin = await adminToken();
  a = await enroll(admin, await enroll(admin, null), { firstName: 'Jens', lastName: 'Hansen' });
  aT = await distributorToken(a);
  sku = `OMEGA-${Math.floor(Math.random() * 1e6)}`;
  product = await createProduct(admin, sku);
  await env.DB.prepare(
    "UPDATE messaging_settings SET shop_url = 'https://shop.example.test/{referralCode}'",
  ).run();
});
beforeEach(() =>
  setProviders({ sms: 'TWILIO', email: 'RESEND', quietHours: { start: '21:00', end: '08:00' } }),
);

describe('follow-up rules that send messages', () => {
  it('REORDER_REMINDER as MESSAGE: no task; an SMS to consenting customers that waits out the quiet hours, within the daily limit, once', async () => {
    const set = (
      await gqlOk(
        RULE,
        { input: { rule: 'REORDER_REMINDER', enabled: true, n: 5, action: 'MESSAGE' } },
        admin,
      )
    ).updateCrmRule;
    expect(set.settings).toEqual({ rule: 'REORDER_REMINDER', enabled: true, n: 5, action: 'MESSAGE' });
    await gqlOk(CHANNEL, { input: { rule: 'REORDER_REMINDER', channel: 'SMS', enabled: true } }, admin);
    await env.DB.prepare('UPDATE messaging_settings SET marketing_daily_limit = 1').run();

    const consent = { sms: true, email: false, source: 'shop' };
    const first = await createCustomer(aT, { firstName: 'Mette', phone: uniquePhone(), consent });
    const second = await createCustomer(aT, { firstName: 'Lars', phone: uniquePhone(), consent });
    const without = await createCustomer(aT, { firstName: 'Ole', phone: uniquePhone() });
    const ships = [
      await autoship(first, '2026-12-13'),
      await autoship(second, '2026-12-14'),
      await autoship(without, '2026-12-13'),
    ];

    await nightly();
    const key = (i: number, day: string) =>
      occurrenceKey('REORDER_REMINDER', 'SMS', `autoship:${ships[i]}:${day}`);
    let sent = await rows("sender = 'rule:REORDER_REMINDER'");
    // The limit (1 a day for Jens) lets one through; no consent, no message.
    expect(sent.map((r) => r.idempotency_key)).toEqual([key(0, '2026-12-13')]);
    const m = sent[0];
    expect(m).toMatchObject({
      recipient_id: first,
      purpose: 'MARKETING',
      template_key: 'REORDER_REMINDER',
      locale: 'da',
      owner_distributor_id: a,
      status: 'QUEUED',
      // 08:00 in Copenhagen.
      not_before: '2026-12-10T07:00:00.000Z',
    });
    const code = await env.DB.prepare('SELECT referral_code FROM distributor WHERE id = ?')
      .bind(a)
      .first<string>('referral_code');
    expect(m.body).toContain(
      `Hej Mette, omkring den 13. december 2026 er du nok ved at løbe tør for ${sku} da.`,
    );
    expect(m.body).toContain(`https://shop.example.test/${code}`);
    expect(m.body).toMatch(/Afmeld: https:\/\/crm\.example\.test\/u\/\S+$/);
    // No task: the action is MESSAGE.
    expect(
      await env.DB.prepare(
        "SELECT count(*) AS n FROM task WHERE kind = 'REORDER' AND subject_id IN (?, ?, ?)",
      )
        .bind(first, second, without)
        .first('n'),
    ).toBe(0);
    // The contact history has it.
    expect(
      await env.DB.prepare("SELECT author FROM activity WHERE subject_type = 'CUSTOMER' AND subject_id = ?")
        .bind(first)
        .first('author'),
    ).toBe('rule:REORDER_REMINDER');
    // The queue message waits for the quiet hours' end: the send step does not send before it.
    expect(Date.parse(m.not_before)).toBeGreaterThan(Date.now());
    const early = await deliver([send(m.id)]);
    expect(early.retryMessages).toHaveLength(1);

    // A higher limit: the next run sends the other one, and nothing twice.
    await env.DB.prepare('UPDATE messaging_settings SET marketing_daily_limit = 200').run();
    await nightly();
    await nightly();
    sent = await rows("sender = 'rule:REORDER_REMINDER'");
    expect(sent.map((r) => r.idempotency_key)).toEqual([key(0, '2026-12-13'), key(1, '2026-12-14')]);
  });

  it('DORMANT_MEMBER as BOTH by e-mail: the task and the message in the member’s language; a suppressed address is recorded, never sent', async () => {
    await gqlOk(RULE, { input: { rule: 'DORMANT_MEMBER', enabled: true, n: 3, action: 'BOTH' } }, admin);
    await gqlOk(CHANNEL, { input: { rule: 'DORMANT_MEMBER', channel: 'EMAIL', enabled: true } }, admin);
    const consent = { sms: false, email: true, source: 'shop' };
    const address = uniqueEmail();
    const blocked = uniqueEmail();
    const asleep = await createCustomer(aT, {
      firstName: 'Jonas',
      email: address,
      country: 'DE',
      locale: 'de',
      consent,
    });
    const suppressed = await createCustomer(aT, {
      firstName: 'Uwe',
      email: blocked,
      country: 'DE',
      locale: 'de',
      consent,
    });
    await env.DB.prepare("UPDATE customer SET created_at = '2026-01-05T10:00:00.000Z' WHERE id IN (?, ?)")
      .bind(asleep, suppressed)
      .run();
    await env.DB.prepare(
      "INSERT INTO message_suppression (channel, address, reason, created_at) VALUES ('EMAIL', ?, 'HARD_BOUNCE', ?)",
    )
      .bind(blocked, new Date().toISOString())
      .run();

    await nightly();
    await nightly();
    const key = (id: number) => occurrenceKey('DORMANT_MEMBER', 'EMAIL', `dormant:CUSTOMER:${id}:never`);
    const [m] = await rows('idempotency_key = ?', key(asleep));
    expect(m).toMatchObject({
      purpose: 'MARKETING',
      locale: 'de',
      status: 'QUEUED',
      address,
      not_before: null,
    });
    expect(m.subject).toBe('Wir vermissen dich, Jonas');
    expect(m.body).toMatch(/https:\/\/crm\.example\.test\/u\/\S+/);
    const [s] = await rows('idempotency_key = ?', key(suppressed));
    expect(s.status).toBe('SUPPRESSED');
    expect(
      await rows("sender = 'rule:DORMANT_MEMBER' AND recipient_id IN (?, ?)", asleep, suppressed),
    ).toHaveLength(2);
    // BOTH: the owner's task as well, once.
    expect(
      await env.DB.prepare('SELECT count(*) AS n FROM task WHERE dedupe_key = ?')
        .bind(`dormant:CUSTOMER:${asleep}:never`)
        .first('n'),
    ).toBe(1);
    // The suppressed one left no contact history.
    expect(
      await env.DB.prepare(
        "SELECT count(*) AS n FROM activity WHERE subject_type = 'CUSTOMER' AND subject_id = ?",
      )
        .bind(suppressed)
        .first('n'),
    ).toBe(0);
    // TASK: no more messages for new dormant members.
    await gqlOk(RULE, { input: { rule: 'DORMANT_MEMBER', action: 'TASK' } }, admin);
    const later = await createCustomer(aT, {
      firstName: 'Eva',
      email: uniqueEmail(),
      country: 'DE',
      locale: 'de',
      consent,
    });
    await env.DB.prepare("UPDATE customer SET created_at = '2026-01-05T10:00:00.000Z' WHERE id = ?")
      .bind(later)
      .run();
    await nightly();
    expect(await rows('idempotency_key = ?', key(later))).toEqual([]);
  });
});
