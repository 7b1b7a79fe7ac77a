import { env } from 'cloudflare:test';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runDormantMembers } from '../../src/modules/crm/rules/dormant';
import { adminToken, distributorToken, enroll, gid, globalId, gql, gqlOk, localId } from '../helpers';
import { leadRow, post, setSource, waitForIntake } from '../leads/helpers';
import { postTwilio, setProviders, twilioCallback, uniquePhone } from '../messaging/helpers';
import { createCustomer, createProduct, order, pay } from '../orders/helpers';
import { notificationsOf, rows } from './helpers';

// Issue 12 §7: in-app notifications, written by the module that knows the event in the event's own batch,
// read by their distributor only.

let admin: string;
let root: number;
let a: number;
let aT: string;
let b: number;
let bT: string;
let product: number;

const MARK = `mutation($input: MarkNotificationsReadInput!) { markNotificationsRead(input: $input) { __typename
  ... on MutationMarkNotificationsReadSuccess { result { marked unreadCount } }
  ... on ValidationError { message issues { path message } } ... on Error { message } } }`;

beforeAll(async () => {
  admin = await adminToken();
  root = await enroll(admin, null);
  a = await enroll(admin, root, { firstName: 'Anna' });
  b = await enroll(admin, root);
  [aT, bT] = await Promise.all([distributorToken(a), distributorToken(b)]);
  product = await createProduct(admin, 'NOTE-1');
});

describe('a customer’s order paid', () => {
  it('notifies the customer’s distributor in the payment’s batch, once; a refused payment writes none', async () => {
    const customer = await createCustomer(aT, { firstName: 'Karen', lastName: 'Kunde' });
    const id = await order(aT, [[product, 2]], { customer });
    expect(await rows('subject_type = ? AND subject_id = ?', 'ORDER', String(id))).toEqual([]);
    expect((await pay(admin, id)).__typename).toBe('MutationMarkOrderPaidSuccess');
    const [n] = await rows('subject_type = ? AND subject_id = ?', 'ORDER', String(id));
    expect(n).toMatchObject({ distributor_id: a, kind: 'ORDER_PAID', dedupe_key: `order-paid:${id}` });
    expect(JSON.parse(n.payload)).toEqual({
      customerId: customer,
      customerName: 'Karen Kunde',
      total: 59800,
      currency: 'DKK',
    });
    // Paying again is refused (ConflictError): nothing more is written.
    expect((await pay(admin, id)).__typename).toBe('ConflictError');
    expect(await rows('subject_type = ? AND subject_id = ?', 'ORDER', String(id))).toHaveLength(1);
    // A personal order (no customer) notifies no one.
    const own = await order(aT, [[product, 1]]);
    await pay(admin, own);
    expect(await rows('subject_type = ? AND subject_id = ?', 'ORDER', String(own))).toEqual([]);
    // Seen through the API as the distributor, with the order's global id.
    const seen = (await notificationsOf(aT)).edges.map((e) => e.node);
    expect(seen).toContainEqual(
      expect.objectContaining({
        kind: 'ORDER_PAID',
        subjectType: 'ORDER',
        subjectId: globalId('Order', id),
        read: false,
      }),
    );
  });
});

