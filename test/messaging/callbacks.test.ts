import { env } from 'cloudflare:test';
import { beforeEach, describe, expect, it } from 'vitest';
import { twilioSignature } from '../../src/modules/messaging/callbacks';
import { sendOutboxMessage } from '../../src/modules/messaging/send';
import {
  age,
  deliver,
  eventCount,
  gatewayAccepted,
  gwapiJwt,
  outbox,
  postGatewayApi,
  postResend,
  postTwilio,
  queuedMessage,
  resendAccepted,
  send,
  setProviders,
  svixHeaders,
  twilioAccepted,
  twilioCallback,
  uniqueEmail,
  uniquePhone,
} from './helpers';

// Provider callbacks through the worker: verified over the raw bytes (missing 401, wrong 403, nothing
// written), recorded once, applied monotonically, unknown statuses kept.

beforeEach(() => setProviders({ sms: 'TWILIO', email: 'RESEND' }));

async function sentSms(): Promise<{ id: number; sid: string; to: string }> {
  const to = uniquePhone();
  const id = await queuedMessage({ channel: 'SMS', address: to });
  await deliver([send(id)]);
  return { id, sid: (await twilioAccepted(to))[0].sid, to };
}

const twilio = async (params: Record<string, string>) => {
  const { body, signature } = await twilioCallback(params);
  return postTwilio(body, signature);
};

