import { env, SELF } from 'cloudflare:test';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { adminToken, distributorToken, enroll, globalId, gqlOk, localId } from '../helpers';
import { createCustomer } from '../orders/helpers';
import {
  deliver,
  outbox,
  postTwilio,
  queuedMessage,
  resendAccepted,
  send,
  setProviders,
  twilioAccepted,
  twilioCallback,
  uniqueEmail,
  uniquePhone,
} from './helpers';

// Opting out: the unsubscribe link of every marketing message (page, button, RFC 8058 one-click), and inbound
// SMS keywords (STOP and the local words, START) through Twilio's signed messaging webhook.

const SEND = `mutation($input: SendMessageInput!) { sendMessage(input: $input) { __typename
  ... on MutationSendMessageSuccess { outboxMessage { id status body } }
  ... on Error { message } } }`;

let aT: string;
beforeAll(async () => {
  const admin = await adminToken();
  const a = await enroll(admin, await enroll(admin, null));
  aT = await distributorToken(a);
});
beforeEach(() => setProviders({ sms: 'TWILIO', email: 'RESEND' }));

const consents = async (type: string, id: number) =>
  (
    await env.DB.prepare(
      'SELECT channel, action, source FROM message_consent WHERE subject_type = ? AND subject_id = ? ORDER BY id',
    )
      .bind(type, id)
      .all()
  ).results;

async function settled(id: number): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const s = (await outbox(id)).status;
    if (s !== 'QUEUED' && s !== 'SENDING') return s;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the message never left the queue');
}

