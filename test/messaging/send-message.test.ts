import { env } from 'cloudflare:test';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { adminToken, distributorToken, enroll, gid, globalId, gql, gqlOk, localId } from '../helpers';
import { createCustomer } from '../orders/helpers';
import { setProviders, twilioAccepted, uniqueEmail, uniquePhone } from './helpers';

// sendMessage through GraphQL: who may send to whom, consent, suppression, rendering, the contact history,
// and the real queue taking it to the provider fake.

const SEND = `mutation($input: SendMessageInput!) { sendMessage(input: $input) { __typename
  ... on MutationSendMessageSuccess { outboxMessage { id status channel purpose address subject body locale smsEncoding smsSegments
    recipient { __typename } } }
  ... on Error { message } ... on ValidationError { issues { path message } } } }`;

const SAVE = `mutation($input: SaveMessageTemplateInput!) { saveMessageTemplate(input: $input) { __typename
  ... on MutationSaveMessageTemplateSuccess { saved { template { purposeKey locale purpose } sampleText sampleSubject sampleSmsEncoding sampleSmsSegments } }
  ... on Error { message } ... on ValidationError { issues { path message } } } }`;

let admin: string;
let a: number;
let aT: string;
let down: number; // a's downline member
let bT: string;

beforeAll(async () => {
  admin = await adminToken();
  const root = await enroll(admin, null);
  a = await enroll(admin, root, { firstName: 'Jens', lastName: 'Hansen' });
  down = await enroll(admin, a);
  const b = await enroll(admin, root);
  [aT, bT] = await Promise.all([distributorToken(a), distributorToken(b)]);
});
// The company's default quiet hours: the settings test below reads them back.
beforeEach(() =>
  setProviders({ sms: 'TWILIO', email: 'RESEND', quietHours: { start: '21:00', end: '08:00' } }),
);

async function customer(token: string, extra: Record<string, unknown> = {}): Promise<string> {
  return globalId('Customer', await createCustomer(token, extra));
}
const sendAs = async (token: string, input: Record<string, unknown>) =>
  (await gqlOk(SEND, { input }, token)).sendMessage;

async function state(): Promise<string> {
  const rows = await env.DB.batch(
    ['message_outbox', 'activity', 'message_consent'].map((t) =>
      env.DB.prepare(`SELECT * FROM ${t} ORDER BY 1`),
    ),
  );
  return JSON.stringify(rows.map((r) => r.results));
}

async function settled(id: number): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const s = await env.DB.prepare('SELECT status FROM message_outbox WHERE id = ?')
      .bind(id)
      .first<string>('status');
    if (s !== 'QUEUED' && s !== 'SENDING') return s!;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the message never left the queue');
}

