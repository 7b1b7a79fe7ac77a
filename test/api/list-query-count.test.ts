import { createExecutionContext, env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { app } from '../../src/http/app';
import { adminToken, distributorToken, enroll, globalId } from '../helpers';
import { createCustomer, createProduct, order } from '../orders/helpers';
import { countingEnv } from './helpers';

// Issue 10 §7: the lists frontends page through (leads, customers, tasks, orders) run a constant number
// of D1 statements whatever the page size, nested fields included (no N+1).

async function statementsFor(token: string, query: string, first: number, field: string): Promise<number> {
  const { env: counted, count } = countingEnv();
  const res = await app.fetch(
    new Request('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables: { first } }),
    }),
    counted,
    createExecutionContext(),
  );
  const body = (await res.json()) as any;
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  expect(body.data[field].edges).toHaveLength(first);
  return count();
}

const N = 15;
let member: string;

beforeAll(async () => {
  const admin = await adminToken();
  const root = await enroll(admin, null);
  const owner = await enroll(admin, root);
  member = await distributorToken(owner);
  const product = await createProduct(admin, 'COUNT-1');
  const now = new Date().toISOString();
  for (let i = 0; i < N; i++) {
    const customer = await createCustomer(member, { firstName: `C${i}` });
    await order(member, [[product, 1]], { customer });
    await env.DB.prepare(
      `INSERT INTO task (owner_id, kind, title, subject_type, subject_id, due_date, created_by, created_at, updated_at)
       VALUES (?, 'CALL', ?, 'CUSTOMER', ?, '2026-12-31', 'test', ?, ?)`,
    )
      .bind(owner, `Call ${i}`, customer, now, now)
      .run();
    await env.DB.prepare(
      `INSERT INTO lead (source, external_id, status, full_name, email, assigned_distributor_id, created_at, updated_at)
       VALUES ('GENERIC', ?, 'NEW', ?, 'l@example.com', ?, ?, ?)`,
    )
      .bind(`count-${i}`, `Lead ${i}`, owner, now, now)
      .run();
  }
  void globalId;
});

describe('list pages run a constant number of statements', () => {
  const lists: [string, string][] = [
    [
      'leads',
      `query($first: Int!) { leads(first: $first) { edges { node { id fullName status assignedTo { firstName }
        assignments { distributor { firstName } } statusHistory { from to } } } } }`,
    ],
    [
      'customers',
      `query($first: Int!) { customers(first: $first) { edges { node { id firstName owner { firstName } } } } }`,
    ],
    [
      'tasks',
      `query($first: Int!) { tasks(first: $first) { edges { node { id title owner { firstName }
        subject { __typename ... on Customer { firstName } } } } } }`,
    ],
    [
      'orders',
      `query($first: Int!) { orders(first: $first) { edges { node { id total customer { firstName }
        distributor { firstName } lines { sku quantity product { sku } } } } } }`,
    ],
  ];
  for (const [field, query] of lists)
    it(`${field}: a page of ${N} costs what a page of 3 costs`, async () => {
      const small = await statementsFor(member, query, 3, field);
      const large = await statementsFor(member, query, N, field);
      expect(small).toBeGreaterThan(0);
      expect(large, `${field}: ${small} statements for 3, ${large} for ${N}`).toBe(small);
    });
});
