import { env } from 'cloudflare:test';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { changeBroadcast, fanOutBroadcast } from '../../src/modules/messaging/broadcasts';
import { adminToken, distributorToken, enroll, gql, gqlOk, localId } from '../helpers';
import { createCustomer } from '../orders/helpers';
import { setProviders, twilioAccepted } from './helpers';

// Staff broadcasts: a dry run that counts first, the fan-out through the real queue, chunks that advance
// a guarded cursor (a repeated or concurrent chunk writes nothing twice), pause, resume and cancel.

const DRY = `query($input: BroadcastInput!) { broadcastDryRun(input: $input) { recipients withoutAddress withoutConsent suppressed sendable } }`;
const START = `mutation($input: BroadcastInput!) { startBroadcast(input: $input) { __typename
  ... on MutationStartBroadcastSuccess { broadcast { id status } } ... on ValidationError { issues { path } } ... on Error { message } } }`;
const GET = `query($id: ID!) { node(id: $id) { ... on Broadcast { status queued suppressed skipped finishedAt } } }`;

let admin: string;
let a: number;
let aT: string;
beforeAll(async () => {
  admin = await adminToken();
  a = await enroll(admin, await enroll(admin, null));
  aT = await distributorToken(a);
});
beforeEach(() => setProviders({ sms: 'TWILIO', email: 'RESEND' }));

