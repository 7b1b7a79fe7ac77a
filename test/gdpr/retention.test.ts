// Retention policies: set by staff with validation, enforced by the nightly cron (the worker's scheduled()
// handler) in bounded chunks that resume on the next run.
import {
  createExecutionContext,
  createScheduledController,
  env,
  waitOnExecutionContext,
} from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { RETENTION_CHUNK, RETENTION_CHUNKS_PER_RUN } from '../../src/modules/gdpr/model';
import { adminToken, distributorToken, enroll, gql, gqlOk } from '../helpers';

const SET = `mutation($input: SetRetentionPolicyInput!) { setRetentionPolicy(input: $input) { __typename
  ... on MutationSetRetentionPolicySuccess { policy { kind days updatedBy } }
  ... on Error { message } ... on ValidationError { issues { path message } } } }`;

let admin: string;
let owner: number;
const DAY = 86_400_000;
const NOW = Date.parse('2031-06-01T02:00:00.000Z');
const ago = (days: number) => new Date(NOW - days * DAY).toISOString();

beforeAll(async () => {
  admin = await adminToken();
  owner = await enroll(admin, await enroll(admin, null));
});

async function nightly(at = NOW) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: '0 2 * * *', scheduledTime: at }), env, ctx);
  await waitOnExecutionContext(ctx);
}

const policies = () =>
  env.DB.prepare('SELECT kind, days FROM retention_policy ORDER BY kind')
    .all()
    .then((r) => r.results);

describe('setRetentionPolicy', () => {
  it('staff set days per kind; bad days are a ValidationError and change nothing; distributors may not', async () => {
    const before = await policies();
    for (const days of [0, -3, 36_501]) {
      const r = (await gqlOk(SET, { input: { kind: 'MESSAGES', days } }, admin)).setRetentionPolicy;
      expect(r).toMatchObject({ __typename: 'ValidationError', issues: [{ path: 'days' }] });
    }
    const denied = await gql(SET, { input: { kind: 'MESSAGES', days: 5 } }, await distributorToken(owner));
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await policies()).toEqual(before);
    const ok = (await gqlOk(SET, { input: { kind: 'MESSAGES', days: 400 } }, admin)).setRetentionPolicy;
    expect(ok.policy).toMatchObject({
      kind: 'MESSAGES',
      days: 400,
      updatedBy: expect.stringMatching(/^staff:/),
    });
    const cleared = (await gqlOk(SET, { input: { kind: 'MESSAGES', days: null } }, admin)).setRetentionPolicy;
    expect(cleared.policy.days).toBeNull();
    const list = await gqlOk('{ retentionPolicies { kind days } }', {}, admin);
    expect(list.retentionPolicies.map((p: any) => p.kind)).toEqual([
      'INACTIVE_PROSPECTS',
      'LEAD_EVENTS',
      'LOST_LEADS',
      'MESSAGES',
    ]);
  });
});

