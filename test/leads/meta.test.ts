import { env, SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JobMessage } from '../../src/jobs/messages';
import { backoffSeconds } from '../../src/lib/backoff';
import { parseMetaNotification } from '../../src/modules/leads/meta';
import { adminToken, globalId, gqlOk } from '../helpers';
import { deliver } from '../queueHelpers';
import {
  counts,
  fakeGraphCalls,
  fakeGraphLead,
  freshId,
  hmacHex,
  intake,
  intakeFingerprint,
  leadNode,
  leadRow,
  post,
  postMeta,
  setMetaPage,
  waitForIntake,
} from './helpers';

// Meta lead ads through the real worker: handshake, signature over raw bytes, batched notifications, the
// Graph API fetch (a local fake speaking Graph's format), retries, the dead-letter queue and dedupe.

const PAGE = '104857600000001';
const TOKEN = 'EAAB-page-token-test-0001';

let admin: string;

beforeAll(async () => {
  admin = await adminToken();
  await setMetaPage(admin, PAGE, TOKEN);
});

/** A notification as Meta sends it; `ids` may be numbers (written raw) or strings. */
function notification(ids: (string | { num: string })[], page = PAGE): string {
  const changes = ids.map(
    (id) =>
      `{"field":"leadgen","value":{"leadgen_id":${typeof id === 'string' ? `"${id}"` : id.num},"page_id":"${page}","form_id":"55500001","adgroup_id":"66600001","ad_id":"77700001","created_time":1763633700}}`,
  );
  return `{"object":"page","entry":[{"id":"${page}","time":1763633701,"changes":[${changes.join(',')}]}]}`;
}

/** The queue message the webhook sends for a verified notification (built the same way). */
function carriedMeta(body: string): JobMessage {
  const parsed = parseMetaNotification(body);
  if (!parsed.ok) throw new Error(parsed.reason);
  return {
    kind: 'leads.intake',
    delivery: {
      source: 'META',
      sourceName: null,
      contentType: 'application/json',
      body,
      items: parsed.changes.map((ch) => ({ externalId: ch.leadgenId, ref: { ...ch } })),
      receivedAt: new Date().toISOString(),
    },
  };
}

function graphLead(id: string, fields: Record<string, string[]>) {
  return {
    id,
    created_time: '2026-11-20T10:15:00+0000',
    ad_id: '77700001',
    form_id: '55500001',
    field_data: Object.entries(fields).map(([name, values]) => ({ name, values })),
  };
}

describe('Meta verification handshake', () => {
  it('echoes the challenge for the right token, 403 otherwise', async () => {
    const ok = await SELF.fetch(
      `http://localhost/webhooks/meta?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=${env.META_VERIFY_TOKEN}`,
    );
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('1158201444');
    const wrong = await SELF.fetch(
      'http://localhost/webhooks/meta?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=nope',
    );
    expect(wrong.status).toBe(403);
    expect(await wrong.text()).not.toContain('1158201444');
    const mode = await SELF.fetch(
      `http://localhost/webhooks/meta?hub.mode=unsubscribe&hub.challenge=1&hub.verify_token=${env.META_VERIFY_TOKEN}`,
    );
    expect(mode.status).toBe(403);
  });
});

