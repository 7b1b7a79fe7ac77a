import { createExecutionContext, createMessageBatch, env, getQueueResult } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../src/index';
import type { JobMessage } from '../src/jobs/messages';
import { intakeFingerprint } from './leads-helpers';

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

  it('a message for an intake that does not exist is acknowledged and writes nothing', async () => {
    const snapshot = await intakeFingerprint();
    const r = await deliver('mlm-crm-jobs', [{ kind: 'leads.process', intakeId: 987654 }]);
    expect(r.retryMessages).toEqual([]);
    expect(await intakeFingerprint()).toBe(snapshot);
  });
});
