import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { JobMessage } from '../../src/jobs/messages';
import { deadLetterKey } from '../../src/modules/deadLetters/model';
import { inboxKey, putInInbox } from '../../src/modules/leads/inbox';
import type { QueuedDelivery } from '../../src/modules/leads/messages';
import { adminToken } from '../helpers';
import { faultyDb } from '../jobs/faults';
import { deliver, downD1 } from '../queueHelpers';
import { countsFor, intake, intakeFingerprint, postGoogle, setGoogleForm, waitForIntake } from './helpers';

// Lead intake's own queue (mlm-crm-leads, batches of 100) through the worker's queue() handler: a batch is
// kept and processed together, a redelivery changes nothing, a bad message is retried alone, a failing D1
// write retries the batch with backoff, and its dead letters are kept like the jobs queue's.

const LEADS = 'mlm-crm-leads';
const LEADS_DLQ = 'mlm-crm-leads-dlq';

function carried(
  leadId: string,
  source: string = 'GOOGLE_ADS',
): { kind: 'leads.intake'; delivery: QueuedDelivery } {
  const body = JSON.stringify({
    lead_id: leadId,
    form_id: '1',
    google_key: 'k',
    user_column_data: [{ column_id: 'EMAIL', string_value: `${leadId}@example.com` }],
  });
  return {
    kind: 'leads.intake',
    delivery: {
      source: source as QueuedDelivery['source'],
      sourceName: null,
      contentType: 'application/json',
      body,
      items: [{ externalId: leadId, ref: { formId: '1' } }],
      receivedAt: new Date().toISOString(),
    },
  };
}

const batchOf = (bodies: JobMessage[], attempts = 1, prefix = 'm') =>
  bodies.map((body, i) => ({ id: `${prefix}${i}`, body, attempts }));

