import { env } from 'cloudflare:test';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { adminToken, distributorToken, enroll, globalId, gqlOk, localId } from '../helpers';
import { createCustomer } from '../orders/helpers';
import { deliver, outbox, send, setProviders, twilioAccepted, uniquePhone } from './helpers';

// Quiet hours in the recipient's zone for marketing SMS, and the per-distributor daily marketing limit.

const SEND = `mutation($input: SendMessageInput!) { sendMessage(input: $input) { __typename
  ... on MutationSendMessageSuccess { outboxMessage { id status } }
  ... on RateLimitedError { message retryAfterSeconds } ... on Error { message } } }`;

let admin: string;
let root: number;
let aT: string;
beforeAll(async () => {
  admin = await adminToken();
  root = await enroll(admin, null);
  aT = await distributorToken(await enroll(admin, root));
});
beforeEach(async () => {
  await setProviders({ sms: 'TWILIO', email: 'RESEND' });
  await env.DB.prepare(
    "UPDATE messaging_settings SET quiet_hours_start = '21:00', quiet_hours_end = '08:00', marketing_daily_limit = 200",
  ).run();
});

const hhmm = (d: Date, zone: string) =>
  new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(d);

const sendSms = async (customer: number, purpose: string, text = 'Tilbud: 20 % i dag', token = aT) =>
  (
    await gqlOk(
      SEND,
      { input: { recipientId: globalId('Customer', customer), channel: 'SMS', purpose, text } },
      token,
    )
  ).sendMessage;

describe('quiet hours', () => {
  it('a marketing SMS inside the recipient’s quiet hours waits for their end; a transactional one does not', async () => {
    // A window around the current time in Warsaw (the customer's country), whatever the clock says.
    const now = Date.now();
    const start = hhmm(new Date(now - 3_600_000), 'Europe/Warsaw');
    const end = hhmm(new Date(now + 3_600_000), 'Europe/Warsaw');
    await env.DB.prepare('UPDATE messaging_settings SET quiet_hours_start = ?, quiet_hours_end = ?')
      .bind(start, end)
      .run();
    const phone = `+4851${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    const id = await createCustomer(aT, {
      phone,
      country: 'PL',
      locale: 'pl',
      consent: { sms: true, email: false, source: 'shop' },
    });

    const r = await sendSms(id, 'MARKETING', 'Promocja: -20% dzisiaj');
    expect(r.__typename).toBe('MutationSendMessageSuccess');
    const row = await outbox(localId(r.outboxMessage.id));
    const waits = Date.parse(row.not_before!) - now;
    expect(waits).toBeGreaterThan(55 * 60_000);
    expect(waits).toBeLessThan(61 * 60_000);
    const early = await deliver([send(row.id)]);
    expect(early.retryMessages[0].delaySeconds).toBeGreaterThan(55 * 60);
    expect(await twilioAccepted(phone)).toEqual([]);

    const t = await sendSms(id, 'TRANSACTIONAL', 'Twoje zamówienie zostało wysłane.');
    expect((await outbox(localId(t.outboxMessage.id))).not_before).toBeNull();
  });
});

describe('daily marketing limit', () => {
  it('the distributor’s marketing messages stop at the limit with RateLimitedError; nothing is written; transactional ones go on', async () => {
    await env.DB.prepare('UPDATE messaging_settings SET marketing_daily_limit = 2').run();
    const bT = await distributorToken(await enroll(admin, root));
    const id = await createCustomer(bT, {
      phone: uniquePhone(),
      consent: { sms: true, email: false, source: 'shop' },
    });
    const other = await createCustomer(bT, {
      phone: uniquePhone(),
      consent: { sms: true, email: false, source: 'shop' },
    });
    expect((await sendSms(id, 'MARKETING', 'Tilbud', bT)).__typename).toBe('MutationSendMessageSuccess');
    expect((await sendSms(other, 'MARKETING', 'Tilbud', bT)).__typename).toBe('MutationSendMessageSuccess');
    // Another distributor's count is their own.
    const theirs = await createCustomer(aT, {
      phone: uniquePhone(),
      consent: { sms: true, email: false, source: 'shop' },
    });
    expect((await sendSms(theirs, 'MARKETING')).__typename).toBe('MutationSendMessageSuccess');
    const count = async () =>
      env.DB.prepare(
        'SELECT (SELECT count(*) FROM message_outbox) + (SELECT count(*) FROM activity) AS n',
      ).first('n');
    const before = await count();
    const third = await sendSms(id, 'MARKETING', 'Tilbud', bT);
    expect(third.__typename).toBe('RateLimitedError');
    expect(third.retryAfterSeconds).toBeGreaterThan(0);
    expect(third.retryAfterSeconds).toBeLessThanOrEqual(25 * 3600);
    expect(await count()).toBe(before);
    expect((await sendSms(id, 'TRANSACTIONAL', 'Din ordre er sendt', bT)).__typename).toBe(
      'MutationSendMessageSuccess',
    );
  });
});
