import { beforeAll, describe, expect, it } from 'vitest';
import { adminToken, distributorToken, enroll, gql } from '../helpers';
import {
  counts,
  hmacHex,
  intakeFingerprint,
  leadRow,
  post,
  setSource,
  sha256Hex,
  waitForIntake,
} from './helpers';

// Generic senders (Zapier / Make / forms): per-source token or HMAC, JSON or form-encoded, field mapping.

const TOKEN = 'zapier-token-0123456789abcdef';
const HMAC_SECRET = 'make-hmac-secret-0123456789';

let admin: string;

beforeAll(async () => {
  admin = await adminToken();
  const zap = await setSource(admin, {
    name: 'zapier',
    auth: 'TOKEN',
    secret: TOKEN,
    fieldMapping: [
      { from: 'submission.id', to: 'EXTERNAL_ID' },
      { from: 'contact.mail', to: 'EMAIL' },
      { from: 'contact.navn', to: 'FULL_NAME' },
      { from: 'contact.postnr', to: 'POSTAL_CODE' },
      { from: 'land', to: 'COUNTRY' },
    ],
  });
  expect(zap.__typename).toBe('MutationSetLeadSourceSuccess');
  expect(zap.source.webhookPath).toBe('/webhooks/leads/zapier');
  const make = await setSource(admin, {
    name: 'make',
    auth: 'HMAC',
    secret: HMAC_SECRET,
    signatureHeader: 'X-Make-Signature',
  });
  expect(make.__typename).toBe('MutationSetLeadSourceSuccess');
});

