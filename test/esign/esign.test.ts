import { createExecutionContext, createScheduledController, env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { FAKE_PROVIDERS } from '../fakes/provider-credentials';
import { adminToken, distributorToken, enroll, globalId, gqlOk } from '../helpers';
import { until } from '../jobs/faults';
import { count, page } from '../offers/helpers';
import { createCustomer, createProduct } from '../orders/helpers';
import { deliver } from '../queueHelpers';
import {
  acceptedOffer,
  autenti,
  chooseProvider,
  documenso,
  esignState,
  postAutenti,
  postDocumenso,
  requestOfOffer,
  sha256Hex,
} from './helpers';

let admin: string;
let annaToken: string;
let product: number;

async function customerWith(email: string): Promise<number> {
  return createCustomer(annaToken, {
    firstName: 'Zofia',
    lastName: 'Żółć',
    country: 'PL',
    locale: 'pl',
    email,
  });
}

const ordersOf = (offerId: number) =>
  count(`SELECT count(*) AS n FROM sales_order WHERE created_by = ?`, `offer:${offerId}`);

const SIGNATURE = `query($id: ID!) { node(id: $id) { ... on Offer { status order { id }
  signature { provider status failureReason completedAt document { sha256 size } auditTrail { key sha256 } events { event } } } } }`;

beforeAll(async () => {
  admin = await adminToken();
  const root = await enroll(admin, null);
  const anna = await enroll(admin, root);
  annaToken = await distributorToken(anna);
  product = await createProduct(admin, 'SIGN-A');
});

describe('Autenti', () => {
  it('accept → token, create, upload, send; a JWS callback → status re-read → signed PDF stored with its hash → SIGNED, one order', async () => {
    await chooseProvider(admin, 'AUTENTI');
    const customer = await customerWith('zofia.autenti@test.example');
    const { offerId, accept } = await acceptedOffer(annaToken, customer, product);
    expect(accept.status).toBe(303);
    // Accepted and waiting for the signature: no order yet.
    const offer0 = await env.DB.prepare('SELECT status, order_id FROM offer WHERE id = ?')
      .bind(offerId)
      .first();
    expect(offer0).toEqual({ status: 'ACCEPTED', order_id: null });
    expect(await ordersOf(offerId)).toBe(0);

    const sent = await until(
      () => requestOfOffer(offerId),
      (r) => r?.status === 'SENT',
      'the process sent',
    );
    expect(sent).toMatchObject({
      provider: 'AUTENTI',
      signer_email: 'zofia.autenti@test.example',
      signer_first_name: 'Zofia',
      language: 'pl',
    });
    expect(sent!.external_id).toMatch(/^DOCUMENT_PROCESS:/);
    const stats = await autenti('/__fake/stats');
    const proc = stats.processes.find((p: any) => p.id === sent!.external_id);
    expect(proc).toMatchObject({ status: 'PROCESSING', signer: 'zofia.autenti@test.example' });
    expect(proc.files).toEqual([expect.objectContaining({ filePurpose: 'SOURCE_FILE' })]);
    expect(stats.tokenRequests).toBe(1);
    expect(stats.apiCalls).toBe(3);
    // Autenti revokes the token before its time: the next call is refused once, then made with a new token.
    await autenti('/__fake/revoke-tokens', {});

    // Signed; the callback arrives while the process status still lags (one stale read): the sync retries.
    await autenti('/__fake/complete', { id: sent!.external_id, lagReads: 1 });
    const cb = await autenti('/__fake/callback', {
      id: sent!.external_id,
      eventType: 'DOCUMENT_PROCESS_COMPLETED',
    });
    const r = await postAutenti(cb.body, cb.signature);
    expect(r).toEqual({ status: 200, body: { status: 'accepted', events: 1 } });
    const jobId = (await env.DB.prepare(
      "SELECT id FROM job WHERE kind = 'esign' AND id LIKE 'esign:sync:%' AND subject = ?",
    )
      .bind(`offer:${offerId}`)
      .first<{ id: string }>())!.id;
    const done = await until(
      () => requestOfOffer(offerId),
      (x) => x?.status === 'COMPLETED',
      'the signature completed',
    );
    const job = await env.DB.prepare('SELECT status, attempts FROM job WHERE id = ?')
      .bind(jobId)
      .first<any>();
    expect(job.status).toBe('DONE');
    // At least one delivery re-read the lagging status before it said COMPLETED.
    expect(job.attempts).toBeGreaterThanOrEqual(2);

    const obj = (await env.FILES.get(done!.signed_key))!;
    const bytes = new Uint8Array(await obj.arrayBuffer());
    expect(new TextDecoder().decode(bytes.slice(0, 5))).toBe('%PDF-');
    expect(new TextDecoder().decode(bytes.slice(-60))).toContain('signed by zofia.autenti@test.example');
    const stored = await env.DB.prepare('SELECT sha256, size FROM stored_file WHERE key = ?')
      .bind(done!.signed_key)
      .first<any>();
    expect(stored).toEqual({ sha256: await sha256Hex(bytes), size: bytes.byteLength });

    const shown = (await gqlOk(SIGNATURE, { id: globalId('Offer', offerId) }, annaToken)).node;
    expect(shown.status).toBe('SIGNED');
    expect(shown.order).not.toBeNull();
    expect(shown.signature).toMatchObject({
      provider: 'AUTENTI',
      status: 'COMPLETED',
      failureReason: null,
      document: { sha256: stored.sha256, size: stored.size },
    });
    expect(shown.signature.events.map((e: any) => e.event)).toEqual([
      'SENT',
      'EVENT_CLASSIFIER-UNIQUE_TYPE:DOCUMENT_PROCESS_COMPLETED',
      'COMPLETED',
    ]);
    expect(await ordersOf(offerId)).toBe(1);
    // The audit trail beside the signed PDF: the file's hash and every event, with its own hash recorded.
    const auditBytes = new Uint8Array(
      await (await env.FILES.get(shown.signature.auditTrail.key))!.arrayBuffer(),
    );
    expect(shown.signature.auditTrail.sha256).toBe(await sha256Hex(auditBytes));
    const audit = JSON.parse(new TextDecoder().decode(auditBytes));
    expect(audit.signedFile).toEqual({ key: done!.signed_key, sha256: stored.sha256, size: stored.size });
    expect(audit.request).toMatchObject({ provider: 'AUTENTI', externalId: sent!.external_id });
    expect(audit.events.map((e: any) => e.event)).toEqual([
      'SENT',
      'EVENT_CLASSIFIER-UNIQUE_TYPE:DOCUMENT_PROCESS_COMPLETED',
      'COMPLETED',
    ]);
    // The OAuth2 token is cached: one for create, upload and send; one more after the revocation, for the
    // status reads and the download.
    const after = await autenti('/__fake/stats');
    expect(after.apiCalls).toBeGreaterThanOrEqual(7);
    expect(after.tokenRequests).toBe(2);

    // A repeated callback (same delivery) is refused as a replay and changes nothing; a new, older event
    // (out of order) is taken, re-reads the status and moves nothing backwards; still one order.
    const before = await esignState();
    expect((await postAutenti(cb.body, cb.signature)).status).toBe(403);
    expect(await esignState()).toBe(before);
    const late = await autenti('/__fake/callback', { id: sent!.external_id, eventType: 'DOCUMENT_SENT' });
    expect((await postAutenti(late.body, late.signature)).status).toBe(200);
    await new Promise((res) => setTimeout(res, 1500));
    expect((await requestOfOffer(offerId))!.status).toBe('COMPLETED');
    expect(
      (await env.DB.prepare('SELECT status FROM offer WHERE id = ?').bind(offerId).first())!.status,
    ).toBe('SIGNED');
    expect(await ordersOf(offerId)).toBe(1);
  });

  it('a forged or missing JWS is refused (401/403) and nothing is written', async () => {
    await chooseProvider(admin, 'AUTENTI');
    const customer = await customerWith('zofia.forged@test.example');
    const { offerId } = await acceptedOffer(annaToken, customer, product);
    const sent = await until(
      () => requestOfOffer(offerId),
      (r) => r?.status === 'SENT',
      'the process sent',
    );
    await autenti('/__fake/complete', { id: sent!.external_id });
    const before = await esignState();
    const forged = await autenti('/__fake/callback', {
      id: sent!.external_id,
      eventType: 'DOCUMENT_PROCESS_COMPLETED',
      forge: true,
    });
    expect((await postAutenti(forged.body, forged.signature)).status).toBe(403);
    // A genuine signature over another body does not cover this one.
    const genuine = await autenti('/__fake/callback', {
      id: sent!.external_id,
      eventType: 'DOCUMENT_PROCESS_COMPLETED',
    });
    const tampered = genuine.body.replace('DOCUMENT_PROCESS_COMPLETED', 'DOCUMENT_PROCESS_REJECTED');
    expect((await postAutenti(tampered, genuine.signature)).status).toBe(403);
    expect((await postAutenti(genuine.body, null)).status).toBe(401);
    expect((await postAutenti(genuine.body, 'not-a-jws')).status).toBe(401);
    expect(await esignState()).toBe(before);
    expect((await requestOfOffer(offerId))!.status).toBe('SENT');
    expect(await ordersOf(offerId)).toBe(0);
  });

  it('a provider 5xx is retried through the queue, then the request shows FAILED with the reason', async () => {
    await chooseProvider(admin, 'AUTENTI');
    const email = 'zofia.outage@test.example';
    await autenti('/__fake/script', {
      to: email,
      answers: Array.from({ length: 30 }, () => ({
        status: 503,
        message: 'Autenti is down for maintenance',
      })),
    });
    const customer = await customerWith(email);
    const { offerId, accept } = await acceptedOffer(annaToken, customer, product);
    expect(accept.status).toBe(303);
    const jobId = `esign:offer:${offerId}:start`;
    const jobRow = () => env.DB.prepare('SELECT * FROM job WHERE id = ?').bind(jobId).first<any>();
    // The queue's first delivery fails and asks for a retry with backoff.
    await until(jobRow, (j) => j?.status === 'RETRYING', 'a retry');
    expect((await jobRow()).last_error).toMatch(/AUTENTI 503: create: .*maintenance/);
    expect((await requestOfOffer(offerId))!.status).toBe('PENDING');
    const message = JSON.parse((await jobRow()).message);
    for (let attempt = 2; attempt <= 12 && (await jobRow()).status !== 'FAILED'; attempt++) {
      const r = await deliver('mlm-crm-jobs', [{ id: `esign-${attempt}`, body: message, attempts: attempt }]);
      if ((await jobRow()).status !== 'FAILED') expect(r.retryMessages.length).toBe(1);
    }
    const job = await jobRow();
    expect(job.status).toBe('FAILED');
    expect(job.attempts).toBe(12);
    const req = (await requestOfOffer(offerId))!;
    expect(req.status).toBe('FAILED');
    expect(req.failure_reason).toMatch(/ProviderError: AUTENTI 503: create: .*maintenance/);
    expect(req.external_id).toBeNull();
    expect(await ordersOf(offerId)).toBe(0);
    const shown = (await gqlOk(SIGNATURE, { id: globalId('Offer', offerId) }, annaToken)).node;
    expect(shown.signature).toMatchObject({ status: 'FAILED', failureReason: expect.stringMatching(/503/) });

    // Autenti is back; staff retry the job: the request is PENDING again, then sent.
    await autenti('/__fake/script', { to: email, answers: [] });
    const retried = await gqlOk(
      `mutation($input: RetryJobInput!) { retryJob(input: $input) { __typename ... on Error { message } } }`,
      { input: { id: globalId('Job', jobId) } },
      admin,
    );
    expect(retried.retryJob.__typename).toBe('MutationRetryJobSuccess');
    const resent = await until(
      () => requestOfOffer(offerId),
      (r) => r?.status === 'SENT',
      'sent after the retry',
    );
    expect(resent!.failure_reason).toBeNull();
    expect(resent!.external_id).toMatch(/^DOCUMENT_PROCESS:/);
  });

  it('a refusal no retry mends (422) fails the job at once with the reason', async () => {
    await chooseProvider(admin, 'AUTENTI');
    const email = 'zofia.refused@test.example';
    await autenti('/__fake/script', {
      to: email,
      answers: [{ status: 422, message: 'party e-mail rejected' }],
    });
    const customer = await customerWith(email);
    const { offerId } = await acceptedOffer(annaToken, customer, product);
    const req = await until(
      () => requestOfOffer(offerId),
      (r) => r?.status === 'FAILED',
      'failed',
    );
    expect(req!.failure_reason).toMatch(/AUTENTI 422: create: .*party e-mail rejected/);
    const job = await env.DB.prepare('SELECT status, attempts FROM job WHERE id = ?')
      .bind(`esign:offer:${offerId}:start`)
      .first<any>();
    expect(job).toEqual({ status: 'FAILED', attempts: 1 });
  });
});

describe('lost callbacks and bad input', () => {
  it('a signature whose callback never came is re-read by the hourly cron after 6 quiet hours', async () => {
    await chooseProvider(admin, 'AUTENTI');
    const customer = await customerWith('zofia.lost@test.example');
    const { offerId } = await acceptedOffer(annaToken, customer, product);
    const sent = await until(
      () => requestOfOffer(offerId),
      (r) => r?.status === 'SENT',
      'sent',
    );
    await autenti('/__fake/complete', { id: sent!.external_id }); // signed; the callback is lost
    const hourly = () =>
      worker.scheduled(
        createScheduledController({ cron: '0 * * * *', scheduledTime: Date.now() }),
        env,
        createExecutionContext(),
      );
    await hourly(); // not quiet long enough yet: nothing is re-read
    await new Promise((r) => setTimeout(r, 500));
    expect((await requestOfOffer(offerId))!.status).toBe('SENT');
    await env.DB.prepare('UPDATE signature_request SET updated_at = ? WHERE id = ?')
      .bind(new Date(Date.now() - 7 * 3600_000).toISOString(), sent!.id)
      .run();
    await hourly();
    await until(
      () => requestOfOffer(offerId),
      (r) => r?.status === 'COMPLETED',
      'completed by the poll',
    );
    expect(
      (await env.DB.prepare('SELECT status FROM offer WHERE id = ?').bind(offerId).first())!.status,
    ).toBe('SIGNED');
    expect(await ordersOf(offerId)).toBe(1);
  });

  it('a recipient without an e-mail address cannot start a signature: a clear page, nothing written', async () => {
    await chooseProvider(admin, 'DOCUMENSO');
    const customer = await createCustomer(annaToken, {
      firstName: 'Bez',
      lastName: 'Maila',
      country: 'PL',
      locale: 'pl',
    });
    const before = await esignState();
    const { offerId, accept } = await acceptedOffer(annaToken, customer, product);
    expect(accept.status).toBe(409);
    expect(
      await env.DB.prepare('SELECT status, order_id FROM offer WHERE id = ?').bind(offerId).first(),
    ).toEqual({
      status: 'VIEWED',
      order_id: null,
    });
    expect(await requestOfOffer(offerId)).toBeNull();
    // Only the new offer's own row differs; no signature, event, job or file was written.
    const after = JSON.parse(await esignState());
    const was = JSON.parse(before);
    expect([after[0], after[1], after[3], after[4]]).toEqual([was[0], was[1], was[3], was[4]]);
  });
});

describe('Documenso', () => {
  it('accept → envelope create + distribute; webhooks sent, opened, completed → signed PDF stored, SIGNED, one order', async () => {
    await chooseProvider(admin, 'DOCUMENSO');
    const customer = await customerWith('zofia.documenso@test.example');
    const { offerId, path, accept } = await acceptedOffer(annaToken, customer, product);
    expect(accept.status).toBe(303);
    const sent = await until(
      () => requestOfOffer(offerId),
      (r) => r?.status === 'SENT',
      'the envelope sent',
    );
    // The page asks the recipient to sign, with the signer's link.
    const waiting = await page(path);
    expect(waiting.html).toContain('podpisz ofertę elektronicznie');
    expect(waiting.html).toContain(`<a href="${sent!.signing_url}"`);
    expect(sent!.provider).toBe('DOCUMENSO');
    expect(sent!.external_id).toMatch(/^envelope_/);
    expect(sent!.signing_url).toMatch(/^https:\/\/documenso\.fake\.test\/sign\//);
    const id = sent!.external_id as string;
    const secret = FAKE_PROVIDERS.DOCUMENSO_WEBHOOK_SECRET;

    const opened = await documenso('/__fake/webhook', { id, event: 'DOCUMENT_OPENED' });
    expect((await postDocumenso(opened.body, secret, opened.deliveryId)).status).toBe(200);
    expect((await requestOfOffer(offerId))!.status).toBe('OPENED');
    // A late DOCUMENT_SENT (out of order) is recorded but moves nothing backwards.
    const lateSent = await documenso('/__fake/webhook', { id, event: 'DOCUMENT_SENT' });
    expect((await postDocumenso(lateSent.body, secret, lateSent.deliveryId)).status).toBe(200);
    expect((await requestOfOffer(offerId))!.status).toBe('OPENED');

    await documenso('/__fake/complete', { id });
    const completed = await documenso('/__fake/webhook', { id, event: 'DOCUMENT_COMPLETED' });
    expect((await postDocumenso(completed.body, secret, completed.deliveryId)).status).toBe(200);
    const done = await until(
      () => requestOfOffer(offerId),
      (r) => r?.status === 'COMPLETED',
      'completed',
    );
    const bytes = new Uint8Array(await (await env.FILES.get(done!.signed_key))!.arrayBuffer());
    expect(new TextDecoder().decode(bytes.slice(-80))).toContain(
      'signed in documenso by zofia.documenso@test.example',
    );
    expect(
      (
        await env.DB.prepare('SELECT sha256 FROM stored_file WHERE key = ?')
          .bind(done!.signed_key)
          .first<any>()
      ).sha256,
    ).toBe(await sha256Hex(bytes));
    expect(
      (await env.DB.prepare('SELECT status FROM offer WHERE id = ?').bind(offerId).first())!.status,
    ).toBe('SIGNED');
    expect(await ordersOf(offerId)).toBe(1);
    const signedPage = await page(path);
    expect(signedPage.html).toContain('Oferta została podpisana.');
    expect(signedPage.html).not.toContain('podpisz ofertę elektronicznie');

    // Repeated deliveries are refused as replays; a late OPENED after completion changes nothing.
    const before = await esignState();
    expect((await postDocumenso(completed.body, secret, completed.deliveryId)).status).toBe(403);
    expect(await esignState()).toBe(before);
    const lateOpened = await documenso('/__fake/webhook', { id, event: 'DOCUMENT_OPENED' });
    expect((await postDocumenso(lateOpened.body, secret, lateOpened.deliveryId)).status).toBe(200);
    expect((await requestOfOffer(offerId))!.status).toBe('COMPLETED');
    const rejected = await documenso('/__fake/webhook', { id, event: 'DOCUMENT_REJECTED' });
    expect((await postDocumenso(rejected.body, secret, rejected.deliveryId)).status).toBe(200);
    expect((await requestOfOffer(offerId))!.status).toBe('COMPLETED');
    expect(
      (await env.DB.prepare('SELECT status FROM offer WHERE id = ?').bind(offerId).first())!.status,
    ).toBe('SIGNED');
    expect(await ordersOf(offerId)).toBe(1);
  });

  it('a wrong or missing X-Documenso-Secret is refused (403/401) and nothing is written', async () => {
    await chooseProvider(admin, 'DOCUMENSO');
    const customer = await customerWith('zofia.docforged@test.example');
    const { offerId } = await acceptedOffer(annaToken, customer, product);
    const sent = await until(
      () => requestOfOffer(offerId),
      (r) => r?.status === 'SENT',
      'sent',
    );
    await documenso('/__fake/complete', { id: sent!.external_id });
    const completed = await documenso('/__fake/webhook', {
      id: sent!.external_id,
      event: 'DOCUMENT_COMPLETED',
    });
    const before = await esignState();
    const secret = FAKE_PROVIDERS.DOCUMENSO_WEBHOOK_SECRET;
    expect((await postDocumenso(completed.body, `${secret}x`, completed.deliveryId)).status).toBe(403);
    expect((await postDocumenso(completed.body, secret.slice(0, -1), completed.deliveryId)).status).toBe(403);
    expect((await postDocumenso(completed.body, null, completed.deliveryId)).status).toBe(401);
    expect(await esignState()).toBe(before);
    expect(await ordersOf(offerId)).toBe(0);
  });

  it('a rejected signature declines the offer; no order', async () => {
    await chooseProvider(admin, 'DOCUMENSO');
    const customer = await customerWith('zofia.rejects@test.example');
    const { offerId } = await acceptedOffer(annaToken, customer, product);
    const sent = await until(
      () => requestOfOffer(offerId),
      (r) => r?.status === 'SENT',
      'sent',
    );
    const rejected = await documenso('/__fake/webhook', {
      id: sent!.external_id,
      event: 'DOCUMENT_REJECTED',
    });
    expect(
      (await postDocumenso(rejected.body, FAKE_PROVIDERS.DOCUMENSO_WEBHOOK_SECRET, rejected.deliveryId))
        .status,
    ).toBe(200);
    expect((await requestOfOffer(offerId))!.status).toBe('REJECTED');
    expect(
      (await env.DB.prepare('SELECT status FROM offer WHERE id = ?').bind(offerId).first())!.status,
    ).toBe('DECLINED');
    expect(await ordersOf(offerId)).toBe(0);
  });
});

describe('without a provider', () => {
  it('accepting creates the order at once and no signature request', async () => {
    await chooseProvider(admin, 'NONE');
    const customer = await customerWith('zofia.nosign@test.example');
    const { offerId } = await acceptedOffer(annaToken, customer, product);
    expect(
      (await env.DB.prepare('SELECT status FROM offer WHERE id = ?').bind(offerId).first())!.status,
    ).toBe('ACCEPTED');
    expect(await ordersOf(offerId)).toBe(1);
    expect(await requestOfOffer(offerId)).toBeNull();
  });

  it('only staff choose the provider', async () => {
    const r = await gqlOk(
      `mutation { updateEsignSettings(input: { offerProvider: AUTENTI }) { __typename ... on Error { message } } }`,
      {},
      annaToken,
    ).catch((e) => e);
    expect(JSON.stringify(r)).not.toContain('MutationUpdateEsignSettingsSuccess');
    expect((await env.DB.prepare('SELECT offer_provider FROM esign_settings').first())!.offer_provider).toBe(
      'NONE',
    );
  });
});