const seMobile = () => `+4670${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
const consent = { sms: true, email: false, source: 'shop' };

async function until<T>(read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await read();
    if (done(v)) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out');
}

describe('broadcasts', () => {
  it('a dry run counts, then the real queue fans out: one message per sendable recipient, suppressed recorded, others skipped', async () => {
    // Norway is this test's segment.
    const no = () => `+479${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    const sendable = [
      await createCustomer(aT, { phone: no(), country: 'NO', locale: 'en', consent }),
      await createCustomer(aT, { phone: no(), country: 'NO', locale: 'en', consent }),
    ];
    const blocked = no();
    await env.DB.prepare(
      "INSERT INTO message_suppression (channel, address, reason, created_at) VALUES ('SMS', ?, 'OPT_OUT', ?)",
    )
      .bind(blocked, new Date().toISOString())
      .run();
    await createCustomer(aT, { phone: blocked, country: 'NO', locale: 'en', consent });
    await createCustomer(aT, { country: 'NO', locale: 'en', consent }); // no phone
    await createCustomer(aT, { phone: no(), country: 'NO', locale: 'en' }); // no consent
    const input = {
      name: 'Spring offer NO',
      channel: 'SMS',
      purpose: 'MARKETING',
      text: 'Spring offer: 20% off today',
      segment: { kind: 'CUSTOMERS', country: 'NO' },
    };
    expect((await gqlOk(DRY, { input }, admin)).broadcastDryRun).toEqual({
      recipients: 5,
      withoutAddress: 1,
      withoutConsent: 1,
      suppressed: 1,
      sendable: 2,
    });
    expect((await gql(DRY, { input }, aT)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await gql(START, { input }, aT)).errors?.[0].extensions?.code).toBe('FORBIDDEN');

    const started = (await gqlOk(START, { input }, admin)).startBroadcast;
    expect(started.broadcast.status).toBe('RUNNING');
    const done = await until(
      async () => (await gqlOk(GET, { id: started.broadcast.id }, admin)).node,
      (b) => b.status === 'DONE',
    );
    expect(done).toMatchObject({ queued: 2, suppressed: 1, skipped: 2 });
    const rows = await env.DB.prepare(
      'SELECT recipient_id, status, body FROM message_outbox WHERE idempotency_key LIKE ? ORDER BY recipient_id',
    )
      .bind(`broadcast:${localId(started.broadcast.id)}:%`)
      .all<{ recipient_id: number; status: string; body: string }>();
    expect(rows.results.filter((r) => r.status !== 'SUPPRESSED').map((r) => r.recipient_id)).toEqual(
      sendable,
    );
    expect(
      rows.results.every((r) => /\nUnsubscribe: https:\/\/crm\.example\.test\/u\/\S+$/.test(r.body)),
    ).toBe(true);
    for (const id of sendable) {
      const phone = await env.DB.prepare('SELECT phone FROM customer WHERE id = ?')
        .bind(id)
        .first<string>('phone');
      await until(
        () => twilioAccepted(phone!),
        (m) => m.length > 0,
      );
      expect(await twilioAccepted(phone!)).toHaveLength(1);
    }
    expect(await twilioAccepted(blocked)).toEqual([]);
  });

  it('chunks advance a guarded cursor: concurrent runs of a chunk write it once; pause stops, resume continues, cancel ends', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 5; i++)
      ids.push(await createCustomer(aT, { phone: seMobile(), country: 'SE', locale: 'en' }));
    const now = new Date().toISOString();
    const id = (await env.DB.prepare(
      `INSERT INTO message_broadcast (name, channel, purpose, body, segment, created_by, created_at, updated_at)
       VALUES ('Info SE', 'SMS', 'TRANSACTIONAL', 'Our shop is closed on Friday.', ?, 'staff:1', ?, ?) RETURNING id`,
    )
      .bind(JSON.stringify({ kind: 'CUSTOMERS', country: 'SE' }), now, now)
      .first<number>('id'))!;
    const sent: { kind: string }[] = [];
    const jobs = {
      send: async (b: { kind: string }) => void sent.push(b),
      sendBatch: async (b: { body: { kind: string } }[]) => void sent.push(...b.map((m) => m.body)),
    };
    const capturing = {
      ...env,
      JOBS: jobs as unknown as typeof env.JOBS,
      OUTBOX: jobs as unknown as typeof env.OUTBOX,
    };
    const rows = async () =>
      (await env.DB.prepare('SELECT count(*) AS n FROM message_outbox WHERE idempotency_key LIKE ?')
        .bind(`broadcast:${id}:%`)
        .first<number>('n'))!;

    await Promise.all([fanOutBroadcast(capturing, id, 2), fanOutBroadcast(capturing, id, 2)]);
    expect(await rows()).toBe(2);
    expect(sent.filter((j) => j.kind === 'outbox.send')).toHaveLength(2);
    expect(sent.filter((j) => j.kind === 'broadcast.fanout')).toHaveLength(1);

    await changeBroadcast(capturing, { kind: 'ADMIN', staffId: 1 }, id, 'pause');
    await fanOutBroadcast(capturing, id, 2);
    expect(await rows()).toBe(2);
    await expect(changeBroadcast(capturing, { kind: 'ADMIN', staffId: 1 }, id, 'pause')).rejects.toThrow(
      /paused broadcast/,
    );
    await changeBroadcast(capturing, { kind: 'ADMIN', staffId: 1 }, id, 'resume');
    await fanOutBroadcast(capturing, id, 2);
    await fanOutBroadcast(capturing, id, 2);
    await fanOutBroadcast(capturing, id, 2); // finds nobody after the last: DONE
    expect(await rows()).toBe(5);
    const b = await env.DB.prepare('SELECT status, queued, cursor FROM message_broadcast WHERE id = ?')
      .bind(id)
      .first();
    expect(b).toEqual({ status: 'DONE', queued: 5, cursor: ids[4] });
    await expect(changeBroadcast(capturing, { kind: 'ADMIN', staffId: 1 }, id, 'cancel')).rejects.toThrow(
      /done broadcast/,
    );
    await expect(
      changeBroadcast(
        capturing,
        { kind: 'DISTRIBUTOR', distributorId: 1, sponsorPath: '', placementPath: '', sponsorId: null },
        id,
        'cancel',
      ),
    ).rejects.toThrow(/staff/);

    // A cancelled broadcast writes nothing more.
    const other = (await env.DB.prepare(
      `INSERT INTO message_broadcast (name, channel, purpose, body, segment, created_by, created_at, updated_at)
       VALUES ('Info SE 2', 'SMS', 'TRANSACTIONAL', 'Hi', ?, 'staff:1', ?, ?) RETURNING id`,
    )
      .bind(JSON.stringify({ kind: 'CUSTOMERS', country: 'SE' }), now, now)
      .first<number>('id'))!;
    await changeBroadcast(capturing, { kind: 'ADMIN', staffId: 1 }, other, 'cancel');
    await fanOutBroadcast(capturing, other, 2);
    expect(
      await env.DB.prepare('SELECT count(*) AS n FROM message_outbox WHERE idempotency_key LIKE ?')
        .bind(`broadcast:${other}:%`)
        .first('n'),
    ).toBe(0);
  });

  it('bad input is a ValidationError and starts nothing', async () => {
    const before = await env.DB.prepare('SELECT count(*) AS n FROM message_broadcast').first('n');
    const bad = (
      await gqlOk(
        START,
        {
          input: {
            name: 'x',
            channel: 'EMAIL',
            purpose: 'MARKETING',
            text: 'Hi',
            segment: { kind: 'LEADS', dormant: true },
          },
        },
        admin,
      )
    ).startBroadcast;
    expect(bad.__typename).toBe('ValidationError');
    expect(bad.issues.map((i: { path: string }) => i.path).sort()).toEqual(['segment.dormant', 'subject']);
    expect(await env.DB.prepare('SELECT count(*) AS n FROM message_broadcast').first('n')).toBe(before);
  });
});

const SAVE = `mutation($input: SaveMessageTemplateInput!) { saveMessageTemplate(input: $input) { __typename ... on Error { message } } }`;
const SETTINGS = `mutation($input: UpdateMessagingSettingsInput!) { updateMessagingSettings(input: $input) { __typename ... on Error { message } } }`;