describe('a new lead assigned', () => {
  it('by the router at intake (once, even when the delivery is processed again) and by staff', async () => {
    const TOKEN = 'notify-token-0123456789';
    await setSource(admin, {
      name: 'notify-web',
      auth: 'TOKEN',
      secret: TOKEN,
      fieldMapping: [{ from: 'id', to: 'EXTERNAL_ID' }],
    });
    const code = await env.DB.prepare('SELECT referral_code FROM distributor WHERE id = ?')
      .bind(b)
      .first<string>('referral_code');
    const res = await post(
      '/webhooks/leads/notify-web',
      JSON.stringify({ id: 'n-1', referral_code: code, full_name: 'Lena Lead' }),
      { authorization: `Bearer ${TOKEN}` },
    );
    expect(res.status).toBe(200);
    expect((await waitForIntake('GENERIC', 'notify-web:n-1')).status).toBe('DONE');
    const lead = await leadRow('GENERIC', 'notify-web:n-1');
    expect(lead.assigned_distributor_id).toBe(b);
    const [n] = await rows('kind = ? AND subject_id = ?', 'LEAD_ASSIGNED', String(lead.id));
    expect(n).toMatchObject({ distributor_id: b, subject_type: 'LEAD' });
    expect(JSON.parse(n.payload)).toMatchObject({ source: 'GENERIC', reason: 'REFERRAL_CODE' });
    // The same delivery again: the lead exists, nothing is assigned or notified twice.
    await post(
      '/webhooks/leads/notify-web',
      JSON.stringify({ id: 'n-1', referral_code: code, full_name: 'Lena Lead' }),
      { authorization: `Bearer ${TOKEN}` },
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(await rows('kind = ? AND subject_id = ?', 'LEAD_ASSIGNED', String(lead.id))).toHaveLength(1);

    // Staff reassign it to a: a hears of it; a refused assignment (a suspended member) writes nothing.
    const ASSIGN = `mutation($input: AssignLeadInput!) { assignLead(input: $input) { __typename ... on Error { message } } }`;
    const leadGid = globalId('Lead', lead.id);
    const ok = await gqlOk(ASSIGN, { input: { id: leadGid, distributorId: gid(a) } }, admin);
    expect(ok.assignLead.__typename).toBe('MutationAssignLeadSuccess');
    const forA = await rows(
      'kind = ? AND subject_id = ? AND distributor_id = ?',
      'LEAD_ASSIGNED',
      String(lead.id),
      a,
    );
    expect(forA).toHaveLength(1);
    expect(JSON.parse(forA[0].payload)).toMatchObject({ reason: 'MANUAL' });
    const suspended = await enroll(admin, root);
    await env.DB.prepare(`UPDATE distributor SET status = 'SUSPENDED' WHERE id = ?`).bind(suspended).run();
    const refused = await gqlOk(ASSIGN, { input: { id: leadGid, distributorId: gid(suspended) } }, admin);
    expect(refused.assignLead.__typename).toBe('ValidationError');
    expect(await rows('distributor_id = ?', suspended)).toEqual([]);
  });
});

describe('a customer gone dormant', () => {
  it('the owner hears once per dormant spell, with the rule’s task', async () => {
    const NOW = new Date('2026-11-22T10:00:00.000Z');
    await gqlOk(
      `mutation { updateCrmRule(input: { rule: DORMANT_MEMBER, enabled: true, n: 3 }) { __typename } }`,
      {},
      admin,
    );
    const customer = await createCustomer(bT, { firstName: 'Sov', lastName: 'Ende' });
    await env.DB.prepare(`UPDATE customer SET created_at = '2026-01-05T10:00:00.000Z' WHERE id = ?`)
      .bind(customer)
      .run();
    await runDormantMembers(env.DB, NOW);
    const mine = await rows('kind = ? AND subject_id = ?', 'CUSTOMER_DORMANT', String(customer));
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ distributor_id: b, subject_type: 'CUSTOMER' });
    expect(JSON.parse(mine[0].payload)).toMatchObject({ customerName: 'Sov Ende', lastActivePeriod: null });
    const task = await env.DB.prepare(
      `SELECT count(*) AS n FROM task WHERE kind = 'DORMANT' AND subject_type = 'CUSTOMER' AND subject_id = ?`,
    )
      .bind(customer)
      .first<number>('n');
    expect(task).toBe(1);
    // The nightly run again: still dormant, no second notification.
    await runDormantMembers(env.DB, NOW);
    expect(await rows('kind = ? AND subject_id = ?', 'CUSTOMER_DORMANT', String(customer))).toHaveLength(1);
  });
});

describe('a reply received', () => {
  beforeEach(() => setProviders({ sms: 'TWILIO', email: 'RESEND' }));

  it('an inbound SMS notifies the owner of the thread, once per message; STOP and forged callbacks do not', async () => {
    const phone = uniquePhone();
    const customer = await createCustomer(aT, { phone, firstName: 'Svar' });
    const sent = await gqlOk(
      `mutation($input: SendMessageInput!) { sendMessage(input: $input) { __typename ... on Error { message } } }`,
      {
        input: {
          recipientId: globalId('Customer', customer),
          channel: 'SMS',
          purpose: 'TRANSACTIONAL',
          text: 'Hej! Din pakke er klar.',
        },
      },
      aT,
    );
    expect(sent.sendMessage.__typename).toBe('MutationSendMessageSuccess');
    const path = '/webhooks/messaging/twilio/inbound';
    const forged = await twilioCallback(
      { MessageSid: 'SMnotifyforged', From: phone, Body: 'Hej' },
      'wrong',
      path,
    );
    expect((await postTwilio(forged.body, forged.signature, path)).status).toBe(403);
    expect(await rows('kind = ? AND subject_id = ?', 'REPLY_RECEIVED', String(customer))).toEqual([]);

    const sid = `SM${crypto.randomUUID().replace(/-/g, '')}`;
    const signed = await twilioCallback(
      { MessageSid: sid, From: phone, To: '+4570000000', Body: 'Tak, super!' },
      undefined,
      path,
    );
    expect((await postTwilio(signed.body, signed.signature, path)).status).toBe(200);
    // Twilio retries the same message: one notification.
    expect((await postTwilio(signed.body, signed.signature, path)).status).toBe(200);
    const n = await rows('kind = ? AND subject_id = ?', 'REPLY_RECEIVED', String(customer));
    expect(n).toHaveLength(1);
    expect(n[0]).toMatchObject({ distributor_id: a, subject_type: 'CUSTOMER', dedupe_key: `reply:${sid}` });
    expect(JSON.parse(n[0].payload)).toMatchObject({ from: phone, text: 'Tak, super!' });
    const stop = await twilioCallback(
      {
        MessageSid: `SM${crypto.randomUUID().replace(/-/g, '')}`,
        From: phone,
        To: '+4570000000',
        Body: 'STOP',
      },
      undefined,
      path,
    );
    expect((await postTwilio(stop.body, stop.signature, path)).status).toBe(200);
    expect(await rows('kind = ? AND subject_id = ?', 'REPLY_RECEIVED', String(customer))).toHaveLength(1);
  });
});