describe('the lead queue (mlm-crm-leads)', () => {
  it('a batch of 100 (with 10 in it twice) makes each lead once and empties the inbox; redelivered, nothing changes', async () => {
    const unique = Array.from({ length: 90 }, (_, i) => carried(`lq-100-${i}`));
    const bodies: JobMessage[] = [...unique, ...unique.slice(0, 10)];
    for (const m of unique) await putInInbox(env.FILES, m.delivery);
    const r = await deliver(LEADS, batchOf(bodies));
    expect(r.retryMessages).toEqual([]);
    expect(r.explicitAcks.length).toBe(100);
    expect(await countsFor('lq-100-')).toEqual({
      leads: 90,
      intakes: 90,
      done: 90,
      events: 90,
      assignments: 90,
    });
    for (const m of unique.slice(0, 5)) expect(await env.FILES.head(await inboxKey(m.delivery))).toBeNull();

    const snapshot = await intakeFingerprint();
    const again = await deliver(LEADS, batchOf(bodies, 2));
    expect(again.retryMessages).toEqual([]);
    expect(again.explicitAcks.length).toBe(100);
    expect(await intakeFingerprint()).toBe(snapshot);
    expect(await countsFor('lq-100-')).toEqual({
      leads: 90,
      intakes: 90,
      done: 90,
      events: 90,
      assignments: 90,
    });
  });

  it('a bad message in a batch is retried alone (with backoff); the others are kept, processed and acked', async () => {
    const good = Array.from({ length: 20 }, (_, i) => carried(`lq-bad-${i}`));
    // D1 refuses this one (no such source), and this one has no items at all.
    const refused = carried('lq-bad-refused', 'BOGUS');
    const malformed = {
      kind: 'leads.intake',
      delivery: { ...carried('lq-bad-malformed').delivery, items: undefined },
    };
    const bodies = [...good.slice(0, 10), refused, ...good.slice(10), malformed as unknown as JobMessage];
    for (const m of [...good, refused]) await putInInbox(env.FILES, m.delivery);
    const r = await deliver(LEADS, batchOf(bodies, 3));
    expect(r.retryMessages).toEqual([
      { msgId: 'm10', delaySeconds: 40 },
      { msgId: 'm21', delaySeconds: 40 },
    ]);
    expect(r.explicitAcks.length).toBe(20);
    expect(await countsFor('lq-bad-')).toEqual({
      leads: 20,
      intakes: 20,
      done: 20,
      events: 20,
      assignments: 20,
    });
    // The refused delivery stays in the inbox (its only durable copy besides the message) for the sweep.
    expect(await env.FILES.head(await inboxKey(refused.delivery))).not.toBeNull();
    expect(await env.FILES.head(await inboxKey(good[0].delivery))).toBeNull();
  });

  it('a failing D1 write retries the whole batch with backoff; the redelivery makes each lead once', async () => {
    const bodies = Array.from({ length: 30 }, (_, i) => carried(`lq-d1-${i}`));
    // D1 down altogether: nothing kept, every message retried, the inbox copies stay.
    for (const m of bodies) await putInInbox(env.FILES, m.delivery);
    const down = await deliver(LEADS, batchOf(bodies, 1), { ...env, DB: downD1() });
    expect(down.explicitAcks).toEqual([]);
    expect(down.retryMessages.length).toBe(30);
    expect(new Set(down.retryMessages.map((m) => m.delaySeconds))).toEqual(new Set([10]));
    expect(await countsFor('lq-d1-')).toMatchObject({ intakes: 0, leads: 0 });
    expect(await env.FILES.head(await inboxKey(bodies[0].delivery))).not.toBeNull();

    // Kept, but the write of the leads fails: the intakes stay PENDING and every message comes back.
    const writeFails = { ...env, DB: faultyDb(/INSERT INTO lead \(/) };
    const half = await deliver(LEADS, batchOf(bodies, 2), writeFails);
    expect(half.explicitAcks).toEqual([]);
    expect(new Set(half.retryMessages.map((m) => m.delaySeconds))).toEqual(new Set([20]));
    expect(await countsFor('lq-d1-')).toEqual({ leads: 0, intakes: 30, done: 0, events: 30, assignments: 0 });

    const ok = await deliver(LEADS, batchOf(bodies, 3));
    expect(ok.retryMessages).toEqual([]);
    expect(ok.explicitAcks.length).toBe(30);
    expect(await countsFor('lq-d1-')).toEqual({
      leads: 30,
      intakes: 30,
      done: 30,
      events: 30,
      assignments: 30,
    });
    expect((await intake('GOOGLE_ADS', 'lq-d1-0')).attempts).toBe(2);
  });

  it('a lead message on the lead dead-letter queue is kept in R2, its delivery kept and its intake marked FAILED', async () => {
    const msg = carried('lq-dlq-1');
    const at = new Date('2026-12-07T10:00:00.000Z');
    const r = await deliver(LEADS_DLQ, [{ id: 'dl-1', body: msg, attempts: 1, timestamp: at }]);
    expect(r.explicitAcks).toEqual(['dl-1']);
    const stored = await env.FILES.get(deadLetterKey(at, 'dl-1'));
    expect(stored).not.toBeNull();
    expect(JSON.parse(await stored!.text())).toMatchObject({
      queue: LEADS_DLQ,
      kind: 'leads.intake',
      body: msg,
    });
    expect((await intake('GOOGLE_ADS', 'lq-dlq-1')).status).toBe('FAILED');
  });

  it('a webhook goes through the lead queue to a lead', async () => {
    await setGoogleForm(await adminToken(), '77002', 'lead-queue-form-key-01');
    const res = await postGoogle(
      JSON.stringify({
        lead_id: 'lq-webhook-1',
        form_id: 77002,
        google_key: 'lead-queue-form-key-01',
        user_column_data: [{ column_id: 'EMAIL', string_value: 'lq-webhook-1@example.com' }],
      }),
    );
    expect(res.status).toBe(200);
    expect((await waitForIntake('GOOGLE_ADS', 'lq-webhook-1')).status).toBe('DONE');
  });
});
