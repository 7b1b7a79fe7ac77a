import { env } from 'cloudflare:test';
import { beforeEach, describe, expect, it } from 'vitest';
import type { EmailSendBinding } from '../../src/modules/messaging/providers/cloudflare';
import { sendOutboxMessage, UNCERTAIN_SETTLE_SECONDS } from '../../src/modules/messaging/send';
import { age, outbox, queuedMessage, setProviders, uniqueEmail } from './helpers';

// The Cloudflare Email Service adapter against a fake `send_email` binding that behaves as documented:
// send({...}) -> {messageId}; failures throw an Error with a `code`. The binding is handed to the send step
// directly (the worker's own env has no EMAIL binding in tests).

class FakeEmail implements EmailSendBinding {
  sent: Parameters<EmailSendBinding['send']>[0][] = [];
  failures: (string | null)[] = [];
  async send(message: Parameters<EmailSendBinding['send']>[0]) {
    if (this.failures.length > 0) {
      const code = this.failures.shift();
      if (code === null) throw new Error('network connection lost');
      throw Object.assign(new Error(`sending failed: ${code}`), { code });
    }
    this.sent.push(message);
    return { messageId: `<${crypto.randomUUID()}@example.com>` };
  }
}

beforeEach(() => setProviders({ sms: 'TWILIO', email: 'CLOUDFLARE' }));

describe('Cloudflare Email Service', () => {
  it('sends text and HTML once; a second run changes nothing', async () => {
    const email = new FakeEmail();
    const id = await queuedMessage({ channel: 'EMAIL', address: uniqueEmail(), subject: 'Din ordre' });
    expect(await sendOutboxMessage({ ...env, EMAIL: email }, id)).toEqual({ done: true, status: 'SENT' });
    expect(await sendOutboxMessage({ ...env, EMAIL: email }, id)).toEqual({ done: true, status: 'SENT' });
    expect(email.sent).toHaveLength(1);
    expect(email.sent[0]).toMatchObject({
      from: 'Shop <shop@example.com>',
      subject: 'Din ordre',
      html: '<p>Hej</p>',
    });
    expect(email.sent[0].text).toContain('Hej');
    expect(await outbox(id)).toMatchObject({ status: 'SENT', provider: 'CLOUDFLARE' });
  });

  it('rate limits wait, a suppressed recipient is SUPPRESSED, an error without a code is never resent blindly', async () => {
    const email = new FakeEmail();
    email.failures = ['E_RATE_LIMIT_EXCEEDED'];
    const limited = await queuedMessage({ channel: 'EMAIL', address: uniqueEmail() });
    expect(await sendOutboxMessage({ ...env, EMAIL: email }, limited)).toEqual({
      done: false,
      delaySeconds: 60,
    });
    expect(await outbox(limited)).toMatchObject({ status: 'QUEUED' });

    email.failures = ['E_RECIPIENT_SUPPRESSED'];
    const suppressed = await queuedMessage({ channel: 'EMAIL', address: uniqueEmail() });
    expect(await sendOutboxMessage({ ...env, EMAIL: email }, suppressed)).toEqual({
      done: true,
      status: 'SUPPRESSED',
    });

    email.failures = [null];
    const unknown = await queuedMessage({ channel: 'EMAIL', address: uniqueEmail() });
    // The claim is released after a short settle, not held for the whole lease.
    expect(await sendOutboxMessage({ ...env, EMAIL: email }, unknown)).toEqual({
      done: false,
      delaySeconds: UNCERTAIN_SETTLE_SECONDS,
    });
    expect((await outbox(unknown)).last_error).toContain('network connection lost');
    await age(unknown, UNCERTAIN_SETTLE_SECONDS + 1);
    expect(await sendOutboxMessage({ ...env, EMAIL: email }, unknown)).toEqual({
      done: true,
      status: 'SENDING',
    });
    expect(email.sent).toHaveLength(0);
  });
});

describe('the hourly sweep', () => {
  it('hands a due message whose queue message was lost back to the queue; a waiting or fresh one stays', async () => {
    const { enqueueStuckOutbox } = await import('../../src/modules/messaging/sweep');
    const lost = await queuedMessage({ channel: 'SMS', address: '+4521000001' });
    const fresh = await queuedMessage({ channel: 'SMS', address: '+4521000002' });
    const waiting = await queuedMessage({ channel: 'SMS', address: '+4521000003' });
    const interrupted = await queuedMessage({ channel: 'SMS', address: '+4521000004' });
    const unknowable = await queuedMessage({ channel: 'SMS', address: '+4521000005' });
    const old = new Date(Date.now() - 20 * 60_000).toISOString();
    await env.DB.prepare('UPDATE message_outbox SET updated_at = ? WHERE id IN (?, ?, ?, ?)')
      .bind(old, lost, waiting, interrupted, unknowable)
      .run();
    // Interrupted sends: Twilio can be asked, GatewayAPI cannot.
    await env.DB.prepare(
      "UPDATE message_outbox SET status = 'SENDING', claimed_at = ?, provider = CASE id WHEN ? THEN 'TWILIO' ELSE 'GATEWAYAPI' END WHERE id IN (?, ?)",
    )
      .bind(old, interrupted, interrupted, unknowable)
      .run();
    await env.DB.prepare('UPDATE message_outbox SET not_before = ? WHERE id = ?')
      .bind(new Date(Date.now() + 3_600_000).toISOString(), waiting)
      .run();
    const sent: unknown[] = [];
    const jobs = { sendBatch: async (b: { body: unknown }[]) => void sent.push(...b.map((m) => m.body)) };
    const n = await enqueueStuckOutbox({ ...env, OUTBOX: jobs as unknown as typeof env.OUTBOX }, new Date());
    expect(sent).toContainEqual({ kind: 'outbox.send', outboxId: lost });
    expect(sent).not.toContainEqual({ kind: 'outbox.send', outboxId: fresh });
    expect(sent).not.toContainEqual({ kind: 'outbox.send', outboxId: waiting });
    expect(sent).toContainEqual({ kind: 'outbox.send', outboxId: interrupted });
    expect(sent).not.toContainEqual({ kind: 'outbox.send', outboxId: unknowable });
    expect(n).toBe(sent.length);
  });
});