describe('the unsubscribe link', () => {
  it('is appended to a marketing SMS; GET shows a Danish page and changes nothing; POST withdraws the consent once', async () => {
    const phone = uniquePhone();
    const id = await createCustomer(aT, { phone, consent: { sms: true, email: true, source: 'shop' } });
    const r = (
      await gqlOk(
        SEND,
        {
          input: {
            recipientId: globalId('Customer', id),
            channel: 'SMS',
            purpose: 'MARKETING',
            text: 'Tilbud i dag: 20 % på alt',
          },
        },
        aT,
      )
    ).sendMessage;
    expect(r.__typename).toBe('MutationSendMessageSuccess');
    const link = /Afmeld: (https:\/\/crm\.example\.test\/u\/(\S+))$/.exec(r.outboxMessage.body);
    expect(link, r.outboxMessage.body).not.toBeNull();
    const path = new URL(link![1]).pathname;

    const page = await SELF.fetch(`http://localhost${path}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Vil du afmelde dig markedsføring på SMS?');
    expect(html).toContain('<form method="post">');
    // The consent given at creation is in the history (migration 0023's trigger), the page added nothing.
    const given = [
      { channel: 'EMAIL', action: 'GRANTED', source: 'shop' },
      { channel: 'SMS', action: 'GRANTED', source: 'shop' },
    ];
    expect(await consents('CUSTOMER', id)).toEqual(given);

    const done = await SELF.fetch(`http://localhost${path}`, { method: 'POST' });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('Du er nu afmeldt');
    await SELF.fetch(`http://localhost${path}`, { method: 'POST' });
    expect(await consents('CUSTOMER', id)).toEqual([
      ...given,
      { channel: 'SMS', action: 'WITHDRAWN', source: 'unsubscribe-link' },
    ]);

    const again = (
      await gqlOk(
        SEND,
        {
          input: {
            recipientId: globalId('Customer', id),
            channel: 'SMS',
            purpose: 'MARKETING',
            text: 'Nyt tilbud',
          },
        },
        aT,
      )
    ).sendMessage;
    expect(again.__typename).toBe('ForbiddenError');
    // E-mail consent is another channel: untouched.
    expect(
      (
        await gqlOk(
          SEND,
          {
            input: {
              recipientId: globalId('Customer', id),
              channel: 'SMS',
              purpose: 'TRANSACTIONAL',
              text: 'Din ordre er sendt',
            },
          },
          aT,
        )
      ).sendMessage.__typename,
    ).toBe('MutationSendMessageSuccess');
    await settled(localId(r.outboxMessage.id));
  });

  it('a forged or altered token is refused and writes nothing', async () => {
    const before = (await env.DB.prepare('SELECT count(*) AS n FROM message_consent').first('n')) as number;
    for (const token of ['sc1.da.AAAAAAAAAAAAAAAAAAAAAA', 'junk', 'sc1.da']) {
      expect((await SELF.fetch(`http://localhost/u/${token}`, { method: 'POST' })).status).toBe(404);
    }
    expect(await env.DB.prepare('SELECT count(*) AS n FROM message_consent').first('n')).toBe(before);
  });

  it('a marketing e-mail carries List-Unsubscribe and List-Unsubscribe-Post; the one-click POST works without a login', async () => {
    const address = uniqueEmail();
    const id = await createCustomer(aT, {
      email: address,
      locale: 'de',
      country: 'DE',
      consent: { sms: false, email: true, source: 'shop' },
    });
    const r = (
      await gqlOk(
        SEND,
        {
          input: {
            recipientId: globalId('Customer', id),
            channel: 'EMAIL',
            purpose: 'MARKETING',
            subject: 'Neu im Shop',
            text: 'Schau dir unsere Neuheiten an.',
          },
        },
        aT,
      )
    ).sendMessage;
    expect(r.__typename).toBe('MutationSendMessageSuccess');
    expect(r.outboxMessage.body).toMatch(/Abmelden: https:\/\/crm\.example\.test\/u\/\S+$/);
    expect(await settled(localId(r.outboxMessage.id))).toBe('SENT');
    const [mail] = await resendAccepted(address);
    const url = /^<(https:\/\/crm\.example\.test\/u\/\S+)>$/.exec(
      mail.headers?.['List-Unsubscribe'] ?? '',
    )?.[1];
    expect(url).toBeDefined();
    expect(mail.headers?.['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    expect(mail.html).toContain(`<a href="${url}">Abmelden</a>`);

    const res = await SELF.fetch(url!.replace('https://crm.example.test', 'http://localhost'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(res.status).toBe(200);
    expect(await consents('CUSTOMER', id)).toEqual([
      { channel: 'EMAIL', action: 'GRANTED', source: 'shop' },
      { channel: 'EMAIL', action: 'WITHDRAWN', source: 'list-unsubscribe-one-click' },
    ]);
  });
});

describe('inbound SMS', () => {
  const inbound = async (from: string, body: string, sid = `SM${crypto.randomUUID().replace(/-/g, '')}`) => {
    const signed = await twilioCallback(
      { MessageSid: sid, From: from, To: '+4570000000', Body: body, NumSegments: '1' },
      undefined,
      '/webhooks/messaging/twilio/inbound',
    );
    return {
      res: await postTwilio(signed.body, signed.signature, '/webhooks/messaging/twilio/inbound'),
      sid,
      signed,
    };
  };

  it('STOP (or AFMELD, STOPP...) suppresses the number and withdraws consent once; later messages are SUPPRESSED; START lifts it', async () => {
    const to = uniquePhone();
    const person = 700_000 + Math.floor(Math.random() * 100_000);
    await deliver([send(await queuedMessage({ channel: 'SMS', address: to, recipientId: person }))]);
    const { res, sid, signed } = await inbound(to, ' Afmeld ');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/xml');
    // Twilio retries: the same inbound message acts once.
    await postTwilio(signed.body, signed.signature, '/webhooks/messaging/twilio/inbound');
    expect(sid).toBeTruthy();
    expect(await consents('CUSTOMER', person)).toEqual([
      { channel: 'SMS', action: 'WITHDRAWN', source: 'sms:AFMELD' },
    ]);
    expect(
      await env.DB.prepare('SELECT reason FROM message_suppression WHERE address = ?')
        .bind(to)
        .first('reason'),
    ).toBe('OPT_OUT');

    const next = await queuedMessage({ channel: 'SMS', address: to, recipientId: person });
    await deliver([send(next)]);
    expect((await outbox(next)).status).toBe('SUPPRESSED');
    expect(await twilioAccepted(to)).toHaveLength(1);

    await inbound(to, 'START');
    expect(
      await env.DB.prepare('SELECT count(*) AS n FROM message_suppression WHERE address = ?')
        .bind(to)
        .first('n'),
    ).toBe(0);
    expect((await consents('CUSTOMER', person)).at(-1)).toEqual({
      channel: 'SMS',
      action: 'GRANTED',
      source: 'sms:START',
    });
  });

  it('a reply is kept in the history of the person last texted at that number; a bad signature writes nothing', async () => {
    const to = uniquePhone();
    const person = 800_000 + Math.floor(Math.random() * 100_000);
    await deliver([send(await queuedMessage({ channel: 'SMS', address: to, recipientId: person }))]);
    const signed = await twilioCallback(
      { MessageSid: 'SMforged', From: to, Body: 'Hej' },
      'wrong',
      '/webhooks/messaging/twilio/inbound',
    );
    expect(
      (await postTwilio(signed.body, signed.signature, '/webhooks/messaging/twilio/inbound')).status,
    ).toBe(403);
    expect((await postTwilio(signed.body, null, '/webhooks/messaging/twilio/inbound')).status).toBe(401);
    expect((await inbound(to, 'Tak, det lyder godt! Ring gerne i morgen.')).res.status).toBe(200);
    const history = await env.DB.prepare(
      'SELECT kind, body, author FROM activity WHERE subject_type = ? AND subject_id = ?',
    )
      .bind('CUSTOMER', person)
      .all();
    expect(history.results).toEqual([
      {
        kind: 'SMS',
        body: `Reply from ${to}:\n\nTak, det lyder godt! Ring gerne i morgen.`,
        author: 'inbound:sms',
      },
    ]);
    expect(
      await env.DB.prepare('SELECT count(*) AS n FROM message_event WHERE dedupe_key = ?')
        .bind('inbound:SMforged')
        .first('n'),
    ).toBe(0);
  });
});
