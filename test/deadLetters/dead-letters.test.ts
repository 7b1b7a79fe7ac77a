import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JobMessage } from '../../src/jobs/messages';
import { jobSpecOf } from '../../src/jobs/routes';
import { backoffSeconds } from '../../src/lib/backoff';
import { ConflictError } from '../../src/lib/errors';
import { replayDeadLetter } from '../../src/modules/deadLetters/service';
import type { LeadJob } from '../../src/modules/leads/messages';
import { adminToken, distributorToken, enroll, firstError, gql, gqlOk } from '../helpers';
import { intake, intakeFingerprint, waitForIntake } from '../leads/helpers';
import { deliver, downD1 } from '../queueHelpers';

// Dead letters through the worker's real queue handler, real D1 and real R2: nothing that reaches the
// dead-letter queue is dropped, even while D1 is down, and staff replay it once.

const JOBS = 'mlm-crm-jobs';
const DLQ = 'mlm-crm-jobs-dlq';
/** wrangler.toml: max_retries of the jobs consumer. */
const MAX_RETRIES = 24;

let admin: string;
beforeAll(async () => {
  admin = await adminToken();
});

function googleBody(leadId: string): string {
  return JSON.stringify({
    lead_id: leadId,
    form_id: '1',
    google_key: 'k',
    user_column_data: [{ column_id: 'EMAIL', string_value: `${leadId}@example.com` }],
  });
}

/** A verified Google delivery as the webhook hands it to the queue. */
function carried(leadId: string): JobMessage {
  return {
    kind: 'leads.intake',
    delivery: {
      source: 'GOOGLE_ADS',
      sourceName: null,
      contentType: 'application/json',
      body: googleBody(leadId),
      items: [{ externalId: leadId, ref: { formId: '1' } }],
      receivedAt: new Date().toISOString(),
    },
  };
}

const LIST = `query($first: Int, $after: String, $status: DeadLetterStatus) {
  deadLetters(first: $first, after: $after, status: $status) {
    edges { cursor node { key queue kind attempts reason receivedAt status body } }
    pageInfo { hasNextPage endCursor } } }`;

const REPLAY = `mutation($input: ReplayDeadLetterInput!) { replayDeadLetter(input: $input) { __typename
  ... on MutationReplayDeadLetterSuccess { deadLetter { key status } }
  ... on ConflictError { code message } ... on NotFoundError { message }
  ... on ValidationError { issues { path code } } } }`;

async function allDeadLetters(status?: string): Promise<any[]> {
  const out: any[] = [];
  let after: string | null = null;
  for (;;) {
    const r: any = (await gqlOk(LIST, { first: 2, after, status }, admin)).deadLetters;
    out.push(...r.edges.map((e: any) => e.node));
    if (!r.pageInfo.hasNextPage) return out;
    after = r.pageInfo.endCursor;
  }
}

const leadsOf = async (externalId: string) =>
  (await env.DB.prepare('SELECT count(*) AS n FROM lead WHERE external_id = ?')
    .bind(externalId)
    .first<{ n: number }>())!.n;

/**
 * A marker sent through the real lead queue (where a lead dead letter is replayed to) after a replay: once it
 * is DONE, the replay was handled too.
 */
async function drainQueue(marker: string) {
  await env.LEADS.send(carried(marker) as LeadJob);
  expect((await waitForIntake('GOOGLE_ADS', marker)).status).toBe('DONE');
}

