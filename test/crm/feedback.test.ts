import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminToken, distributorToken, enroll, gid, globalId, gql, gqlOk } from '../helpers';
import { createCustomer } from '../orders/helpers';
import { crmState } from './helpers';

let admin: string;
let a: number;
let aT: string;
let b: number;
let bT: string;
let k1: number;
let k2: number;
let kb: number;

const RECORD = `mutation($input: RecordFeedbackInput!) { recordFeedback(input: $input) { __typename
  ... on MutationRecordFeedbackSuccess { feedback { score comment recordedBy orderId customer { firstName } } }
  ... on Error { message } ... on ConflictError { code } ... on ValidationError { issues { path } } } }`;
const SUMMARY = `query($id: ID) { feedbackSummary(distributorId: $id) { responses averageScore promoters passives detractors nps } }`;

async function customerOrder(customer: number, owner: number): Promise<string> {
  const r = await env.DB.prepare(
    `INSERT INTO sales_order (kind, distributor_id, customer_id, status, currency, total, qv, cv, created_by, created_at)
     VALUES ('CUSTOMER', ?, ?, 'PAID', 'DKK', 100, 1, 1, 'test', ?) RETURNING id`,
  )
    .bind(owner, customer, new Date().toISOString())
    .first<{ id: number }>();
  return globalId('Order', r!.id);
}

const record = (token: string, input: Record<string, unknown>) =>
  gqlOk(RECORD, { input }, token).then((d) => d.recordFeedback);

async function apiKey(scopes: string[]): Promise<string> {
  const r = await gqlOk(
    `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { __typename ... on MutationCreateApiKeySuccess { apiKey { key } } ... on Error { message } } }`,
    { input: { name: 'survey tool', scopes } },
    admin,
  );
  return r.createApiKey.apiKey.key;
}

beforeAll(async () => {
  admin = await adminToken();
  const root = await enroll(admin, null);
  a = await enroll(admin, root);
  b = await enroll(admin, root);
  [aT, bT] = await Promise.all([distributorToken(a), distributorToken(b)]);
  k1 = await createCustomer(aT, { firstName: 'Ulla' });
  k2 = await createCustomer(aT, { firstName: 'Vera' });
  kb = await createCustomer(bT, { firstName: 'Bente' });
});

describe('feedback (NPS)', () => {
  it('the owner records scores per order or customer; averages and NPS per distributor and company', async () => {
    const o1 = await customerOrder(k1, a);
    const r = await record(aT, { orderId: o1, score: 10, comment: 'Lovely' });
    expect(r.__typename).toBe('MutationRecordFeedbackSuccess');
    expect(r.feedback).toMatchObject({
      score: 10,
      comment: 'Lovely',
      recordedBy: `distributor:${a}`,
      orderId: o1,
    });
    expect(r.feedback.customer.firstName).toBe('Ulla');
    await record(aT, { customerId: globalId('Customer', k2), score: 9 });
    await record(aT, { customerId: globalId('Customer', k2), score: 7 });
    await record(aT, { customerId: globalId('Customer', k1), score: 3 });
    await record(admin, { customerId: globalId('Customer', kb), score: 0 });
    // a: 10, 9, 7, 3 -> promoters 2, passives 1, detractors 1, NPS (2 - 1) / 4 = 25, average 7.25
    expect((await gqlOk(SUMMARY, {}, aT)).feedbackSummary).toEqual({
      responses: 4,
      averageScore: 7.25,
      promoters: 2,
      passives: 1,
      detractors: 1,
      nps: 25,
    });
    // company: 10, 9, 7, 3, 0 -> (2 - 2) / 5 = 0
    expect((await gqlOk(SUMMARY, {}, admin)).feedbackSummary).toMatchObject({
      responses: 5,
      nps: 0,
      averageScore: 5.8,
    });
    expect((await gqlOk(SUMMARY, { id: gid(b) }, admin)).feedbackSummary).toMatchObject({
      responses: 1,
      nps: -100,
    });
    // nobody yet
    const c = await enroll(admin, a);
    expect((await gqlOk(SUMMARY, { id: gid(c) }, admin)).feedbackSummary).toMatchObject({
      responses: 0,
      nps: null,
      averageScore: null,
    });
  });

  it('refusals are typed and write nothing', async () => {
    const o = await customerOrder(k1, a);
    await record(aT, { orderId: o, score: 8 });
    const before = await crmState();
    expect((await record(aT, { orderId: o, score: 9 })).code).toBe('FEEDBACK_EXISTS');
    expect((await record(bT, { customerId: globalId('Customer', k1), score: 5 })).__typename).toBe(
      'NotFoundError',
    );
    expect((await record(aT, { customerId: globalId('Customer', k1), score: 11 })).__typename).toBe(
      'ValidationError',
    );
    expect(
      (await record(aT, { customerId: globalId('Customer', kb), orderId: o, score: 5 })).__typename,
    ).toBe('ConflictError');
    expect((await record(aT, { score: 5 })).__typename).toBe('NotFoundError');
    const other = await gql(SUMMARY, { id: gid(a) }, bT);
    expect(other.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(await crmState()).toBe(before);
  });

  it('an integration needs the feedback:write scope', async () => {
    const without = await apiKey(['orders:write']);
    const refused = await gql(RECORD, { input: { customerId: globalId('Customer', k2), score: 6 } }, without);
    expect(refused.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const withScope = await apiKey(['feedback:write']);
    const ok = await record(withScope, { orderId: await customerOrder(k2, a), score: 6, comment: 'survey' });
    expect(ok.__typename).toBe('MutationRecordFeedbackSuccess');
    expect(ok.feedback.recordedBy).toMatch(/^apikey:\d+$/);
    expect(ok.feedback.customer).toBeNull(); // recording does not let the integration read customers
  });
});
