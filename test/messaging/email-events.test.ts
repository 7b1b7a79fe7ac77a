import { createExecutionContext, createMessageBatch, env, getQueueResult } from 'cloudflare:test';
import { beforeEach, describe, expect, it } from 'vitest';
import worker from '../../src/index';
import type { JobMessage } from '../../src/jobs/messages';
import { sendOutboxMessage } from '../../src/modules/messaging/send';
import { deliver, outbox, queuedMessage, send, setProviders, uniqueEmail } from './helpers';

// Cloudflare Email Service delivery events arrive on their own queue (the account's event subscription) and
// go through the worker's queue() handler: applied once, monotonic (a late event never moves a final
// status back), hard bounces and complaints suppress the address, unknown types are kept.

const QUEUE = 'mlm-crm-email-events';

beforeEach(() => setProviders({ sms: 'TWILIO', email: 'CLOUDFLARE' }));

/** One event as the Email Sending event subscription publishes it (a fresh eventId each). */
function event(type: string, messageId: string, payload: Record<string, unknown> = {}) {
  return {
    type: `cf.email.sending.message.${type}`,
    source: { type: 'email.sending', zoneId: 'zone', domain: 'example.com' },
    payload: {
      eventId: crypto.randomUUID(),
      messageId,
      sender: 'shop@example.com',
      recipient: 'someone@example.com',
      subject: 'Din ordre',
      terminal: type !== 'deferred',
      delivery: { status: type, smtpStatusCode: type === 'delivered' ? '250' : '550' },
      ...payload,
    },
    metadata: {
      accountId: 'acc',
      eventSubscriptionId: 'sub',
      eventSchemaVersion: 1,
      eventTimestamp: new Date().toISOString(),
    },
  };
}

