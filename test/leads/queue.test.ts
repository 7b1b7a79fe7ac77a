import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  env,
  getQueueResult,
} from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../../src/index';
import type { JobMessage } from '../../src/jobs/messages';
import { INBOX_PREFIX, inboxKey, putInInbox } from '../../src/modules/leads/inbox';
import type { QueuedDelivery } from '../../src/modules/leads/messages';
import { adminToken } from '../helpers';
import { deliver as deliverTo, downD1 } from '../queueHelpers';
import { hourly, intake, intakeFingerprint, postGoogle, setGoogleForm, waitForIntake } from './helpers';

// The lead job handed to the worker's queue handler directly: a message delivered twice (in one batch or
// later, or again from the dead-letter queue) changes nothing the second time.

async function deliver(queue: string, bodies: JobMessage[], attempts = 1) {
  const batch = createMessageBatch<JobMessage>(
    queue,
    bodies.map((body, i) => ({ id: `m${i}-${Math.random()}`, timestamp: new Date(), attempts, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  return getQueueResult(batch, ctx);
}

/** What the Google webhook stores, written directly so that no queue message was sent for it. */
async function storedGoogleIntake(leadId: string): Promise<number> {
  const body = JSON.stringify({
    lead_id: leadId,
    form_id: '1',
    google_key: 'k',
    user_column_data: [{ column_id: 'EMAIL', string_value: `${leadId}@example.com` }],
  });
  const now = new Date().toISOString();
  const ev = await env.DB.prepare(
    `INSERT INTO lead_event (source, body, body_sha256, received_at) VALUES ('GOOGLE_ADS', ?, ?, ?) RETURNING id`,
  )
    .bind(body, leadId, now)
    .first<{ id: number }>();
  const it = await env.DB.prepare(
    `INSERT INTO lead_intake (source, external_id, event_id, created_at, updated_at) VALUES ('GOOGLE_ADS', ?, ?, ?, ?) RETURNING id`,
  )
    .bind(leadId, ev!.id, now, now)
    .first<{ id: number }>();
  return it!.id;
}

/** A verified Google delivery as the webhook hands it to the queue. */
function carried(leadId: string): JobMessage {
  const body = JSON.stringify({
    lead_id: leadId,
    form_id: '1',
    google_key: 'k',
    user_column_data: [{ column_id: 'EMAIL', string_value: `${leadId}@example.com` }],
  });
  return {
    kind: 'leads.intake',
    delivery: {
      source: 'GOOGLE_ADS',
      sourceName: null,
      contentType: 'application/json',
      body,
      items: [{ externalId: leadId, ref: { formId: '1' } }],
      receivedAt: new Date().toISOString(),
    },
  };
}

describe('lead queue handling', () => {
  it('the same message twice in one batch, then again later, makes one lead and one assignment', async () => {
    const intakeId = await storedGoogleIntake('q-1');
    const msg: JobMessage = { kind: 'leads.process', intakeId };
    const first = await deliver('mlm-crm-jobs', [msg, msg]);
    expect(first.retryMessages).toEqual([]);
    expect(first.explicitAcks.length).toBe(2);
    const snapshot = await intakeFingerprint();
    const counts = await env.DB.prepare(
      `SELECT (SELECT count(*) FROM lead WHERE external_id = 'q-1') AS leads,
         (SELECT count(*) FROM lead_assignment a JOIN lead l ON l.id = a.lead_id WHERE l.external_id = 'q-1') AS assignments,
         (SELECT status FROM lead_intake WHERE id = ?) AS status, (SELECT attempts FROM lead_intake WHERE id = ?) AS attempts`,
    )
      .bind(intakeId, intakeId)
      .first<any>();
    expect(counts).toEqual({ leads: 1, assignments: 1, status: 'DONE', attempts: 1 });

    await deliver('mlm-crm-jobs', [msg], 2);
    // From the dead-letter queue, a finished intake is left alone.
    await deliver('mlm-crm-jobs-dlq', [msg], 6);
    expect(await intakeFingerprint()).toBe(snapshot);
  });

  it('a carried delivery twice in one batch, again later and from the DLQ: one event, intake, lead', async () => {
    const msg = carried('q-carried-1');
    const first = await deliver('mlm-crm-jobs', [msg, msg]);
    expect(first.retryMessages).toEqual([]);
    expect(first.explicitAcks.length).toBe(2);
    const row = await intake('GOOGLE_ADS', 'q-carried-1');
    expect(row).toMatchObject({ status: 'DONE', attempts: 1 });
    const snapshot = await intakeFingerprint();
    await deliver('mlm-crm-jobs', [msg], 2);
    await deliver('mlm-crm-jobs-dlq', [msg], 6);
    expect(await intakeFingerprint()).toBe(snapshot);
    const n = await env.DB.prepare(
      `SELECT (SELECT count(*) FROM lead WHERE external_id = 'q-carried-1') AS leads,
         (SELECT count(*) FROM lead_event WHERE id = ?) AS events`,
    )
      .bind(row.event_id)
      .first<any>();
    expect(n).toEqual({ leads: 1, events: 1 });
  });

  it('a carried delivery that reaches the dead-letter queue unkept is kept, and its intake marked FAILED', async () => {
    const r = await deliver('mlm-crm-jobs-dlq', [carried('q-carried-dlq')], 6);
    expect(r.explicitAcks.length).toBe(1);
    const row = await intake('GOOGLE_ADS', 'q-carried-dlq');
    expect(row.status).toBe('FAILED');
    expect(row.last_error).toContain('dead-letter queue');
    const event = await env.DB.prepare('SELECT body FROM lead_event WHERE id = ?')
      .bind(row.event_id)
      .first<any>();
    expect(JSON.parse(event.body).lead_id).toBe('q-carried-dlq');
    expect(
      await env.DB.prepare(`SELECT count(*) AS n FROM lead WHERE external_id = 'q-carried-dlq'`).first<any>(),
    ).toEqual({ n: 0 });
  });

  it('the hourly sweep enqueues intakes left PENDING for 15 minutes, and only those', async () => {
    const stale = await storedGoogleIntake('q-stale');
    const fresh = await storedGoogleIntake('q-fresh');
    const now = new Date();
    await env.DB.prepare('UPDATE lead_intake SET updated_at = ? WHERE id = ?')
      .bind(new Date(now.getTime() - 16 * 60_000).toISOString(), stale)
      .run();
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: '0 * * * *', scheduledTime: now }), env, ctx);
    // Through the real queue this time.
    expect((await waitForIntake('GOOGLE_ADS', 'q-stale')).status).toBe('DONE');
    await new Promise((r) => setTimeout(r, 1500));
    expect((await intake('GOOGLE_ADS', 'q-fresh')).status).toBe('PENDING');
    expect(fresh).toBeGreaterThan(stale);
  });

  it('a transient failure retries each message later each time: 10 s, 20 s, 40 s … capped at one hour', async () => {
    const down = { ...env, DB: downD1() };
    const msgs = [carried('q-backoff-1'), { kind: 'leads.process', intakeId: 1 } satisfies JobMessage];
    const asked: (number | undefined)[][] = [];
    for (const attempts of [1, 2, 3, 4, 9, 10, 11, 24]) {
      const r = await deliverTo(
        'mlm-crm-jobs',
        msgs.map((body, i) => ({ id: `b${i}`, body, attempts })),
        down,
      );
      expect(r.explicitAcks).toEqual([]);
      expect(r.retryMessages.map((m) => m.msgId)).toEqual(['b0', 'b1']);
      asked.push(r.retryMessages.map((m) => m.delaySeconds));
    }
    expect(asked.map(([a, b]) => (a === b ? a : [a, b]))).toEqual([10, 20, 40, 80, 2560, 3600, 3600, 3600]);
    expect(await intake('GOOGLE_ADS', 'q-backoff-1')).toBeNull();
  });

  it('the consumer drops a carried delivery from the lead inbox once it is kept in D1', async () => {
    const msg = carried('q-inbox-kept') as { kind: 'leads.intake'; delivery: QueuedDelivery };
    await putInInbox(env.FILES, msg.delivery);
    const key = await inboxKey(msg.delivery);
    expect(await env.FILES.head(key)).not.toBeNull();
    // Not while D1 is down: the copy stays until the delivery is kept.
    await deliverTo('mlm-crm-jobs', [{ id: 'k1', body: msg, attempts: 1 }], { ...env, DB: downD1() });
    expect(await env.FILES.head(key)).not.toBeNull();
    const r = await deliverTo('mlm-crm-jobs', [{ id: 'k1', body: msg, attempts: 2 }]);
    expect(r.explicitAcks).toEqual(['k1']);
    expect(await env.FILES.head(key)).toBeNull();
    expect((await intake('GOOGLE_ADS', 'q-inbox-kept')).status).toBe('DONE');
  });

  it('concurrent webhooks are written to the lead inbox in groups before answering; the real consumer removes them', async () => {
    await setGoogleForm(await adminToken(), '77001', 'inbox-form-key-0001');
    const bodies = Array.from({ length: 10 }, (_, i) =>
      JSON.stringify({
        lead_id: `q-webhook-inbox-${i}`,
        form_id: 77001,
        google_key: 'inbox-form-key-0001',
        user_column_data: [{ column_id: 'EMAIL', string_value: `q-webhook-inbox-${i}@example.com` }],
      }),
    );
    const responses = await Promise.all(bodies.map((b) => postGoogle(b)));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    // The consumer waits up to a second for its batch to fill, so the group objects are still there: every
    // delivery answered 200 is in exactly one of them, and the ten took fewer than ten writes.
    const where = new Map<string, string[]>();
    for (const o of (await env.FILES.list({ prefix: `${INBOX_PREFIX}g-` })).objects) {
      const group = JSON.parse(await (await env.FILES.get(o.key))!.text()) as {
        deliveries: QueuedDelivery[];
      };
      for (const d of group.deliveries) where.set(d.body, [...(where.get(d.body) ?? []), o.key]);
    }
    for (const b of bodies) expect(where.get(b)).toHaveLength(1);
    const keys = new Set(bodies.flatMap((b) => where.get(b) ?? []));
    expect(keys.size).toBeLessThan(10);
    for (let i = 0; i < 10; i++)
      expect((await waitForIntake('GOOGLE_ADS', `q-webhook-inbox-${i}`)).status).toBe('DONE');
    const left = async () =>
      (await Promise.all([...keys].map((k) => env.FILES.head(k)))).filter(Boolean).length;
    for (let i = 0; i < 40 && (await left()) > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await left()).toBe(0);
  });

  it('a carried delivery whose queue message was lost is recovered from the inbox by the hourly sweep, once', async () => {
    // What the webhook writes before answering 200; the queue message is never handed to the consumer.
    const lost = (carried('q-lost') as { delivery: QueuedDelivery }).delivery;
    await putInInbox(env.FILES, lost);
    const key = await inboxKey(lost);
    // Within 15 minutes it may still be on its way: left alone.
    await hourly(new Date(Date.now() + 14 * 60_000));
    expect(await intake('GOOGLE_ADS', 'q-lost')).toBeNull();
    expect(await env.FILES.head(key)).not.toBeNull();

    await hourly(new Date(Date.now() + 16 * 60_000));
    const row = await intake('GOOGLE_ADS', 'q-lost');
    expect(row).toMatchObject({ status: 'DONE', attempts: 1 });
    expect(await env.FILES.head(key)).toBeNull();
    const n = async () =>
      env.DB.prepare(
        `SELECT (SELECT count(*) FROM lead WHERE external_id = 'q-lost') AS leads,
           (SELECT count(*) FROM lead_intake WHERE external_id = 'q-lost') AS intakes,
           (SELECT count(*) FROM lead_assignment a JOIN lead l ON l.id = a.lead_id WHERE l.external_id = 'q-lost') AS assignments`,
      ).first<any>();
    expect(await n()).toEqual({ leads: 1, intakes: 1, assignments: 1 });

    // The message turns up after all, and the sender redelivers (a new inbox copy swept again): nothing more.
    const snapshot = await intakeFingerprint();
    await deliver('mlm-crm-jobs', [{ kind: 'leads.intake', delivery: lost }]);
    await putInInbox(env.FILES, lost);
    await hourly(new Date(Date.now() + 16 * 60_000));
    expect(await env.FILES.head(key)).toBeNull();
    expect(await intakeFingerprint()).toBe(snapshot);
    expect(await n()).toEqual({ leads: 1, intakes: 1, assignments: 1 });
  });

  it('the nightly run deletes webhook rejection records older than 90 days, and only those', async () => {
    const now = new Date();
    const at = (days: number) => new Date(now.getTime() - days * 86_400_000).toISOString();
    for (const [reason, days] of [
      ['old-a', 120],
      ['old-b', 91],
      ['recent', 89],
    ] as const)
      await env.DB.prepare(
        `INSERT INTO lead_rejection (endpoint, reason, http_status, body_bytes, received_at) VALUES ('/t', ?, 401, 1, ?)`,
      )
        .bind(reason, at(days))
        .run();
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: '0 2 * * *', scheduledTime: now }), env, ctx);
    const { results } = await env.DB.prepare(
      `SELECT reason FROM lead_rejection WHERE endpoint = '/t' ORDER BY id`,
    ).all<any>();
    expect(results.map((r) => r.reason)).toEqual(['recent']);
  });

  it('a message for an intake that does not exist is acknowledged and writes nothing', async () => {
    const snapshot = await intakeFingerprint();
    const r = await deliver('mlm-crm-jobs', [{ kind: 'leads.process', intakeId: 987654 }]);
    expect(r.retryMessages).toEqual([]);
    expect(await intakeFingerprint()).toBe(snapshot);
  });
});