describe('reading and marking', () => {
  it('a distributor sees only their own; staff and others get nothing of theirs', async () => {
    const customer = await createCustomer(bT);
    const id = await order(bT, [[product, 1]], { customer });
    await pay(admin, id);
    const bNotes = (await notificationsOf(bT)).edges.map((e) => e.node);
    expect(bNotes.length).toBeGreaterThan(0);
    const aIds = new Set((await notificationsOf(aT)).edges.map((e) => e.node.id));
    for (const n of bNotes) expect(aIds.has(n.id)).toBe(false);
    // b's notification by id, as a: null; as b: the node.
    const NODE = `query($id: ID!) { node(id: $id) { __typename ... on Notification { kind } } }`;
    expect((await gqlOk(NODE, { id: bNotes[0].id }, aT)).node).toBeNull();
    expect((await gqlOk(NODE, { id: bNotes[0].id }, bT)).node).toMatchObject({ __typename: 'Notification' });
    // a marking b's notification read changes nothing.
    const before = (await notificationsOf(bT)).unreadCount;
    const r = await gqlOk(MARK, { input: { ids: [bNotes[0].id] } }, aT);
    expect(r.markNotificationsRead.result.marked).toBe(0);
    expect((await notificationsOf(bT)).unreadCount).toBe(before);
    // Staff and anonymous callers have no notifications.
    const staff = await gql(`{ notifications { unreadCount } }`, {}, admin);
    expect(staff.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const anonymous = await gql(`{ notifications { unreadCount } }`);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('newest first, unread count, mark some read, then all; bad input writes nothing', async () => {
    const c = await enroll(admin, root);
    const cT = await distributorToken(c);
    const customer = await createCustomer(cT);
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      const id = await order(cT, [[product, 1]], { customer });
      await pay(admin, id);
      ids.push(id);
    }
    const list = await notificationsOf(cT);
    expect(list.unreadCount).toBe(3);
    expect(list.edges.map((e) => e.node.subjectId)).toEqual(ids.reverse().map((id) => globalId('Order', id)));
    const page = await notificationsOf(cT, { first: 1 });
    expect(page.edges).toHaveLength(1);
    expect(page.unreadCount).toBe(3);

    const bad = [{}, { all: true, ids: [list.edges[0].node.id] }, { all: false }];
    for (const input of bad) {
      const r = await gqlOk(MARK, { input }, cT);
      expect(r.markNotificationsRead.__typename).toBe('ValidationError');
    }
    expect((await notificationsOf(cT)).unreadCount).toBe(3);

    const one = await gqlOk(MARK, { input: { ids: [list.edges[0].node.id] } }, cT);
    expect(one.markNotificationsRead.result).toEqual({ marked: 1, unreadCount: 2 });
    const again = await gqlOk(MARK, { input: { ids: [list.edges[0].node.id] } }, cT);
    expect(again.markNotificationsRead.result).toEqual({ marked: 0, unreadCount: 2 });
    const unread = await notificationsOf(cT, { unreadOnly: true });
    expect(unread.edges.map((e) => e.node.id)).toEqual(list.edges.slice(1).map((e) => e.node.id));
    const all = await gqlOk(MARK, { input: { all: true } }, cT);
    expect(all.markNotificationsRead.result).toEqual({ marked: 2, unreadCount: 0 });
    expect((await notificationsOf(cT)).edges.every((e) => e.node.read)).toBe(true);
    expect(localId(list.edges[0].node.id)).toBeGreaterThan(localId(list.edges[2].node.id));
  });
});