describe('dead letters', () => {
  it('a lead message that exhausts its retries while D1 is down is kept in R2, then replayed into exactly one lead', async () => {
    const down = { ...env, DB: downD1() };
    const msg = carried('dl-outage');
    const id = 'msg-outage-1';
    // The jobs queue: every delivery fails and asks for a longer wait than the one before.
    const delays: number[] = [];
    for (let attempts = 1; attempts <= MAX_RETRIES + 1; attempts++) {
      const r = await deliver(JOBS, [{ id, body: msg, attempts }], down);
      expect(r.explicitAcks).toEqual([]);
      expect(r.retryMessages.map((m) => m.msgId)).toEqual([id]);
      delays.push(r.retryMessages[0].delaySeconds!);
    }
    expect(delays.slice(0, 4)).toEqual([10, 20, 40, 80]);
    expect(delays.at(-1)).toBe(3600);
    expect(delays.reduce((s, d) => s + d, 0)).toBeGreaterThan(16 * 3600);

    // The dead-letter queue, D1 still down: kept in R2 before the ack, left PENDING.
    const receivedAt = new Date('2026-12-07T09:30:00.000Z');
    const dl = await deliver(DLQ, [{ id, body: msg, attempts: 1, timestamp: receivedAt }], down);
    expect(dl.retryMessages).toEqual([]);
    expect(dl.explicitAcks).toEqual([id]);
    const key = `dead-letters/2026-12-07T09:30:00.000Z-${id}.json`;
    const object = await env.FILES.get(key);
    expect(object).not.toBeNull();
    expect(object!.customMetadata).toMatchObject({ status: 'PENDING', kind: 'leads.intake', queue: DLQ });
    const stored = JSON.parse(await object!.text());
    expect(stored).toMatchObject({
      queue: DLQ,
      messageId: id,
      attempts: 1,
      receivedAt: receivedAt.toISOString(),
    });
    expect(stored.reason).toContain('D1_ERROR');
    // The raw webhook body, its content type and source, byte for byte.
    expect(stored.body.delivery).toMatchObject({
      source: 'GOOGLE_ADS',
      contentType: 'application/json',
      body: googleBody('dl-outage'),
    });
    expect(await intake('GOOGLE_ADS', 'dl-outage')).toBeNull();

    // Staff see it (the API reads R2 only).
    const listed = (await allDeadLetters('PENDING')).find((d) => d.key === key);
    expect(listed).toMatchObject({ queue: DLQ, kind: 'leads.intake', attempts: 1, status: 'PENDING' });
    expect(listed.receivedAt).toBe(receivedAt.toISOString());
    expect(JSON.parse(listed.body)).toEqual(msg);

    // A redelivery of the same dead letter (say the ack was lost) keeps one object.
    await deliver(DLQ, [{ id, body: msg, attempts: 2, timestamp: receivedAt }], down);
    expect(
      (await env.FILES.list({ prefix: `dead-letters/2026-12-07T09:30:00.000Z-${id}` })).objects,
    ).toHaveLength(1);

    // D1 is back: the replay brings the lead in, once.
    const replayed = (await gqlOk(REPLAY, { input: { key } }, admin)).replayDeadLetter;
    expect(replayed).toEqual({
      __typename: 'MutationReplayDeadLetterSuccess',
      deadLetter: { key, status: 'REPLAYED' },
    });
    expect((await waitForIntake('GOOGLE_ADS', 'dl-outage')).status).toBe('DONE');
    expect(await leadsOf('dl-outage')).toBe(1);
    expect((await env.FILES.head(key))!.customMetadata!.status).toBe('REPLAYED');

    // A second replay is refused and sends nothing.
    const again = (await gqlOk(REPLAY, { input: { key } }, admin)).replayDeadLetter;
    expect(again).toMatchObject({ __typename: 'ConflictError', code: 'ALREADY_REPLAYED' });
    const sent: unknown[] = [];
    const recording = {
      send: async (b: unknown) => void sent.push(b),
      sendBatch: async () => {},
    } as unknown as Queue<JobMessage>;
    await expect(
      replayDeadLetter({ ...env, JOBS: recording, LEADS: recording as Queue<LeadJob> }, key, jobSpecOf),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(sent).toEqual([]);
    await drainQueue('dl-outage-marker');
    expect(await leadsOf('dl-outage')).toBe(1);
  });

  it('a dead letter whose lead is already in is settled, and replaying it makes no second lead', async () => {
    const msg = carried('dl-settled');
    const first = await deliver(JOBS, [{ id: 'msg-settled', body: msg, attempts: 1 }]);
    expect(first.explicitAcks).toEqual(['msg-settled']);
    expect(await leadsOf('dl-settled')).toBe(1);
    const at = new Date('2026-12-07T09:31:00.000Z');
    await deliver(DLQ, [{ id: 'msg-settled', body: msg, attempts: 1, timestamp: at }]);
    const key = `dead-letters/${at.toISOString()}-msg-settled.json`;
    expect((await env.FILES.head(key))!.customMetadata!.status).toBe('SETTLED');
    const before = await intakeFingerprint({ except: ['dl-settled-marker'] });

    const r = (await gqlOk(REPLAY, { input: { key } }, admin)).replayDeadLetter;
    expect(r.deadLetter.status).toBe('REPLAYED');
    await drainQueue('dl-settled-marker');
    expect(await leadsOf('dl-settled')).toBe(1);
    expect(await intakeFingerprint({ except: ['dl-settled-marker'] })).toBe(before);
  });

  it('a lead that failed its retries is marked FAILED with an integer count; other kinds are kept too', async () => {
    // The lead's intake is kept, then its processing fails for good on the DLQ path (D1 up).
    const msg = carried('dl-failed');
    const at = new Date('2026-12-07T09:32:00.000Z');
    const r = await deliver(DLQ, [
      { id: 'msg-failed', body: msg, attempts: 3, timestamp: at },
      {
        id: 'msg-whatif',
        body: { kind: 'whatif.run', runId: 4242 } as JobMessage,
        attempts: 1,
        timestamp: at,
      },
    ]);
    expect(r.explicitAcks.sort()).toEqual(['msg-failed', 'msg-whatif']);
    const row = await intake('GOOGLE_ADS', 'dl-failed');
    expect(row.status).toBe('FAILED');
    expect(row.last_error).toContain('; 3 deliveries on the dead-letter queue)');
    expect(row.last_error).not.toContain('3.0');
    const lead = await env.FILES.get(`dead-letters/${at.toISOString()}-msg-failed.json`);
    expect(lead!.customMetadata!.status).toBe('SETTLED');
    expect(JSON.parse(await lead!.text()).reason).toContain('dead-letter queue');
    const whatif = await env.FILES.get(`dead-letters/${at.toISOString()}-msg-whatif.json`);
    expect(whatif!.customMetadata).toMatchObject({ status: 'SETTLED', kind: 'whatif.run' });
    expect(JSON.parse(await whatif!.text()).body).toEqual({ kind: 'whatif.run', runId: 4242 });
  });

  it('when R2 fails the dead letter is not acked but retried later; nothing is dropped', async () => {
    const brokenR2 = {
      head: async () => {
        throw new Error('R2 unavailable (test)');
      },
      put: async () => {
        throw new Error('R2 unavailable (test)');
      },
    } as unknown as R2Bucket;
    const r = await deliver(DLQ, [{ id: 'msg-r2', body: carried('dl-r2'), attempts: 4 }], {
      ...env,
      FILES: brokenR2,
    });
    expect(r.explicitAcks).toEqual([]);
    expect(r.retryMessages).toEqual([{ msgId: 'msg-r2', delaySeconds: backoffSeconds(4) }]);
    // Nothing was settled either: the intake waits for the message to come back.
    expect(await intake('GOOGLE_ADS', 'dl-r2')).toBeNull();
  });

  it('pages with cursors from the listing, filters by status, and refuses bad keys and cursors', async () => {
    const all = await allDeadLetters();
    expect(all.length).toBeGreaterThanOrEqual(4);
    expect(all.map((d) => d.key)).toEqual([...all.map((d) => d.key)].sort());
    expect(new Set(all.map((d) => d.key)).size).toBe(all.length);
    const settled = await allDeadLetters('SETTLED');
    expect(settled.length).toBeGreaterThan(0);
    expect(settled.every((d) => d.status === 'SETTLED')).toBe(true);
    expect(settled.length).toBeLessThan(all.length);

    const missing = (
      await gqlOk(REPLAY, { input: { key: 'dead-letters/2020-01-01T00:00:00.000Z-nope.json' } }, admin)
    ).replayDeadLetter;
    expect(missing.__typename).toBe('NotFoundError');
    const bad = (await gqlOk(REPLAY, { input: { key: 'lead-inbox/x.json' } }, admin)).replayDeadLetter;
    expect(bad).toMatchObject({
      __typename: 'ValidationError',
      issues: [{ path: 'key', code: 'INVALID_FORMAT' }],
    });
    const badCursor = await gql(LIST, { first: 2, after: 'bm90LWEtY3Vyc29y' }, admin);
    expect(firstError(badCursor).extensions?.code).toBe('BAD_USER_INPUT');
    const tooMany = await gql(LIST, { first: 101 }, admin);
    expect(firstError(tooMany).extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('only staff may list or replay dead letters', async () => {
    const root = await enroll(admin, null);
    const member = await distributorToken(root);
    const listed = await gql(LIST, { first: 5 }, member);
    expect(firstError(listed).extensions?.code).toBe('FORBIDDEN');
    expect(listed.data?.deadLetters ?? null).toBeNull();
    const key = (await allDeadLetters('PENDING'))[0]?.key ?? 'dead-letters/2026-12-07T09:30:00.000Z-x.json';
    const replay = await gql(REPLAY, { input: { key } }, member);
    expect(firstError(replay).extensions?.code).toBe('FORBIDDEN');
    const anonymous = await gql(LIST, { first: 5 });
    expect(anonymous.errors?.length).toBeGreaterThan(0);
  });
});