async function deliverEvents(bodies: unknown[]) {
  const batch = createMessageBatch<JobMessage>(
    QUEUE,
    bodies.map((body, i) => ({
      id: `e${i}-${Math.random()}`,
      timestamp: new Date(),
      attempts: 1,
      body: body as JobMessage,
    })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  return getQueueResult(batch, ctx);
}

/** A message the send step handed to Cloudflare Email (SENT with its messageId). */
async function sentMessage(address: string): Promise<{ id: number; messageId: string }> {
  const id = await queuedMessage({ channel: 'EMAIL', address });
  const messageId = `<${crypto.randomUUID()}@example.com>`;
  await env.DB.prepare(
    `UPDATE message_outbox SET status = 'SENT', provider = 'CLOUDFLARE', provider_message_id = ?, sent_at = ?,
       attempts = 1 WHERE id = ?`,
  )
    .bind(messageId, new Date().toISOString(), id)
    .run();
  return { id, messageId };
}

const eventsOf = (messageId: string) =>
  env.DB.prepare(
    "SELECT raw_status, mapped_status, applied FROM message_event WHERE provider = 'CLOUDFLARE' AND provider_message_id = ? ORDER BY id",
  )
    .bind(messageId)
    .all()
    .then((r) => r.results);

describe('Cloudflare Email delivery events', () => {
  it('delivered moves SENT to DELIVERED once; a redelivery and a late deferred change nothing', async () => {
    const m = await sentMessage(uniqueEmail());
    const delivered = event('delivered', m.messageId);
    const result = await deliverEvents([delivered, delivered]);
    expect(result.explicitAcks).toHaveLength(2);
    expect(await outbox(m.id)).toMatchObject({ status: 'DELIVERED', provider_status: 'delivered' });
    await deliverEvents([event('deferred', m.messageId), delivered]);
    expect(await outbox(m.id)).toMatchObject({ status: 'DELIVERED' });
    expect(await eventsOf(m.messageId)).toEqual([
      { raw_status: 'delivered', mapped_status: 'DELIVERED', applied: 1 },
      { raw_status: 'deferred', mapped_status: null, applied: 0 },
    ]);
    // Events are told apart by their eventId: a second deferral of the same message is a second event.
    await deliverEvents([event('deferred', m.messageId)]);
    expect((await eventsOf(m.messageId)).map((e) => e.raw_status)).toEqual([
      'delivered',
      'deferred',
      'deferred',
    ]);
  });

  it('a hard bounce is BOUNCED and suppresses the address; a soft bounce is kept, the status stays; a complaint suppresses', async () => {
    const hardAddress = uniqueEmail();
    const hard = await sentMessage(hardAddress);
    const soft = await sentMessage(uniqueEmail());
    const complainedAddress = uniqueEmail();
    const complained = await sentMessage(complainedAddress);
    await deliverEvents([
      event('bounced', hard.messageId, { bounce: { type: 'hard', reason: '550 5.1.1 unknown user' } }),
      event('bounced', soft.messageId, { bounce: { type: 'soft', reason: 'mailbox full' } }),
      event('delivered', complained.messageId),
      event('complained', complained.messageId),
    ]);
    expect(await outbox(hard.id)).toMatchObject({ status: 'BOUNCED' });
    expect(await outbox(soft.id)).toMatchObject({ status: 'SENT' });
    expect(await outbox(complained.id)).toMatchObject({ status: 'DELIVERED' });
    const suppressed = await env.DB.prepare(
      "SELECT address, reason FROM message_suppression WHERE channel = 'EMAIL' AND address IN (?, ?) ORDER BY reason",
    )
      .bind(hardAddress, complainedAddress)
      .all();
    expect(suppressed.results).toEqual([
      { address: complainedAddress, reason: 'COMPLAINT' },
      { address: hardAddress, reason: 'HARD_BOUNCE' },
    ]);
  });

  it('failed and rejected are FAILED; an event before the send recorded the id waits for it; unknown types are kept; garbage is acked', async () => {
    const failed = await sentMessage(uniqueEmail());
    await deliverEvents([event('failed', failed.messageId), event('opened-in-future', failed.messageId)]);
    expect(await outbox(failed.id)).toMatchObject({ status: 'FAILED' });
    expect((await eventsOf(failed.messageId)).map((e) => e.raw_status)).toEqual([
      'failed',
      'opened-in-future',
    ]);

    // The event is first; the send step records the id afterwards and applies it then.
    const early = `<${crypto.randomUUID()}@example.com>`;
    await deliverEvents([event('rejected', early)]);
    expect(await eventsOf(early)).toEqual([{ raw_status: 'rejected', mapped_status: 'FAILED', applied: 0 }]);
    const waiting = await queuedMessage({ channel: 'EMAIL', address: uniqueEmail() });
    const email = { send: async () => ({ messageId: early }) };
    await sendOutboxMessage({ ...env, EMAIL: email }, waiting);
    expect(await outbox(waiting)).toMatchObject({ status: 'FAILED', provider_message_id: early });
    expect(await eventsOf(early)).toEqual([{ raw_status: 'rejected', mapped_status: 'FAILED', applied: 1 }]);

    // The same through the outbox queue, whose batch records its sends together.
    const earlier = `<${crypto.randomUUID()}@example.com>`;
    await deliverEvents([event('bounced', earlier, { bounce: { type: 'hard' } })]);
    const batched = await queuedMessage({ channel: 'EMAIL', address: uniqueEmail() });
    const other = await queuedMessage({ channel: 'EMAIL', address: uniqueEmail() });
    let n = 0;
    const emails = { send: async () => ({ messageId: n++ === 0 ? earlier : `<${crypto.randomUUID()}@x>` }) };
    const r = await deliver([send(batched), send(other)], 'mlm-crm-outbox', 1, { ...env, EMAIL: emails });
    expect(r.explicitAcks).toHaveLength(2);
    const [first, second] = [await outbox(batched), await outbox(other)];
    const bounced = first.provider_message_id === earlier ? first : second;
    expect(bounced).toMatchObject({ status: 'BOUNCED', provider_message_id: earlier });
    expect((bounced === first ? second : first).status).toBe('SENT');
    expect(await eventsOf(earlier)).toEqual([
      { raw_status: 'bounced', mapped_status: 'BOUNCED', applied: 1 },
    ]);

    const garbage = await deliverEvents([{ hello: 'world' }, 'text', event('delivered', '')]);
    expect(garbage.explicitAcks).toHaveLength(3);
    expect(garbage.retryMessages).toEqual([]);
  });
});