describe('the nightly run', () => {
  it('wipes raw lead events past the policy, a bounded chunk per run, resuming the next night', async () => {
    const total = RETENTION_CHUNK * RETENTION_CHUNKS_PER_RUN + 7;
    // Old events (90 days), then a young one (5 days): the young one stays.
    await env.DB.prepare(
      `INSERT INTO lead_event (source, content_type, body, body_sha256, received_at)
       SELECT 'GENERIC', 'application/json', '{"name":"Old Lead ' || value || '"}', printf('%064d', value), ?
       FROM json_each(?)`,
    )
      .bind(ago(90), JSON.stringify(Array.from({ length: total }, (_x, i) => i + 1)))
      .run();
    const young = await env.DB.prepare(
      `INSERT INTO lead_event (source, content_type, body, body_sha256, received_at)
       VALUES ('GENERIC', 'application/json', '{"name":"Young"}', 'y', ?) RETURNING id`,
    )
      .bind(ago(5))
      .first<{ id: number }>();
    await gqlOk(SET, { input: { kind: 'LEAD_EVENTS', days: 30 } }, admin);
    const kept = () =>
      env.DB.prepare(`SELECT count(*) AS n FROM lead_event WHERE body LIKE '%Old Lead%'`).first<{
        n: number;
      }>();

    await nightly();
    expect((await kept())!.n).toBe(7);
    await nightly();
    expect((await kept())!.n).toBe(0);
    const y = await env.DB.prepare('SELECT body FROM lead_event WHERE id = ?').bind(young!.id).first();
    expect(y).toEqual({ body: '{"name":"Young"}' });
    await gqlOk(SET, { input: { kind: 'LEAD_EVENTS', days: null } }, admin);
  });

  it('empties old final messages, leaves recent and unsent ones; erases lost leads and inactive prospects', async () => {
    const db = env.DB;
    const outbox = (status: string, created: string, key: string) =>
      db
        .prepare(
          `INSERT INTO message_outbox (recipient_type, recipient_id, address, channel, purpose, locale, body, sender_kind,
             sender, status, idempotency_key, created_at, updated_at)
           VALUES ('CUSTOMER', 1, 'old@person.example', 'EMAIL', 'TRANSACTIONAL', 'en', 'Dear Olga Oldperson', 'STAFF',
             'staff:1', ?, ?, ?, ?) RETURNING id`,
        )
        .bind(status, key, created, created)
        .first<{ id: number }>();
    const oldSent = await outbox('DELIVERED', ago(500), `r-${crypto.randomUUID()}`);
    const recent = await outbox('DELIVERED', ago(10), `r-${crypto.randomUUID()}`);
    const lead = (status: string, updated: string, name: string) =>
      db
        .prepare(
          `INSERT INTO lead (source, external_id, status, full_name, email, phone, created_at, updated_at)
           VALUES ('GENERIC', ?, ?, ?, ?, '+4522334455', ?, ?) RETURNING id`,
        )
        .bind(crypto.randomUUID(), status, name, `${name.replace(' ', '.')}@lead.example`, updated, updated)
        .first<{ id: number }>();
    const lostOld = await lead('LOST', ago(400), 'Lost Longago');
    const lostNew = await lead('LOST', ago(3), 'Lost Recently');
    const openOld = await lead('NEW', ago(400), 'Open Longago');
    const prospect = (updated: string, name: string) =>
      db
        .prepare(
          `INSERT INTO prospect (owner_id, first_name, last_name, status, source, created_at, updated_at)
           VALUES (?, ?, 'Prospectson', 'NEW', 'MANUAL', ?, ?) RETURNING id`,
        )
        .bind(owner, name, updated, updated)
        .first<{ id: number }>();
    const idle = await prospect(ago(800), 'Idlewyn');
    const active = await prospect(ago(2), 'Busybee');
    for (const [kind, days] of [
      ['MESSAGES', 365],
      ['LOST_LEADS', 180],
      ['INACTIVE_PROSPECTS', 730],
    ] as const)
      await gqlOk(SET, { input: { kind, days } }, admin);

    await nightly();
    const msg = (id: number) =>
      db.prepare('SELECT address, body, status FROM message_outbox WHERE id = ?').bind(id).first();
    expect(await msg(oldSent!.id)).toEqual({
      address: '[deleted]',
      body: '[deleted after the retention period]',
      status: 'DELIVERED',
    });
    expect(await msg(recent!.id)).toMatchObject({
      address: 'old@person.example',
      body: 'Dear Olga Oldperson',
    });
    const leadName = (id: number) =>
      db.prepare('SELECT full_name, email FROM lead WHERE id = ?').bind(id).first();
    expect(await leadName(lostOld!.id)).toEqual({ full_name: `Lead ${lostOld!.id}`, email: null });
    expect(await leadName(lostNew!.id)).toEqual({
      full_name: 'Lost Recently',
      email: 'Lost.Recently@lead.example',
    });
    expect(await leadName(openOld!.id)).toMatchObject({ full_name: 'Open Longago' });
    const erasures = await db
      .prepare(
        "SELECT subject_type, subject_id, erased_by FROM gdpr_erasure WHERE erased_by = 'retention' ORDER BY subject_type",
      )
      .all();
    expect(erasures.results).toEqual([
      { subject_type: 'LEAD', subject_id: lostOld!.id, erased_by: 'retention' },
      { subject_type: 'PROSPECT', subject_id: idle!.id, erased_by: 'retention' },
    ]);
    const p = (id: number) => db.prepare('SELECT first_name FROM prospect WHERE id = ?').bind(id).first();
    expect(await p(idle!.id)).toEqual({ first_name: 'Prospect' });
    expect(await p(active!.id)).toEqual({ first_name: 'Busybee' });
    // A second night changes nothing more.
    await nightly();
    expect(
      (await db.prepare("SELECT count(*) AS n FROM gdpr_erasure WHERE erased_by = 'retention'").first())!.n,
    ).toBe(2);
  });
});
