// The consent history: every grant and withdrawal (customer form and staff edit, the unsubscribe page, STOP
// and START by SMS) with channel, purpose, source, the text shown and the time, on the person in GraphQL.
import { env, SELF } from 'cloudflare:test';
import { beforeAll, expect, it } from 'vitest';
import { unsubscribeToken } from '../../src/modules/messaging/unsubscribe';
import { adminToken, distributorToken, enroll, globalId, gqlOk } from '../helpers';
import { postTwilio, queuedMessage, setProviders, twilioCallback, uniquePhone } from '../messaging/helpers';
import { createCustomer } from '../orders/helpers';

const HISTORY = `query($id: ID!) { node(id: $id) { ... on Customer {
  consentHistory { channel action purpose source textShown recordedBy recordedAt } } } }`;

let token: string;
beforeAll(async () => {
  const admin = await adminToken();
  token = await distributorToken(await enroll(admin, await enroll(admin, null)));
  await setProviders({ sms: 'TWILIO', email: 'RESEND' });
});

const history = async (id: number) =>
  (await gqlOk(HISTORY, { id: globalId('Customer', id) }, token)).node.consentHistory.map((c: any) => {
    expect(Date.parse(c.recordedAt)).not.toBeNaN();
    const { recordedAt: _t, ...rest } = c;
    return rest;
  });

it('records every grant and withdrawal, whatever path changed it', async () => {
  const phone = uniquePhone();
  const id = await createCustomer(token, {
    phone,
    consent: { email: true, sms: false, source: 'form:signup' },
  });
  const base = { purpose: 'MARKETING', recordedBy: 'customer record' };
  expect(await history(id)).toEqual([
    { channel: 'EMAIL', action: 'GRANTED', source: 'form:signup', textShown: null, ...base },
  ]);

  // A staff edit (or the owner's) that changes the consent columns: each change is a row.
  const u = await gqlOk(
    `mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { __typename ... on Error { message } } }`,
    { input: { id: globalId('Customer', id), consent: { email: false, sms: true, source: 'phone call' } } },
    token,
  );
  expect(u.updateCustomer.__typename).toBe('MutationUpdateCustomerSuccess');
  // An edit that leaves the consent as it is adds nothing.
  await gqlOk(
    `mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { __typename } }`,
    { input: { id: globalId('Customer', id), notes: 'Prefers SMS' } },
    token,
  );
  const afterEdit = [
    { channel: 'EMAIL', action: 'GRANTED', source: 'form:signup', textShown: null, ...base },
    { channel: 'EMAIL', action: 'WITHDRAWN', source: 'phone call', textShown: null, ...base },
    { channel: 'SMS', action: 'GRANTED', source: 'phone call', textShown: null, ...base },
  ];
  expect(await history(id)).toEqual(afterEdit);

  // The unsubscribe page keeps the question and button the person saw.
  const t = await unsubscribeToken(env.JWT_SECRET, { channel: 'SMS', type: 'CUSTOMER', id, locale: 'en' });
  expect((await SELF.fetch(`http://localhost/u/${t}`, { method: 'POST' })).status).toBe(200);
  const unsubscribed = {
    channel: 'SMS',
    action: 'WITHDRAWN',
    purpose: 'MARKETING',
    source: 'unsubscribe-link',
    textShown: 'Do you want to stop receiving marketing by SMS? [Yes, unsubscribe me]',
    recordedBy: 'recipient',
  };
  expect(await history(id)).toEqual([...afterEdit, unsubscribed]);

  // START by SMS from their number grants it again, with what they wrote.
  await queuedMessage({ channel: 'SMS', address: phone, recipientId: id });
  const signed = await twilioCallback(
    {
      MessageSid: `SM${crypto.randomUUID().replace(/-/g, '')}`,
      From: phone,
      To: '+4570000000',
      Body: 'START',
      NumSegments: '1',
    },
    undefined,
    '/webhooks/messaging/twilio/inbound',
  );
  expect((await postTwilio(signed.body, signed.signature, '/webhooks/messaging/twilio/inbound')).status).toBe(
    200,
  );
  expect((await history(id)).at(-1)).toEqual({
    channel: 'SMS',
    action: 'GRANTED',
    purpose: 'MARKETING',
    source: 'sms:START',
    textShown: 'START',
    recordedBy: 'recipient',
  });
});