describe('broadcasts from a template', () => {
  it('renders per recipient in their locale (else the default), with their names, the owner’s shop link and the unsubscribe link', async () => {
    for (const [locale, body] of [
      ['en', 'Hi {{ recipient.firstName }}, news from {{ distributor.firstName }}: {{ shopUrl }}'],
      [
        'da',
        'Hej {{ recipient.firstName }}, nyt fra {{ distributor.firstName }}: {{ shopUrl }} Afmeld: {{ unsubscribeUrl }}',
      ],
    ])
      expect(
        (await gqlOk(SAVE, { input: { purposeKey: 'PROMOTION', channel: 'SMS', locale, body } }, admin))
          .saveMessageTemplate.__typename,
      ).toBe('MutationSaveMessageTemplateSuccess');
    const input = {
      name: 'Template FI',
      channel: 'SMS',
      templateKey: 'PROMOTION',
      segment: { kind: 'CUSTOMERS', country: 'FI' },
    };
    // No shop link configured: the template cannot render, nothing starts.
    const refused = (await gqlOk(START, { input }, admin)).startBroadcast;
    expect(refused.__typename).toBe('ValidationError');
    expect(refused.message).toContain('shopUrl');
    expect(
      (await gqlOk(SETTINGS, { input: { shopUrl: 'https://shop.example.test/{referralCode}' } }, admin))
        .updateMessagingSettings.__typename,
    ).toBe('MutationUpdateMessagingSettingsSuccess');

    const fi = () => `+35840${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    const dane = await createCustomer(aT, {
      firstName: 'Mette',
      phone: fi(),
      country: 'FI',
      locale: 'da',
      consent,
    });
    const german = await createCustomer(aT, {
      firstName: 'Jonas',
      phone: fi(),
      country: 'FI',
      locale: 'de',
      consent,
    });
    await createCustomer(aT, { firstName: 'Nils', phone: fi(), country: 'FI', locale: 'en' }); // no consent
    // Marketing: the template's purpose; a text purpose that contradicts it is refused.
    const contradicting = (await gqlOk(START, { input: { ...input, purpose: 'TRANSACTIONAL' } }, admin))
      .startBroadcast;
    expect(contradicting.__typename).toBe('ValidationError');
    expect((await gqlOk(DRY, { input }, admin)).broadcastDryRun).toMatchObject({
      recipients: 3,
      withoutConsent: 1,
      sendable: 2,
    });

    const started = (await gqlOk(START, { input }, admin)).startBroadcast;
    expect(started.__typename).toBe('MutationStartBroadcastSuccess');
    await until(
      async () => (await gqlOk(GET, { id: started.broadcast.id }, admin)).node,
      (b) => b.status === 'DONE',
    );
    const code = await env.DB.prepare('SELECT referral_code FROM distributor WHERE id = ?')
      .bind(a)
      .first<string>('referral_code');
    const owner = await env.DB.prepare('SELECT first_name FROM distributor WHERE id = ?')
      .bind(a)
      .first<string>('first_name');
    const rows = (
      await env.DB.prepare(
        'SELECT recipient_id, locale, template_key, purpose, body FROM message_outbox WHERE idempotency_key LIKE ? ORDER BY recipient_id',
      )
        .bind(`broadcast:${localId(started.broadcast.id)}:%`)
        .all<{ recipient_id: number; locale: string; template_key: string; purpose: string; body: string }>()
    ).results;
    expect(rows.map((r) => [r.recipient_id, r.locale, r.template_key, r.purpose])).toEqual([
      [dane, 'da', 'PROMOTION', 'MARKETING'],
      [german, 'en', 'PROMOTION', 'MARKETING'], // no German template: the default locale's
    ]);
    const shop = `https://shop.example.test/${encodeURIComponent(code!)}`;
    // The Danish template places the unsubscribe link itself; the English one gets it appended.
    expect(rows[0].body).toMatch(
      new RegExp(
        `^Hej Mette, nyt fra ${owner}: ${shop.replace(/[.?]/g, '\\$&')} Afmeld: https://crm\\.example\\.test/u/\\S+$`,
      ),
    );
    expect(rows[1].body).toMatch(
      new RegExp(
        `^Hi Jonas, news from ${owner}: ${shop.replace(/[.?]/g, '\\$&')}\\nUnsubscribe: https://crm\\.example\\.test/u/\\S+$`,
      ),
    );
    const phone = await env.DB.prepare('SELECT phone FROM customer WHERE id = ?')
      .bind(dane)
      .first<string>('phone');
    const accepted = await until(
      () => twilioAccepted(phone!),
      (m) => m.length > 0,
    );
    expect(accepted.map((m) => m.body)).toEqual([rows[0].body]);
  });

  it('a template and a text together, or neither, is refused', async () => {
    for (const extra of [{ text: 'Hi', templateKey: 'PROMOTION' }, {}]) {
      const r = (
        await gqlOk(
          START,
          {
            input: {
              name: 'x',
              channel: 'SMS',
              purpose: 'MARKETING',
              segment: { kind: 'CUSTOMERS' },
              ...extra,
            },
          },
          admin,
        )
      ).startBroadcast;
      expect(r.__typename).toBe('ValidationError');
      expect(r.issues.map((i: { path: string }) => i.path)).toContain('text');
    }
  });
});