describe('Meta lead notifications', () => {
  it('verifies the signature over the raw bytes (non-ASCII included) and fetches each lead of a batch', async () => {
    const big = '9007199254740993'; // above 2^53: as a JSON number it must not be rounded
    const other = freshId('12');
    await fakeGraphLead(
      big,
      TOKEN,
      graphLead(big, {
        full_name: ['Paweł Łukasiewicz'],
        email: ['pawel@example.pl'],
        phone_number: ['+48500600700'],
        zip_code: ['30-001'],
        country: ['PL'],
        which_plan: ['Starter', 'Premium'],
      }),
    );
    await fakeGraphLead(
      other,
      TOKEN,
      graphLead(other, { full_name: ['Jens Østergaard'], email: ['jens@example.dk'] }),
    );
    // Raw UTF-8 "ł" plus an escaped one, as senders do: the signature must be checked on these exact bytes.
    const body = notification([{ num: big }, other]).replace(
      '"object":"page"',
      '"object":"page","note":"ł \\u0142"',
    );
    const res = await postMeta(body);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'accepted', leads: 2 });

    const first = await waitForIntake('META', big);
    expect(first.status).toBe('DONE');
    expect((await waitForIntake('META', other)).status).toBe('DONE');
    const event = await env.DB.prepare('SELECT body FROM lead_event WHERE id = ?')
      .bind(first.event_id)
      .first<any>();
    expect(event.body).toBe(body);

    const row = await leadRow('META', big);
    const lead = await leadNode(globalId('Lead', row.id), admin);
    expect(lead).toMatchObject({
      source: 'META',
      externalId: big,
      pageId: PAGE,
      formId: '55500001',
      adId: '77700001',
      adGroupId: '66600001',
      fullName: 'Paweł Łukasiewicz',
      email: 'pawel@example.pl',
      phone: '+48500600700',
      postalCode: '30-001',
      countryCode: 'PL',
      isTest: false,
      submittedAt: '2026-11-20T10:15:00.000Z',
      answers: [{ key: 'which_plan', label: null, value: 'Starter, Premium' }],
    });
    expect((await leadRow('META', other)).full_name).toBe('Jens Østergaard');
  });

  it('refuses a bad, missing or re-serialised signature and stores nothing', async () => {
    const id = freshId('13');
    const body = notification([id]).replace('"object":"page"', '"object":"page","note":"Paweł"');
    const before = await intakeFingerprint();
    const rejections = (await counts()).rejections;
    expect((await postMeta(body, 'wrong-secret')).status).toBe(401);
    expect((await post('/webhooks/meta', body)).status).toBe(401);
    // Signing a re-serialised (escaped) copy is not the same bytes.
    const escaped = body.replace('ł', '\\u0142');
    const sig = await hmacHex(env.META_APP_SECRET!, escaped);
    expect((await post('/webhooks/meta', body, { 'x-hub-signature-256': `sha256=${sig}` })).status).toBe(401);
    // Tampered after signing.
    const good = await hmacHex(env.META_APP_SECRET!, body);
    expect(
      (
        await post('/webhooks/meta', body.replace('Paweł', 'Pawel'), {
          'x-hub-signature-256': `sha256=${good}`,
        })
      ).status,
    ).toBe(401);
    // Signed but malformed.
    expect((await postMeta('{"object":"page","entry":[')).status).toBe(400);
    expect(await intakeFingerprint()).toBe(before);
    expect((await counts()).rejections).toBe(rejections + 5);
    expect(await intake('META', id)).toBeNull();
  });

  it('a notification too big for a queue message is kept in D1 before the answer, then processed', async () => {
    const id = freshId('16');
    await fakeGraphLead(id, TOKEN, graphLead(id, { full_name: ['Łucja Wielka'] }));
    // Over QUEUED_MESSAGE_LIMIT (100 KB), under the 1 MB Meta limit.
    const body = notification([id]).replace(
      '"object":"page"',
      `"object":"page","note":"${'x'.repeat(110_000)}"`,
    );
    const res = await postMeta(body);
    expect(res.status).toBe(200);
    // Kept before the answer: the intake row and its raw event are there already.
    const kept = await intake('META', id);
    expect(kept).not.toBeNull();
    const event = await env.DB.prepare('SELECT body FROM lead_event WHERE id = ?')
      .bind(kept.event_id)
      .first<any>();
    expect(event.body).toBe(body);
    expect((await waitForIntake('META', id)).status).toBe('DONE');
    expect((await leadRow('META', id)).full_name).toBe('Łucja Wielka');
  });

  it('a batch with many leads is kept in D1 first (one message per intake), though its body is small', async () => {
    // 350 changes: ~70 KB of body; carried whole, the message would name 350 intakes (~140 KB, over the
    // queue's 128 KB) and one consumer batch would fetch thousands of leads.
    const ids = Array.from({ length: 350 }, () => freshId('17'));
    const body = notification(ids);
    expect(new TextEncoder().encode(body).byteLength).toBeLessThan(100 * 1024);
    const res = await postMeta(body);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'accepted', leads: 350 });
    // Kept before the answer: every intake is there already.
    const kept = await env.DB.prepare(
      'SELECT count(*) AS n FROM lead_intake WHERE external_id IN (SELECT value FROM json_each(?))',
    )
      .bind(JSON.stringify(ids))
      .first<any>();
    expect(kept.n).toBe(350);
    // The fake Graph API knows none of them: each fails for good (no retries), nothing stays PENDING.
    for (const id of [ids[0], ids[349]]) expect((await waitForIntake('META', id)).status).toBe('FAILED');
    const until = Date.now() + 25_000;
    for (;;) {
      const left = await env.DB.prepare(
        `SELECT count(*) AS n FROM lead_intake WHERE status = 'PENDING' AND external_id IN (SELECT value FROM json_each(?))`,
      )
        .bind(JSON.stringify(ids))
        .first<any>();
      if (left.n === 0) break;
      if (Date.now() > until) throw new Error(`${left.n} intakes still pending`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  it('a redelivered notification changes nothing and fetches nothing again', async () => {
    const id = freshId('14');
    await fakeGraphLead(id, TOKEN, graphLead(id, { full_name: ['Ida Holm'] }));
    const body = notification([id]);
    expect((await postMeta(body)).status).toBe(200);
    await waitForIntake('META', id);
    const before = await intakeFingerprint();
    const calls = await fakeGraphCalls(id);
    expect(calls).toBe(1);
    const again = await postMeta(body);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ status: 'accepted', leads: 1 });
    // The same lead in a different batch (other bytes) is also known.
    expect((await postMeta(notification([id, id]))).status).toBe(200);
    // A fresh lead behind them: once it is done, the queue has handled both redeliveries.
    const marker = freshId('14');
    await fakeGraphLead(marker, TOKEN, graphLead(marker, { full_name: ['Marker Person'] }));
    expect((await postMeta(notification([marker]))).status).toBe(200);
    expect((await waitForIntake('META', marker)).status).toBe('DONE');
    await new Promise((r) => setTimeout(r, 300));
    expect(await intakeFingerprint({ except: [marker] })).toBe(before);
    expect(await fakeGraphCalls(id)).toBe(1);
  });

  it('retries a failing Graph fetch later each time and then succeeds; the raw event is kept throughout', async () => {
    const id = freshId('15');
    await fakeGraphLead(id, TOKEN, graphLead(id, { full_name: ['Retry Person'] }), {
      failTimes: 2,
      failWith: 'transient',
    });
    // Handed to the queue handler directly (the real queue would wait 10 s, then 20 s).
    const msg = carriedMeta(notification([id]));
    const delays: (number | undefined)[] = [];
    for (const attempts of [1, 2]) {
      const r = await deliver('mlm-crm-jobs', [{ id: 'retry', body: msg, attempts }]);
      expect(r.explicitAcks).toEqual([]);
      delays.push(r.retryMessages[0]?.delaySeconds);
      expect((await intake('META', id)).status).toBe('PENDING');
    }
    expect(delays).toEqual([10, 20]);
    const last = await deliver('mlm-crm-jobs', [{ id: 'retry', body: msg, attempts: 3 }]);
    expect(last.explicitAcks).toEqual(['retry']);
    const done = await intake('META', id);
    expect(done.status).toBe('DONE');
    expect(done.attempts).toBe(3);
    expect(await fakeGraphCalls(id)).toBe(3);
    expect((await leadRow('META', id)).full_name).toBe('Retry Person');
  });

  it('gives up after the retries (dead-letter queue): FAILED, raw event kept, staff can retry it', async () => {
    const id = freshId('16');
    await fakeGraphLead(id, TOKEN, graphLead(id, { full_name: ['Later Person'] }), { failTimes: -1 });
    const body = notification([id]);
    const msg = carriedMeta(body);
    // The first try and max_retries (24) retries, each asking for a longer wait, then the dead-letter queue.
    for (let attempts = 1; attempts <= 25; attempts++) {
      const r = await deliver('mlm-crm-jobs', [{ id: 'dead', body: msg, attempts }]);
      expect(r.retryMessages).toEqual([{ msgId: 'dead', delaySeconds: backoffSeconds(attempts) }]);
    }
    const at = new Date();
    const dl = await deliver('mlm-crm-jobs-dlq', [{ id: 'dead', body: msg, attempts: 1, timestamp: at }]);
    expect(dl.explicitAcks).toEqual(['dead']);
    const failed = await intake('META', id);
    expect(failed.status).toBe('FAILED');
    expect(failed.last_error).toContain('Graph API 500');
    expect(failed.last_error).toContain('; 1 deliveries on the dead-letter queue)');
    expect(failed.attempts).toBe(25);
    expect(await leadRow('META', id)).toBeNull();
    const event = await env.DB.prepare('SELECT body FROM lead_event WHERE id = ?')
      .bind(failed.event_id)
      .first<any>();
    expect(event.body).toBe(body);
    // The dead letter is in R2 too, settled, with the reason the retries failed.
    const kept = await env.FILES.get(`dead-letters/${at.toISOString()}-dead.json`);
    expect(kept!.customMetadata!.status).toBe('SETTLED');
    expect(kept!.customMetadata!.reason).toContain('Graph API 500');

    const listed = await gqlOk(
      '{ failedLeadIntakes { intakeId source externalId attempts lastError } }',
      {},
      admin,
    );
    expect(listed.failedLeadIntakes).toContainEqual(
      expect.objectContaining({ intakeId: failed.id, externalId: id }),
    );

    await fakeGraphLead(id, TOKEN, graphLead(id, { full_name: ['Later Person'] }));
    const retried = await gqlOk(
      `mutation($input: RetryLeadIntakeInput!) { retryLeadIntake(input: $input) { __typename
        ... on MutationRetryLeadIntakeSuccess { intakeId } } }`,
      { input: { intakeId: failed.id } },
      admin,
    );
    expect(retried.retryLeadIntake.intakeId).toBe(failed.id);
    expect((await waitForIntake('META', id)).status).toBe('DONE');
    expect((await leadRow('META', id)).full_name).toBe('Later Person');
  }, 40_000);

  it('fails at once, without retries, when the page has no token or Graph says the token is bad', async () => {
    const unknownPage = freshId('17');
    const orphan = freshId('18');
    expect((await postMeta(notification([orphan], unknownPage))).status).toBe(200);
    const a = await waitForIntake('META', orphan);
    expect(a.status).toBe('FAILED');
    expect(a.attempts).toBe(1);
    expect(a.last_error).toContain('not configured');

    const expired = freshId('19');
    await fakeGraphLead(expired, TOKEN, graphLead(expired, {}), { failTimes: 1, failWith: 'token' });
    expect((await postMeta(notification([expired]))).status).toBe(200);
    const b = await waitForIntake('META', expired);
    expect(b.status).toBe('FAILED');
    expect(b.attempts).toBe(1);
    expect(b.last_error).toContain('code 190');
  });
});