describe('Twilio status callbacks', () => {
  it('computes X-Twilio-Signature as Twilio documents it (their published example)', async () => {
    const params = new URLSearchParams({
      CallSid: 'CA1234567890ABCDE',
      Caller: '+14158675310',
      Digits: '1234',
      From: '+14158675310',
      To: '+18005551212',
    });
    expect(await twilioSignature('12345', 'https://mycompany.com/myapp.php?foo=1&bar=2', params)).toBe(
      'GvWf1cFY/Q7PnoempGyD5oXAezc=',
    );
  });

  it('delivered moves SENT to DELIVERED; a late sent never moves it back; a repeated callback is kept once', async () => {
    const { id, sid } = await sentSms();
    const base = { MessageSid: sid, AccountSid: env.TWILIO_ACCOUNT_SID!, ApiVersion: '2010-04-01' };
    expect((await twilio({ ...base, MessageStatus: 'delivered', SmsStatus: 'delivered' })).status).toBe(200);
    let row = await outbox(id);
    expect(row).toMatchObject({ status: 'DELIVERED', provider_status: 'delivered' });
    expect(row.delivered_at).not.toBeNull();
    expect(row.final_at).not.toBeNull();

    const events = await eventCount();
    expect((await twilio({ ...base, MessageStatus: 'sent' })).status).toBe(200);
    expect((await twilio({ ...base, MessageStatus: 'delivered', SmsStatus: 'delivered' })).status).toBe(200);
    row = await outbox(id);
    expect(row).toMatchObject({ status: 'DELIVERED', provider_status: 'delivered' });
    expect(await eventCount()).toBe(events + 1); // the late 'sent' kept; the repeated 'delivered' not
    const late = await env.DB.prepare('SELECT applied, mapped_status FROM message_event WHERE dedupe_key = ?')
      .bind(`${sid}:sent:`)
      .first();
    expect(late).toEqual({ applied: 0, mapped_status: 'SENT' });
  });

  it('a missing signature is 401, a wrong or tampered one 403, and nothing is written', async () => {
    const { id, sid } = await sentSms();
    const events = await eventCount();
    const { body, signature } = await twilioCallback({ MessageSid: sid, MessageStatus: 'delivered' });
    expect((await postTwilio(body, null)).status).toBe(401);
    expect((await postTwilio(body, 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=')).status).toBe(403);
    // Signed for 'delivered', sent as 'failed'.
    expect((await postTwilio(body.replace('delivered', 'failed'), signature)).status).toBe(403);
    // Signed with another account's token.
    const other = await twilioCallback({ MessageSid: sid, MessageStatus: 'delivered' }, 'not-our-token');
    expect((await postTwilio(other.body, other.signature)).status).toBe(403);
    expect(await eventCount()).toBe(events);
    expect((await outbox(id)).status).toBe('SENT');
  });

  it('undelivered with an unknown-destination code is UNDELIVERABLE and suppresses the number; unknown statuses are kept', async () => {
    const { id, sid, to } = await sentSms();
    expect((await twilio({ MessageSid: sid, MessageStatus: 'teleported' })).status).toBe(200);
    const kept = await env.DB.prepare(
      'SELECT mapped_status, outbox_id FROM message_event WHERE dedupe_key = ?',
    )
      .bind(`${sid}:teleported:`)
      .first();
    expect(kept).toEqual({ mapped_status: null, outbox_id: id });
    expect((await outbox(id)).status).toBe('SENT');

    expect((await twilio({ MessageSid: sid, MessageStatus: 'undelivered', ErrorCode: '30005' })).status).toBe(
      200,
    );
    const row = await outbox(id);
    expect(row.status).toBe('UNDELIVERABLE');
    expect(row.last_error).toContain('30005');
    expect(
      await env.DB.prepare("SELECT reason FROM message_suppression WHERE channel = 'SMS' AND address = ?")
        .bind(to)
        .first('reason'),
    ).toBe('UNDELIVERABLE');
    // A handset switched off (30003) fails the message without suppressing the number.
    const other = await sentSms();
    await twilio({ MessageSid: other.sid, MessageStatus: 'undelivered', ErrorCode: '30003' });
    expect((await outbox(other.id)).status).toBe('FAILED');
    expect(
      await env.DB.prepare('SELECT count(*) AS n FROM message_suppression WHERE address = ?')
        .bind(other.to)
        .first('n'),
    ).toBe(0);
  });

  it('a callback that arrives before the send step recorded the sid is applied once the sid is known', async () => {
    const to = uniquePhone();
    const id = await queuedMessage({ channel: 'SMS', address: to });
    // The consumer dies after Twilio accepted; Twilio's callback comes before anyone recorded the sid.
    const dying = {
      ...env,
      DB: new Proxy(env.DB, {
        get(target, prop) {
          if (prop === 'prepare')
            return (sql: string) => {
              if (sql.includes("THEN 'SENT' ELSE status END")) throw new Error('consumer died');
              return target.prepare(sql);
            };
          const v = Reflect.get(target, prop);
          return typeof v === 'function' ? v.bind(target) : v;
        },
      }),
    };
    await expect(sendOutboxMessage(dying, id)).rejects.toThrow();
    const [{ sid }] = await twilioAccepted(to);
    expect((await twilio({ MessageSid: sid, MessageStatus: 'delivered' })).status).toBe(200);
    expect((await outbox(id)).status).toBe('SENDING');
    await age(id, 121);
    await deliver([send(id)]);
    expect(await outbox(id)).toMatchObject({ status: 'DELIVERED', provider_message_id: sid });
    expect(await twilioAccepted(to)).toHaveLength(1);
  });
});

describe('GatewayAPI delivery notices', () => {
  it('an HS256-signed notice settles the message; bad, missing or mismatched signatures change nothing', async () => {
    await setProviders({ sms: 'GATEWAYAPI' });
    const to = uniquePhone();
    const id = await queuedMessage({ channel: 'SMS', address: to });
    await deliver([send(id)]);
    const [mt] = await gatewayAccepted(to);
    expect(await outbox(id)).toMatchObject({ status: 'SENT', provider_message_id: String(mt.id) });
    const notice = {
      id: mt.id,
      msisdn: Number(to.slice(1)),
      time: Math.floor(Date.now() / 1000),
      status: 'DELIVERED',
      error: null,
      code: null,
      userref: String(id),
    };
    const body = JSON.stringify(notice);
    const events = await eventCount();
    expect((await postGatewayApi(body, null)).status).toBe(401);
    expect((await postGatewayApi(body, await gwapiJwt(notice, 'wrong-secret'))).status).toBe(403);
    expect((await postGatewayApi(body, `${(await gwapiJwt(notice)).slice(0, -3)}abc`)).status).toBe(403);
    // A valid JWT of another notice, with this body.
    expect((await postGatewayApi(body, await gwapiJwt({ ...notice, status: 'UNDELIVERABLE' }))).status).toBe(
      403,
    );
    expect(await eventCount()).toBe(events);
    expect((await outbox(id)).status).toBe('SENT');

    expect((await postGatewayApi(body, await gwapiJwt(notice))).status).toBe(200);
    expect((await outbox(id)).status).toBe('DELIVERED');
    // The late ENROUTE does not move it back.
    const enroute = { ...notice, status: 'ENROUTE' };
    expect((await postGatewayApi(JSON.stringify(enroute), await gwapiJwt(enroute))).status).toBe(200);
    expect((await outbox(id)).status).toBe('DELIVERED');
  });

  it('a notice for a message whose send was interrupted finds it by userref', async () => {
    await setProviders({ sms: 'GATEWAYAPI' });
    const to = uniquePhone();
    const id = await queuedMessage({ channel: 'SMS', address: to });
    // Claimed and handed to GatewayAPI, but the id never recorded.
    await env.DB.prepare(
      "UPDATE message_outbox SET status = 'SENDING', provider = 'GATEWAYAPI', claimed_at = ?, attempts = 1 WHERE id = ?",
    )
      .bind(new Date().toISOString(), id)
      .run();
    const notice = {
      id: 99_000_000 + id,
      msisdn: Number(to.slice(1)),
      status: 'UNDELIVERABLE',
      code: '0x0400',
      userref: String(id),
    };
    expect((await postGatewayApi(JSON.stringify(notice), await gwapiJwt(notice))).status).toBe(200);
    expect(await outbox(id)).toMatchObject({
      status: 'UNDELIVERABLE',
      provider_message_id: String(notice.id),
    });
    expect(
      await env.DB.prepare('SELECT reason FROM message_suppression WHERE address = ?')
        .bind(to)
        .first('reason'),
    ).toBe('UNDELIVERABLE');
  });
});

describe('Resend (Svix-signed) webhooks', () => {
  async function sentEmail() {
    const address = uniqueEmail();
    const id = await queuedMessage({ channel: 'EMAIL', address });
    await deliver([send(id)]);
    return { id, emailId: (await resendAccepted(address))[0].id, address };
  }
  const event = (type: string, emailId: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      type,
      created_at: new Date().toISOString(),
      data: { email_id: emailId, to: ['x'], ...extra },
    });

  it('delivered, then a complaint: the status stays DELIVERED and the address is suppressed; a repeated svix-id is kept once', async () => {
    const { id, emailId, address } = await sentEmail();
    const delivered = event('email.delivered', emailId);
    const headers = await svixHeaders(delivered);
    expect((await postResend(delivered, headers)).status).toBe(200);
    expect((await outbox(id)).status).toBe('DELIVERED');
    const events = await eventCount();
    expect((await postResend(delivered, headers)).status).toBe(200);
    expect(await eventCount()).toBe(events);

    const complained = event('email.complained', emailId);
    expect((await postResend(complained, await svixHeaders(complained))).status).toBe(200);
    expect((await outbox(id)).status).toBe('DELIVERED');
    expect(
      await env.DB.prepare("SELECT reason FROM message_suppression WHERE channel = 'EMAIL' AND address = ?")
        .bind(address)
        .first('reason'),
    ).toBe('COMPLAINT');
  });

  it('a permanent bounce is BOUNCED and suppresses; a transient one changes nothing', async () => {
    const soft = await sentEmail();
    const transient = event('email.bounced', soft.emailId, {
      bounce: { type: 'Transient', message: 'Mailbox full' },
    });
    expect((await postResend(transient, await svixHeaders(transient))).status).toBe(200);
    expect((await outbox(soft.id)).status).toBe('SENT');

    const hard = await sentEmail();
    const permanent = event('email.bounced', hard.emailId, {
      bounce: { type: 'Permanent', subType: 'General' },
    });
    expect((await postResend(permanent, await svixHeaders(permanent))).status).toBe(200);
    expect((await outbox(hard.id)).status).toBe('BOUNCED');
    expect(
      await env.DB.prepare('SELECT reason FROM message_suppression WHERE address = ?')
        .bind(hard.address)
        .first('reason'),
    ).toBe('HARD_BOUNCE');
  });

  it('missing headers 401; a wrong signature, another secret, an old timestamp or a changed body 403; nothing written', async () => {
    const { id, emailId } = await sentEmail();
    const body = event('email.delivered', emailId);
    const events = await eventCount();
    expect((await postResend(body, {})).status).toBe(401);
    const good = await svixHeaders(body);
    expect((await postResend(body, { ...good, 'svix-signature': 'v1,AAAA' })).status).toBe(403);
    expect(
      (await postResend(body, await svixHeaders(body, { secret: 'whsec_b3RoZXItc2VjcmV0LW9mLTI0LWJ5dGVz' })))
        .status,
    ).toBe(403);
    const old = Math.floor(Date.now() / 1000) - 6 * 60;
    expect((await postResend(body, await svixHeaders(body, { timestamp: old }))).status).toBe(403);
    expect((await postResend(body.replace('delivered', 'failed'), good)).status).toBe(403);
    expect(await eventCount()).toBe(events);
    expect((await outbox(id)).status).toBe('SENT');
  });
});
