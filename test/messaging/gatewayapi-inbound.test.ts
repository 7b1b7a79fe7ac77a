import { env } from 'cloudflare:test';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { adminToken, enroll } from '../helpers';
import {
  deliver,
  gatewayAccepted,
  gwapiJwt,
  outbox,
  postGatewayApi,
  queuedMessage,
  send,
  setProviders,
  uniquePhone,
} from './helpers';

// GatewayAPI's MO webhook (inbound SMS): JSON {id, msisdn, receiver, message, senttime, ...}, signed as an
// HS256 JWT of the same fields in X-Gwapi-Signature. STOP words opt the number out, START back in; other
// texts are replies in the person's history with their owner notified; each MO message acts once.

const PATH = '/webhooks/messaging/gatewayapi/inbound';
let owner: number;

beforeAll(async () => {
  const admin = await adminToken();
  owner = await enroll(admin, await enroll(admin, null));
});
beforeEach(() => setProviders({ sms: 'GATEWAYAPI', email: null }));

let nextMo = 5_000_000 + Math.floor(Math.random() * 1_000_000);
function mo(from: string, message: string, id = nextMo++) {
  return {
    id,
    msisdn: Number(from.replace('+', '')),
    receiver: 4570000000,
    message,
    senttime: Math.floor(Date.now() / 1000),
    webhook_label: 'crm',
    sender: null,
    mcc: 238,
    mnc: 1,
    validity_period: null,
    encoding: 'UTF8',
    udh: null,
    payload: null,
    country_code: 'DK',
    country_prefix: 45,
  };
}
async function post(claims: Record<string, unknown>, body = claims, jwt?: string | null) {
  const token = jwt === undefined ? await gwapiJwt(claims) : jwt;
  return postGatewayApi(JSON.stringify(body), token, PATH);
}

/** A person we texted at `to` through GatewayAPI, owned by `owner`. */
async function texted(to: string): Promise<number> {
  const person = 900_000 + Math.floor(Math.random() * 90_000);
  const id = await queuedMessage({ channel: 'SMS', address: to, recipientId: person });
  await env.DB.prepare('UPDATE message_outbox SET owner_distributor_id = ? WHERE id = ?')
    .bind(owner, id)
    .run();
  await deliver([send(id)]);
  expect((await outbox(id)).status).toBe('SENT');
  return person;
}

describe('GatewayAPI inbound SMS', () => {
  it('STOP suppresses the number and withdraws consent once (a redelivery acts no more); START lifts it', async () => {
    const to = uniquePhone();
    const person = await texted(to);
    const stop = mo(to, 'stop');
    expect((await post(stop)).status).toBe(200);
    expect((await post(stop)).status).toBe(200);
    const consents = await env.DB.prepare(
      "SELECT action, source FROM message_consent WHERE subject_type = 'CUSTOMER' AND subject_id = ? ORDER BY id",
    )
      .bind(person)
      .all();
    expect(consents.results).toEqual([{ action: 'WITHDRAWN', source: 'sms:STOP' }]);
    expect(
      await env.DB.prepare("SELECT reason FROM message_suppression WHERE channel = 'SMS' AND address = ?")
        .bind(to)
        .first('reason'),
    ).toBe('OPT_OUT');
    // The next message to the number is SUPPRESSED and never reaches GatewayAPI.
    const next = await queuedMessage({ channel: 'SMS', address: to, recipientId: person });
    await deliver([send(next)]);
    expect((await outbox(next)).status).toBe('SUPPRESSED');
    expect(await gatewayAccepted(to)).toHaveLength(1);

    expect((await post(mo(to, 'Start'))).status).toBe(200);
    expect(
      await env.DB.prepare(
        "SELECT count(*) AS n FROM message_suppression WHERE channel = 'SMS' AND address = ?",
      )
        .bind(to)
        .first('n'),
    ).toBe(0);
  });

  it('a reply goes into the history of the person last texted there and notifies the owner, once', async () => {
    const to = uniquePhone();
    const person = await texted(to);
    const reply = mo(to, 'Ja tak, ring i morgen');
    await post(reply);
    await post(reply);
    const history = await env.DB.prepare(
      "SELECT body, author FROM activity WHERE subject_type = 'CUSTOMER' AND subject_id = ?",
    )
      .bind(person)
      .all();
    expect(history.results).toEqual([
      { body: `Reply from ${to}:\n\nJa tak, ring i morgen`, author: 'inbound:sms' },
    ]);
    const notes = await env.DB.prepare(
      "SELECT distributor_id, json_extract(payload, '$.text') AS text FROM notification WHERE kind = 'REPLY_RECEIVED' AND subject_id = ?",
    )
      .bind(String(person))
      .all();
    expect(notes.results).toEqual([{ distributor_id: owner, text: 'Ja tak, ring i morgen' }]);
  });

  it('a missing signature is 401, a wrong one or a body that is not the signed message 403; nothing is written', async () => {
    const to = uniquePhone();
    await texted(to);
    const count = async () =>
      (await env.DB.prepare(
        "SELECT count(*) AS n FROM message_event WHERE provider = 'GATEWAYAPI' AND dedupe_key LIKE 'inbound:%'",
      ).first<number>('n'))!;
    const before = await count();
    const m = mo(to, 'STOP');
    expect((await post(m, m, null)).status).toBe(401);
    expect((await post(m, m, await gwapiJwt(m, 'not-the-secret'))).status).toBe(403);
    expect((await post(m, { ...m, msisdn: 4511111111 })).status).toBe(403);
    expect((await post(m, { ...m, message: 'hello' })).status).toBe(403);
    expect(await count()).toBe(before);
    expect(
      await env.DB.prepare(
        "SELECT count(*) AS n FROM message_suppression WHERE channel = 'SMS' AND address = ?",
      )
        .bind(to)
        .first('n'),
    ).toBe(0);
  });
});