describe('sendMessage', () => {
  it('a distributor texts their own lead: E.164 from the national number, history written, sent once through the queue', async () => {
    const phone = uniquePhone();
    const now = new Date().toISOString();
    const lead = await env.DB.prepare(
      `INSERT INTO lead (source, external_id, full_name, phone, country_code, assigned_distributor_id, created_at, updated_at)
       VALUES ('GENERIC', ?, 'Karen Kunde', ?, 'DK', ?, ?, ?) RETURNING id`,
    )
      .bind(
        `msg-${Math.random()}`,
        `${phone.slice(3, 5)} ${phone.slice(5, 7)} ${phone.slice(7)}` /* national, as typed */,
        a,
        now,
        now,
      )
      .first<number>('id');
    const id = globalId('Lead', lead!);
    const r = await sendAs(aT, {
      recipientId: id,
      channel: 'SMS',
      purpose: 'TRANSACTIONAL',
      text: 'Hej Karen, din pakke er på vej.',
    });
    expect(r.__typename).toBe('MutationSendMessageSuccess');
    expect(r.outboxMessage).toMatchObject({
      status: 'QUEUED',
      address: phone,
      channel: 'SMS',
      smsEncoding: 'GSM7',
      smsSegments: 1,
      recipient: { __typename: 'Lead' },
    });
    const history = await env.DB.prepare(
      "SELECT kind, body, author FROM activity WHERE subject_type = 'LEAD' AND subject_id = ?",
    )
      .bind(lead)
      .all();
    expect(history.results).toEqual([
      { kind: 'SMS', body: `SMS to ${phone}\n\nHej Karen, din pakke er på vej.`, author: `distributor:${a}` },
    ]);
    expect(await settled(localId(r.outboxMessage.id))).toBe('SENT');
    expect(await twilioAccepted(phone)).toHaveLength(1);
  });

  it('someone else’s customer, a downline member or a missing person: typed errors, nothing written', async () => {
    const theirs = await customer(bT, { phone: '+4520123456' });
    const before = await state();
    const other = await sendAs(aT, {
      recipientId: theirs,
      channel: 'SMS',
      purpose: 'TRANSACTIONAL',
      text: 'Hej',
    });
    expect(other.__typename).toBe('ForbiddenError');
    const member = await sendAs(aT, {
      recipientId: gid(down),
      channel: 'SMS',
      purpose: 'TRANSACTIONAL',
      text: 'Hej',
    });
    expect(member.__typename).toBe('ForbiddenError');
    const missing = await sendAs(aT, {
      recipientId: globalId('Customer', 999_999),
      channel: 'SMS',
      purpose: 'TRANSACTIONAL',
      text: 'Hej',
    });
    expect(missing.__typename).toBe('NotFoundError');
    expect(await state()).toBe(before);
  });

  it('marketing needs consent for the channel: refused without, sent with, refused again after withdrawal', async () => {
    const without = await customer(aT, { phone: uniquePhone() });
    const before = await state();
    const refused = await sendAs(aT, {
      recipientId: without,
      channel: 'SMS',
      purpose: 'MARKETING',
      text: 'Tilbud: 20 % i dag',
    });
    expect(refused.__typename).toBe('ForbiddenError');
    expect(refused.message).toContain('consented');
    expect(await state()).toBe(before);

    const consenting = await customer(aT, {
      phone: uniquePhone(),
      consent: { sms: true, email: false, source: 'signup form' },
    });
    expect(
      await sendAs(aT, {
        recipientId: consenting,
        channel: 'SMS',
        purpose: 'MARKETING',
        text: 'Tilbud: 20 % i dag',
      }),
    ).toMatchObject({ __typename: 'MutationSendMessageSuccess' });
    await env.DB.prepare(
      `INSERT INTO message_consent (subject_type, subject_id, channel, action, source, recorded_by, recorded_at)
       VALUES ('CUSTOMER', ?, 'SMS', 'WITHDRAWN', 'sms:STOP', 'system', ?)`,
    )
      .bind(localId(consenting), new Date().toISOString())
      .run();
    const again = await sendAs(aT, {
      recipientId: consenting,
      channel: 'SMS',
      purpose: 'MARKETING',
      text: 'Tilbud',
    });
    expect(again.__typename, JSON.stringify(again)).toBe('ForbiddenError');
  });

  it('a suppressed address is recorded as SUPPRESSED and never sent; no contact is recorded', async () => {
    const phone = uniquePhone();
    await env.DB.prepare(
      "INSERT INTO message_suppression (channel, address, reason, created_at) VALUES ('SMS', ?, 'OPT_OUT', ?)",
    )
      .bind(phone, new Date().toISOString())
      .run();
    const id = await customer(aT, { phone });
    const r = await sendAs(aT, { recipientId: id, channel: 'SMS', purpose: 'TRANSACTIONAL', text: 'Hej' });
    expect(r.outboxMessage.status).toBe('SUPPRESSED');
    expect(
      await env.DB.prepare(
        "SELECT count(*) AS n FROM activity WHERE subject_type = 'CUSTOMER' AND subject_id = ?",
      )
        .bind(localId(id))
        .first('n'),
    ).toBe(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(await twilioAccepted(phone)).toEqual([]);
    expect(await settled(localId(r.outboxMessage.id))).toBe('SUPPRESSED');
  });

  it('bad input is a ValidationError and writes nothing', async () => {
    const noPhone = await customer(aT, { email: uniqueEmail() });
    const landline = await customer(aT, { phone: '+49 30 12345678', country: 'DE' });
    const ok = await customer(aT, { phone: uniquePhone(), email: uniqueEmail() });
    const before = await state();
    const cases: [Record<string, unknown>, string][] = [
      [{ recipientId: noPhone, channel: 'SMS', purpose: 'TRANSACTIONAL', text: 'Hej' }, 'recipientId'],
      [{ recipientId: landline, channel: 'SMS', purpose: 'TRANSACTIONAL', text: 'Hej' }, 'recipientId'],
      [{ recipientId: ok, channel: 'SMS', text: 'Hej' }, 'purpose'],
      [
        { recipientId: ok, channel: 'SMS', purpose: 'TRANSACTIONAL', text: 'Hej', templateKey: 'PERSONAL' },
        'text',
      ],
      [{ recipientId: ok, channel: 'EMAIL', purpose: 'TRANSACTIONAL', text: 'Hej' }, 'subject'],
      [{ recipientId: ok, channel: 'SMS', purpose: 'TRANSACTIONAL', text: 'ł'.repeat(67 * 10 + 1) }, 'body'],
      [{ recipientId: ok, channel: 'SMS', templateKey: 'ORDER_PAID' }, 'templateKey'],
    ];
    for (const [input, path] of cases) {
      const r = await sendAs(aT, input);
      expect(r.__typename, JSON.stringify(input).slice(0, 80)).toBe('ValidationError');
      expect(r.issues.map((i: { path: string }) => i.path)).toContain(path);
    }
    expect(await state()).toBe(before);
  });
});

describe('templates', () => {
  it('staff save a template only if it compiles and uses its purpose’s variables; the sample shows SMS encoding', async () => {
    const unknown = (
      await gqlOk(
        SAVE,
        {
          input: {
            purposeKey: 'PERSONAL',
            channel: 'SMS',
            locale: 'pl',
            body: 'Cześć {{ recipient.firstName }}, {{ order.total }}',
          },
        },
        admin,
      )
    ).saveMessageTemplate;
    expect(unknown.__typename).toBe('ValidationError');
    expect(unknown.message).toContain('order.total');
    const denied = await gql(
      SAVE,
      { input: { purposeKey: 'PERSONAL', channel: 'SMS', locale: 'pl', body: 'x' } },
      aT,
    );
    expect(denied.errors?.[0].extensions?.code).toBe('FORBIDDEN');

    const saved = (
      await gqlOk(
        SAVE,
        {
          input: {
            purposeKey: 'PERSONAL',
            channel: 'SMS',
            locale: 'pl',
            body: 'Cześć {{ recipient.firstName }}, pozdrawiam {{ distributor.name }}',
          },
        },
        admin,
      )
    ).saveMessageTemplate;
    expect(saved.__typename).toBe('MutationSaveMessageTemplateSuccess');
    expect(saved.saved).toMatchObject({
      template: { purposeKey: 'PERSONAL', locale: 'pl', purpose: 'TRANSACTIONAL' },
      sampleText: 'Cześć Anna, pozdrawiam Jens Hansen',
      sampleSmsEncoding: 'UCS2',
      sampleSmsSegments: 1,
    });
  });

  it('a message from a template is rendered in the person’s locale, else the company default', async () => {
    await gqlOk(
      SAVE,
      {
        input: {
          purposeKey: 'PERSONAL',
          channel: 'EMAIL',
          locale: 'pl',
          subject: 'Wiadomość od {{ distributor.firstName }}',
          body: 'Cześć {{ recipient.firstName }}!',
        },
      },
      admin,
    );
    await gqlOk(
      SAVE,
      {
        input: {
          purposeKey: 'PERSONAL',
          channel: 'EMAIL',
          locale: 'en',
          subject: 'A note from {{ distributor.firstName }}',
          body: 'Hi {{ recipient.firstName }} <3',
        },
      },
      admin,
    );
    const polish = await customer(aT, {
      firstName: 'Łucja',
      email: uniqueEmail(),
      country: 'PL',
      locale: 'pl',
    });
    const german = await customer(aT, {
      firstName: 'Grete',
      email: uniqueEmail(),
      country: 'DE',
      locale: 'de',
    });
    const pl = await sendAs(aT, { recipientId: polish, channel: 'EMAIL', templateKey: 'PERSONAL' });
    expect(pl.outboxMessage).toMatchObject({
      locale: 'pl',
      subject: 'Wiadomość od Jens',
      body: 'Cześć Łucja!',
      purpose: 'TRANSACTIONAL',
    });
    const de = await sendAs(aT, { recipientId: german, channel: 'EMAIL', templateKey: 'PERSONAL' });
    expect(de.outboxMessage).toMatchObject({
      locale: 'en',
      subject: 'A note from Jens',
      body: 'Hi Grete <3',
    });
    const html = await env.DB.prepare('SELECT html FROM message_outbox WHERE id = ?')
      .bind(localId(de.outboxMessage.id))
      .first<string>('html');
    expect(html).toContain('<p>Hi Grete &lt;3</p>');
  });

  it('every seeded template compiles, uses only its purpose’s variables and renders in its locale', async () => {
    const { results } = await env.DB.prepare(
      "SELECT * FROM message_template WHERE updated_by = 'seed'",
    ).all<any>();
    expect(results.length).toBe(36);
    for (const t of results) {
      const r = (
        await gqlOk(
          SAVE,
          {
            input: {
              purposeKey: t.purpose_key,
              channel: t.channel,
              locale: t.locale,
              subject: t.subject,
              body: t.body,
              html: t.html,
            },
          },
          admin,
        )
      ).saveMessageTemplate;
      expect(r.__typename, `${t.purpose_key} ${t.channel} ${t.locale}`).toBe(
        'MutationSaveMessageTemplateSuccess',
      );
      if (t.channel === 'SMS') {
        expect(r.saved.sampleSmsEncoding, `${t.purpose_key} ${t.locale}`).toBe(
          t.locale === 'pl' ? 'UCS2' : 'GSM7',
        );
        expect(r.saved.sampleSmsSegments).toBeLessThanOrEqual(3);
      }
    }
  });
});

describe('previewMessage', () => {
  const PREVIEW = `query($input: SendMessageInput!) { previewMessage(input: $input) {
    channel purpose locale address subject text smsEncoding smsSegments smsCharacters smsNonGsmCharacters marketingConsent suppressed } }`;

  it('renders for a real recipient with the SMS encoding and segments, writes nothing, and keeps the access rule', async () => {
    const polish = await customer(aT, {
      firstName: 'Zofia',
      phone: '+48 512 345 678',
      country: 'PL',
      locale: 'pl',
    });
    const before = await state();
    const p = (
      await gqlOk(
        PREVIEW,
        {
          input: {
            recipientId: polish,
            channel: 'SMS',
            purpose: 'MARKETING',
            text: 'Cześć Zofia, mamy dla Ciebie nowość!',
          },
        },
        aT,
      )
    ).previewMessage;
    expect(p).toMatchObject({
      channel: 'SMS',
      purpose: 'MARKETING',
      locale: 'pl',
      address: '+48512345678',
      smsEncoding: 'UCS2',
      marketingConsent: false,
      suppressed: false,
    });
    // ś ć from the text, ę from the appended "Wypisz się".
    expect(p.smsNonGsmCharacters).toEqual(['ś', 'ć', 'ę']);
    // The appended unsubscribe line is part of what is counted.
    expect(p.text).toMatch(/\nWypisz się: https:\/\/crm\.example\.test\/u\/\S+$/);
    expect(p.smsCharacters).toBe([...p.text].length);
    expect(p.smsSegments).toBe(Math.ceil(p.smsCharacters / 67));
    expect(await state()).toBe(before);

    const theirs = await customer(bT, { phone: '+4520123456' });
    const denied = await gql(
      PREVIEW,
      { input: { recipientId: theirs, channel: 'SMS', purpose: 'TRANSACTIONAL', text: 'Hej' } },
      aT,
    );
    expect(denied.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
});

describe('messaging settings', () => {
  const UPDATE = `mutation($input: UpdateMessagingSettingsInput!) { updateMessagingSettings(input: $input) { __typename
    ... on MutationUpdateMessagingSettingsSuccess { settings { defaultLocale smsProvider emailProvider smsSender emailFrom
      quietHoursStart quietHoursEnd marketingDailyLimit } }
    ... on ValidationError { issues { path message } } ... on Error { message } } }`;

  it('staff pick the provider per channel and the senders; bad values are refused with nothing changed', async () => {
    const ok = (
      await gqlOk(
        UPDATE,
        {
          input: {
            smsProvider: 'GATEWAYAPI',
            emailProvider: 'CLOUDFLARE',
            smsSender: 'Vitalis',
            emailFrom: 'Vitalis <hej@vitalis.example>',
            quietHoursStart: '20:30',
            defaultLocale: 'da',
          },
        },
        admin,
      )
    ).updateMessagingSettings;
    expect(ok.settings).toMatchObject({
      smsProvider: 'GATEWAYAPI',
      emailProvider: 'CLOUDFLARE',
      smsSender: 'Vitalis',
      emailFrom: 'Vitalis <hej@vitalis.example>',
      quietHoursStart: '20:30',
      quietHoursEnd: '08:00',
      defaultLocale: 'da',
    });
    const number = (await gqlOk(UPDATE, { input: { smsSender: '+45 70 12 34 56' } }, admin))
      .updateMessagingSettings;
    expect(number.settings.smsSender).toBe('+4570123456');
    const before = await env.DB.prepare('SELECT * FROM messaging_settings').first();
    const bad = (
      await gqlOk(
        UPDATE,
        {
          input: {
            smsSender: 'A sender far too long',
            emailFrom: 'not an address',
            quietHoursEnd: '25:00',
            marketingDailyLimit: -1,
          },
        },
        admin,
      )
    ).updateMessagingSettings;
    expect(bad.__typename).toBe('ValidationError');
    expect(bad.issues.map((i: { path: string }) => i.path).sort()).toEqual([
      'emailFrom',
      'marketingDailyLimit',
      'quietHoursEnd',
      'smsSender',
    ]);
    expect(await env.DB.prepare('SELECT * FROM messaging_settings').first()).toEqual(before);
    const denied = await gql(UPDATE, { input: { smsProvider: 'TWILIO' } }, aT);
    expect(denied.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('free text with bidirectional-override characters is refused', async () => {
    const id = await customer(aT, { phone: uniquePhone() });
    const r = await sendAs(aT, {
      recipientId: id,
      channel: 'SMS',
      purpose: 'TRANSACTIONAL',
      text: 'Betal her: \u202Egnp.exe',
    });
    expect(r.__typename).toBe('ValidationError');
    expect(r.issues[0].path).toBe('text');
  });
});

describe('the thread on a person', () => {
  const THREAD = `query($id: ID!) { messages(subjectId: $id, first: 10) { edges { node { id status channel body } } } }`;
  const NODE = `query($id: ID!) { node(id: $id) { __typename ... on OutboxMessage { id body } } }`;

  it('the owner and staff see the messages to a person, newest first; another distributor sees neither list nor node', async () => {
    const id = await customer(aT, { phone: uniquePhone() });
    const first = await sendAs(aT, {
      recipientId: id,
      channel: 'SMS',
      purpose: 'TRANSACTIONAL',
      text: 'Første',
    });
    const second = await sendAs(aT, {
      recipientId: id,
      channel: 'SMS',
      purpose: 'TRANSACTIONAL',
      text: 'Anden',
    });
    const mine = (await gqlOk(THREAD, { id }, aT)).messages.edges.map((e: any) => e.node);
    expect(mine.map((m: any) => m.id)).toEqual([second.outboxMessage.id, first.outboxMessage.id]);
    expect(mine.map((m: any) => m.body)).toEqual(['Anden', 'Første']);
    expect((await gqlOk(THREAD, { id }, admin)).messages.edges).toHaveLength(2);
    const theirs = await gql(THREAD, { id }, bT);
    expect(theirs.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect((await gqlOk(NODE, { id: first.outboxMessage.id }, aT)).node).toEqual({
      __typename: 'OutboxMessage',
      id: first.outboxMessage.id,
      body: 'Første',
    });
    expect((await gqlOk(NODE, { id: first.outboxMessage.id }, bT)).node).toBeNull();
  });
});