describe('generic lead webhook', () => {
  it('maps a nested JSON body (configured and conventional names); unmapped fields become answers', async () => {
    const body = JSON.stringify({
      submission: { id: 'sub-1001' },
      contact: { navn: 'Mette Frederiksen', mail: 'mette@example.dk', postnr: '8000' },
      land: 'Danmark',
      phone: '+4520304050',
      utm_source: 'facebook',
      interests: ['skin care', 'nutrition'],
      big_number: 'BIG',
    }).replace('"BIG"', '12345678901234567890'); // a raw 64-bit+ number stays exact
    const res = await post('/webhooks/leads/zapier', body, { authorization: `Bearer ${TOKEN}` });
    expect(res.status).toBe(200);
    const done = await waitForIntake('GENERIC', 'zapier:sub-1001');
    expect(done.status).toBe('DONE');
    const row = await leadRow('GENERIC', 'zapier:sub-1001');
    expect(row).toMatchObject({
      source_name: 'zapier',
      full_name: 'Mette Frederiksen',
      email: 'mette@example.dk',
      postal_code: '8000',
      country: 'Danmark',
      country_code: 'DK',
      phone: '+4520304050',
    });
    expect(JSON.parse(row.utm)).toEqual({ source: 'facebook' });
    expect(JSON.parse(row.answers)).toEqual([
      { key: 'interests', label: null, value: 'skin care, nutrition' },
      { key: 'big_number', label: null, value: '12345678901234567890' },
    ]);
    // The same submission id again (other bytes) is the same lead.
    const before = await intakeFingerprint();
    const again = await post('/webhooks/leads/zapier', body.replace('8000', '8200'), {
      'x-webhook-token': TOKEN,
    });
    expect(await again.json()).toEqual({ status: 'accepted' });
    // A fresh submission behind it: once that is done, the queue has handled the redelivery.
    const marker = body.replace('sub-1001', 'sub-1001-marker');
    expect((await post('/webhooks/leads/zapier', marker, { 'x-webhook-token': TOKEN })).status).toBe(200);
    expect((await waitForIntake('GENERIC', 'zapier:sub-1001-marker')).status).toBe('DONE');
    await new Promise((r) => setTimeout(r, 300));
    expect(await intakeFingerprint({ except: ['zapier:sub-1001-marker'] })).toBe(before);
  });

  it('accepts form-encoded bodies signed with HMAC; without an id field identical bodies dedupe', async () => {
    const body =
      'first_name=Kasia&last_name=Nowak&email=kasia%40example.pl&zip=31-000&country=PL&comment=Zadzwo%C5%84+prosz%C4%99';
    const sig = await hmacHex(HMAC_SECRET, body);
    const headers = {
      'content-type': 'application/x-www-form-urlencoded',
      'x-make-signature': `sha256=${sig}`,
    };
    const res = await post('/webhooks/leads/make', body, headers);
    expect(res.status).toBe(200);
    // Without an id field the external id is the hash of the body (keyed by the source name).
    const id = `make:sha256:${await sha256Hex(body)}`;
    await waitForIntake('GENERIC', id);
    const row = await leadRow('GENERIC', id);
    expect(row).toMatchObject({
      first_name: 'Kasia',
      last_name: 'Nowak',
      email: 'kasia@example.pl',
      postal_code: '31-000',
    });
    expect(JSON.parse(row.answers)).toEqual([{ key: 'comment', label: null, value: 'Zadzwoń proszę' }]);
    const before = await intakeFingerprint();
    expect(await (await post('/webhooks/leads/make', body, headers)).json()).toEqual({ status: 'accepted' });
    // A different body behind it: once that is done, the queue has handled the identical one.
    const other = body.replace('Kasia', 'Basia');
    const otherId = `make:sha256:${await sha256Hex(other)}`;
    const otherHeaders = { ...headers, 'x-make-signature': `sha256=${await hmacHex(HMAC_SECRET, other)}` };
    expect((await post('/webhooks/leads/make', other, otherHeaders)).status).toBe(200);
    expect((await waitForIntake('GENERIC', otherId)).status).toBe('DONE');
    await new Promise((r) => setTimeout(r, 300));
    expect(await intakeFingerprint({ except: [otherId] })).toBe(before);
  });

  it('refuses unknown sources, bad tokens or signatures, malformed and unsupported bodies; stores nothing', async () => {
    const before = await intakeFingerprint();
    const rejections = (await counts()).rejections;
    const body = JSON.stringify({ email: 'x@example.com' });
    expect((await post('/webhooks/leads/nope', body, { authorization: `Bearer ${TOKEN}` })).status).toBe(404);
    expect((await post('/webhooks/leads/zapier', body, { authorization: 'Bearer wrong-token' })).status).toBe(
      401,
    );
    expect((await post('/webhooks/leads/zapier', body)).status).toBe(401);
    const badSig = await hmacHex('another-secret-xxxxxxxx', body);
    expect(
      (await post('/webhooks/leads/make', body, { 'x-make-signature': `sha256=${badSig}` })).status,
    ).toBe(401);
    expect(
      (await post('/webhooks/leads/zapier', '{"email":', { authorization: `Bearer ${TOKEN}` })).status,
    ).toBe(400);
    expect(
      (
        await post('/webhooks/leads/zapier', '<lead/>', {
          authorization: `Bearer ${TOKEN}`,
          'content-type': 'text/xml',
        })
      ).status,
    ).toBe(415);
    expect(
      (
        await post('/webhooks/leads/zapier', JSON.stringify({ a: 'x'.repeat(70_000) }), {
          authorization: `Bearer ${TOKEN}`,
        })
      ).status,
    ).toBe(413);
    expect(await intakeFingerprint()).toBe(before);
    expect((await counts()).rejections).toBe(rejections + 7);
  });

  it('only staff configure sources, and the configuration is validated', async () => {
    const root = await enroll(admin, null);
    const token = await distributorToken(root);
    const denied = await gql(
      `mutation { setLeadSource(input: {name: "x", auth: TOKEN, secret: "0123456789abcdef"}) { __typename } }`,
      {},
      token,
    );
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const bad = await setSource(admin, { name: 'has space', auth: 'TOKEN', secret: 'short' });
    expect(bad.__typename).toBe('ValidationError');
    expect(bad.issues.map((i: any) => i.path).sort()).toEqual(['name', 'secret']);
  });
});
