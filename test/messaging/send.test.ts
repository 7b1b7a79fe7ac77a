import { env } from 'cloudflare:test';
import { beforeEach, describe, expect, it } from 'vitest';
import { sendOutboxMessage } from '../../src/modules/messaging/send';
import {
  age,
  DLQ,
  deliver,
  gatewayAccepted,
  outbox,
  queuedMessage,
  resendAccepted,
  script,
  send,
  setProviders,
  twilioAccepted,
  uniqueEmail,
  uniquePhone,
} from './helpers';

// The send step through the worker's real queue handler, against the local provider fakes: exactly one
// accepted send per message, whatever the queue or the consumer does.

/** The worker's env whose consumer "dies" right after the provider accepted: recording SENT throws. */
function dyingAfterAccept(): typeof env {
  const db = new Proxy(env.DB, {
    get(target, prop) {
      if (prop === 'prepare')
        return (sql: string) => {
          if (sql.includes("THEN 'SENT' ELSE status END")) throw new Error('consumer died');
          return target.prepare(sql);
        };
      const v = Reflect.get(target, prop);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { ...env, DB: db };
}

beforeEach(() => setProviders({ sms: 'TWILIO', email: 'RESEND' }));

describe('the send step through the queue handler', () => {
  it('a message delivered twice in one batch and again later is sent once (Twilio)', async () => {
    const to = uniquePhone();
    const id = await queuedMessage({ channel: 'SMS', address: to, body: 'Hej Anna, tak for din ordre.' });
    const first = await deliver([send(id), send(id)]);
    expect(first.explicitAcks.length).toBe(2);
    expect(first.retryMessages).toEqual([]);
    const again = await deliver([send(id)]);
    expect(again.explicitAcks.length).toBe(1);

    const accepted = await twilioAccepted(to);
    expect(accepted.length).toBe(1);
    expect(accepted[0]).toMatchObject({
      body: 'Hej Anna, tak for din ordre.',
      from: '+4570000000',
      status_callback: 'https://crm.example.test/webhooks/messaging/twilio',
    });
    const row = await outbox(id);
    expect(row).toMatchObject({
      status: 'SENT',
      provider: 'TWILIO',
      provider_message_id: accepted[0].sid,
      provider_status: 'queued',
      attempts: 1,
      last_error: null,
    });
    expect(row.sent_at).not.toBeNull();
  });

  it('429 with Retry-After: the message waits that long, is not sent meanwhile, then goes once', async () => {
    const to = uniquePhone();
    await script('TWILIO_API', to, [{ status: 429, retryAfter: '37' }]);
    const id = await queuedMessage({ channel: 'SMS', address: to });
    const before = Date.now();
    const first = await deliver([send(id)]);
    expect(first.retryMessages).toEqual([expect.objectContaining({ delaySeconds: 37 })]);
    let row = await outbox(id);
    expect(row.status).toBe('QUEUED');
    expect(row.last_error).toContain('429');
    expect(Date.parse(row.not_before!) - before).toBeGreaterThanOrEqual(36_000);

    // Redelivered early (Queues may): still waiting, nothing sent.
    const early = await deliver([send(id)]);
    expect(early.retryMessages[0].delaySeconds).toBeGreaterThan(30);
    expect(await twilioAccepted(to)).toEqual([]);

    await age(id, 40);
    const later = await deliver([send(id)]);
    expect(later.explicitAcks.length).toBe(1);
    row = await outbox(id);
    expect(row).toMatchObject({ status: 'SENT', attempts: 2 });
    expect((await twilioAccepted(to)).length).toBe(1);
  });

  it('5xx without Retry-After backs off for seconds (1 s, then 1-2 s …); Resend 429 honours its retry-after too', async () => {
    const to = uniquePhone();
    await script('TWILIO_API', to, [{ status: 500 }, { status: 503 }]);
    const id = await queuedMessage({ channel: 'SMS', address: to });
    expect((await deliver([send(id)])).retryMessages[0].delaySeconds).toBe(1);
    await age(id, 1);
    const second = (await deliver([send(id)])).retryMessages[0].delaySeconds!;
    expect(second).toBeGreaterThanOrEqual(1);
    expect(second).toBeLessThanOrEqual(2);
    await age(id, second);
    expect((await deliver([send(id)])).explicitAcks.length).toBe(1);
    expect(await outbox(id)).toMatchObject({ status: 'SENT', attempts: 3 });

    const address = uniqueEmail();
    await script('RESEND_API', address, [{ status: 429, retryAfter: '2' }]);
    const mail = await queuedMessage({ channel: 'EMAIL', address });
    expect((await deliver([send(mail)])).retryMessages[0].delaySeconds).toBe(2);
    expect((await outbox(mail)).last_error).toContain('rate_limit_exceeded');
  });

  it('a consumer that dies after Twilio accepted: the redelivery waits out the claim, looks the message up, never sends again', async () => {
    const to = uniquePhone();
    const id = await queuedMessage({ channel: 'SMS', address: to });
    await expect(sendOutboxMessage(dyingAfterAccept(), id)).rejects.toThrow('consumer died');
    expect(await outbox(id)).toMatchObject({ status: 'SENDING', provider_message_id: null });
    const [taken] = await twilioAccepted(to);

    // Queues redelivers at once: the claim is fresh, so another consumer may still be working on it.
    const soon = await deliver([send(id)]);
    expect(soon.retryMessages[0].delaySeconds).toBeGreaterThan(100);
    expect((await twilioAccepted(to)).length).toBe(1);

    await age(id, 121);
    const after = await deliver([send(id)]);
    expect(after.explicitAcks.length).toBe(1);
    expect(await outbox(id)).toMatchObject({ status: 'SENT', provider_message_id: taken.sid, attempts: 2 });
    expect((await twilioAccepted(to)).length).toBe(1);
  });

  it('Twilio took the message but answered 500: the retry finds it and does not send a second SMS', async () => {
    const to = uniquePhone();
    await script('TWILIO_API', to, [{ status: 500, acceptedAnyway: true }]);
    const id = await queuedMessage({ channel: 'SMS', address: to });
    expect((await deliver([send(id)])).retryMessages.length).toBe(1);
    await age(id, 30);
    await deliver([send(id)]);
    const accepted = await twilioAccepted(to);
    expect(accepted.length).toBe(1);
    expect(await outbox(id)).toMatchObject({ status: 'SENT', provider_message_id: accepted[0].sid });
  });

  it('a consumer that dies after Resend accepted: the same Idempotency-Key again, one e-mail, the first id', async () => {
    const address = uniqueEmail();
    const id = await queuedMessage({ channel: 'EMAIL', address, subject: 'Din ordre' });
    await expect(sendOutboxMessage(dyingAfterAccept(), id)).rejects.toThrow('consumer died');
    const [first] = await resendAccepted(address);
    await age(id, 121);
    expect((await deliver([send(id)])).explicitAcks.length).toBe(1);
    expect(await resendAccepted(address)).toHaveLength(1);
    expect(await outbox(id)).toMatchObject({
      status: 'SENT',
      provider: 'RESEND',
      provider_message_id: first.id,
    });
    expect(first).toMatchObject({ subject: 'Din ordre', html: '<p>Hej</p>' });
  });

  it('a consumer that dies after GatewayAPI accepted: GatewayAPI cannot tell, so it is not sent again', async () => {
    await setProviders({ sms: 'GATEWAYAPI' });
    const to = uniquePhone();
    const id = await queuedMessage({ channel: 'SMS', address: to });
    await expect(sendOutboxMessage(dyingAfterAccept(), id)).rejects.toThrow('consumer died');
    await age(id, 121);
    expect((await deliver([send(id)])).explicitAcks.length).toBe(1);
    const accepted = await gatewayAccepted(to);
    expect(accepted).toHaveLength(1);
    expect(accepted[0].userref).toBe(String(id));
    const row = await outbox(id);
    expect(row.status).toBe('SENDING');
    expect(row.last_error).toContain('not sent again');
    // Delivered again later: still nothing.
    await deliver([send(id)]);
    expect(await gatewayAccepted(to)).toHaveLength(1);
  });

  it('permanent refusals: an invalid number is UNDELIVERABLE and suppressed; an opted-out one SUPPRESSED; later sends never leave', async () => {
    const bad = uniquePhone();
    await script('TWILIO_API', bad, [
      { status: 400, code: 21211, message: "The 'To' number is not a valid phone number." },
    ]);
    const id = await queuedMessage({ channel: 'SMS', address: bad });
    expect((await deliver([send(id)])).explicitAcks.length).toBe(1);
    expect(await outbox(id)).toMatchObject({ status: 'UNDELIVERABLE' });
    expect((await outbox(id)).last_error).toContain('21211');
    const suppression = await env.DB.prepare(
      'SELECT reason FROM message_suppression WHERE channel = ? AND address = ?',
    )
      .bind('SMS', bad)
      .first<{ reason: string }>();
    expect(suppression?.reason).toBe('UNDELIVERABLE');

    const next = await queuedMessage({ channel: 'SMS', address: bad });
    await deliver([send(next)]);
    expect(await outbox(next)).toMatchObject({ status: 'SUPPRESSED', attempts: 0 });

    const stopped = uniquePhone();
    await script('TWILIO_API', stopped, [
      { status: 400, code: 21610, message: 'Attempt to send to unsubscribed recipient' },
    ]);
    const opted = await queuedMessage({ channel: 'SMS', address: stopped });
    await deliver([send(opted)]);
    expect(await outbox(opted)).toMatchObject({ status: 'SUPPRESSED' });
    expect(
      await env.DB.prepare('SELECT reason FROM message_suppression WHERE address = ?')
        .bind(stopped)
        .first('reason'),
    ).toBe('OPT_OUT');
    expect(await twilioAccepted(bad)).toEqual([]);
  });

  it('the dead-letter queue marks a message still waiting FAILED, keeping the last error; a sent one stays', async () => {
    const to = uniquePhone();
    await script('TWILIO_API', to, [{ status: 503 }]);
    const id = await queuedMessage({ channel: 'SMS', address: to });
    await deliver([send(id)]);
    const dlq = await deliver([send(id)], DLQ);
    expect(dlq.explicitAcks.length).toBe(1);
    const row = await outbox(id);
    expect(row.status).toBe('FAILED');
    expect(row.last_error).toMatch(/Dead-lettered.*503/);
    expect(row.final_at).not.toBeNull();

    const sent = await queuedMessage({ channel: 'SMS', address: uniquePhone() });
    await deliver([send(sent)]);
    await deliver([send(sent)], DLQ);
    expect((await outbox(sent)).status).toBe('SENT');
  });

  it('no provider configured: the message waits (QUEUED with the reason), nothing is sent', async () => {
    await setProviders({ sms: null });
    const id = await queuedMessage({ channel: 'SMS', address: uniquePhone() });
    const r = await deliver([send(id)]);
    expect(r.retryMessages[0].delaySeconds).toBe(3600);
    expect(await outbox(id)).toMatchObject({ status: 'QUEUED', attempts: 0 });
    expect((await outbox(id)).last_error).toContain('No SMS provider');
    // A provider without a sender waits too.
    await setProviders({ sms: 'TWILIO' });
    await env.DB.prepare('UPDATE messaging_settings SET sms_sender = NULL').run();
    expect((await deliver([send(id)])).retryMessages[0].delaySeconds).toBe(3600);
    expect((await outbox(id)).last_error).toContain('No SMS sender');
  });

  it('an unknown outbox id is acknowledged and changes nothing', async () => {
    expect((await deliver([send(987654)])).explicitAcks.length).toBe(1);
  });

  it('GatewayAPI: a Polish SMS goes as UCS2 with our userref and callback URL; its 429 Retry-After is honoured', async () => {
    await setProviders({ sms: 'GATEWAYAPI' });
    const to = uniquePhone();
    await script('GATEWAYAPI_API', to.slice(1), [{ status: 429, retryAfter: '12' }]);
    const id = await queuedMessage({ channel: 'SMS', address: to, body: 'Dziękujemy za zamówienie' });
    await env.DB.prepare("UPDATE message_outbox SET sms_encoding = 'UCS2' WHERE id = ?").bind(id).run();
    expect((await deliver([send(id)])).retryMessages[0].delaySeconds).toBe(12);
    expect(await gatewayAccepted(to)).toEqual([]);
    await age(id, 12);
    expect((await deliver([send(id)])).explicitAcks.length).toBe(1);
    const [mt] = await gatewayAccepted(to);
    expect(mt).toMatchObject({
      message: 'Dziękujemy za zamówienie',
      encoding: 'UCS2',
      userref: String(id),
      callback_url: 'https://crm.example.test/webhooks/messaging/gatewayapi',
    });
    expect(await outbox(id)).toMatchObject({
      status: 'SENT',
      provider: 'GATEWAYAPI',
      provider_message_id: String(mt.id),
    });
  });
});
