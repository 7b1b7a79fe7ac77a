import { env } from 'cloudflare:test';
import { beforeAll, expect, it } from 'vitest';
import { adminToken, distributorToken, ENROLL, globalId, gql, gqlOk, localId } from '../helpers';
import { createProduct, MARK_PAID, order, pay, REFUND } from '../orders/helpers';

// Issue 9 §5: the losers of a race get a typed ConflictError in the payload, never "Unexpected error.".

let admin: string;
let owner: number;
let ownerToken: string;
let product: number;

let rootRace: any[];

beforeAll(async () => {
  admin = await adminToken();
  // Eight enrollments of the root at once (the tree is empty): one root, seven typed conflicts.
  rootRace = await race(8, ENROLL, {}, (i) => ({
    firstName: `Root${i}`,
    lastName: 'Race',
    email: `root${i}@race.example`,
    country: 'DK',
    locale: 'da',
  }));
  owner = localId(rootRace.find((p) => p.distributor).distributor.id);
  ownerToken = await distributorToken(owner);
  product = await createProduct(admin, 'RACE-1');
});

/** Runs `n` copies of one mutation at once; returns each payload (failing on any GraphQL error). */
async function race(
  n: number,
  query: string,
  input: Record<string, unknown>,
  inputOf: (i: number) => Record<string, unknown> = () => input,
): Promise<any[]> {
  const results = await Promise.all(
    Array.from({ length: n }, (_, i) => gql(query, { input: inputOf(i) }, admin)),
  );
  for (const r of results) expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  return results.map((r) => Object.values(r.data as Record<string, unknown>)[0]);
}

const byType = (payloads: any[]) =>
  payloads.reduce<Record<string, number>>((m, p) => {
    m[p.__typename] = (m[p.__typename] ?? 0) + 1;
    return m;
  }, {});

it('enrollments: of 8 parallel enrollments of the root, one succeeds and 7 get a ConflictError', () => {
  expect(byType(rootRace)).toEqual({ MutationEnrollDistributorSuccess: 1, ConflictError: 7 });
});

it('20 parallel refunds of one unit on a line of 3: 3 refunds, 17 ConflictErrors, the order REFUNDED', async () => {
  const id = await order(ownerToken, [[product, 3]]);
  await pay(admin, id);
  const lines = await gqlOk(
    `query($id: ID!) { node(id: $id) { ... on Order { lines { id } } } }`,
    { id: globalId('Order', id) },
    admin,
  );
  const lineId = lines.node.lines[0].id;
  const payloads = await race(20, REFUND, {
    id: globalId('Order', id),
    reason: 'Returned',
    lines: [{ lineId, quantity: 1 }],
  });
  expect(byType(payloads)).toEqual({ MutationRefundOrderSuccess: 3, ConflictError: 17 });
  for (const p of payloads.filter((x) => x.__typename === 'ConflictError'))
    expect(['ALREADY_REFUNDED', 'NOT_PAID']).toContain(p.code);
  const row = await env.DB.prepare(
    `SELECT o.status, l.refunded_quantity AS refunded, (SELECT count(*) FROM refund WHERE order_id = o.id) AS refunds
     FROM sales_order o JOIN order_line l ON l.order_id = o.id WHERE o.id = ?`,
  )
    .bind(id)
    .first();
  expect(row).toEqual({ status: 'REFUNDED', refunded: 3, refunds: 3 });
});

it('payments: of 10 parallel ones one is recorded; one racing a cancellation wins or gets a ConflictError', async () => {
  const paidTwice = await order(ownerToken, [[product, 1]]);
  const payloads = await race(10, MARK_PAID, { id: globalId('Order', paidTwice) });
  expect(byType(payloads)).toEqual({ MutationMarkOrderPaidSuccess: 1, ConflictError: 9 });
  const n = await env.DB.prepare('SELECT count(*) AS n FROM payment WHERE order_id = ?')
    .bind(paidTwice)
    .first('n');
  expect(n).toBe(1);

  const CANCEL = `mutation($input: CancelOrderInput!) { cancelOrder(input: $input) { __typename
    ... on MutationCancelOrderSuccess { order { status } } ... on ConflictError { code } } }`;
  for (let i = 0; i < 5; i++) {
    const id = await order(ownerToken, [[product, 1]]);
    const input = { id: globalId('Order', id) };
    const [paid, cancelled] = await Promise.all([
      gqlOk(MARK_PAID, { input }, admin),
      gqlOk(CANCEL, { input }, admin),
    ]);
    const kinds = [paid.markOrderPaid.__typename, cancelled.cancelOrder.__typename].sort();
    expect(kinds.filter((k) => k === 'ConflictError')).toHaveLength(1);
    const status = await env.DB.prepare('SELECT status FROM sales_order WHERE id = ?')
      .bind(id)
      .first('status');
    expect(status).toBe(paid.markOrderPaid.__typename === 'ConflictError' ? 'CANCELLED' : 'PAID');
  }
});

it('period transitions: of 5 parallel commits (and then payouts) one wins, 4 get a ConflictError', async () => {
  await env.DB.prepare("INSERT INTO commission_period (id, status) VALUES ('2020-03', 'REVIEW')").run();
  const mutation = (name: string) => {
    const type = `${name[0].toUpperCase()}${name.slice(1)}`;
    return `mutation($input: ${type}Input!) { ${name}(input: $input) { __typename
      ... on Mutation${type}Success { period { status } } ... on ConflictError { code } } }`;
  };
  const commits = await race(5, mutation('commitPeriod'), { period: '2020-03' });
  expect(byType(commits)).toEqual({ MutationCommitPeriodSuccess: 1, ConflictError: 4 });
  const paid = await race(5, mutation('markPeriodPaid'), { period: '2020-03' });
  expect(byType(paid)).toEqual({ MutationMarkPeriodPaidSuccess: 1, ConflictError: 4 });
  const batches = await env.DB.prepare(
    "SELECT count(*) AS n FROM payout_batch WHERE period_id = '2020-03'",
  ).first('n');
  expect(batches).toBe(1);
});
