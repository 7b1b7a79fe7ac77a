import { beforeAll, expect, it } from 'vitest';
import { BOUNDS } from '../../src/lib/limits';
import { adminToken, distributorToken, enroll, gid, globalId, gqlOk } from '../helpers';
import { createCustomer, createProduct, pay, rowCounts, tryOrder } from '../orders/helpers';

// Issue 9 §4: no value the API accepts may break what it returns. The largest order the API accepts
// (100 lines × 10,000 units at the highest price and volumes) is read back through every list it is in;
// one unit, cent or point over a bound is refused and writes nothing.

let admin: string;
let owner: number;
let ownerToken: string;
let customer: number;
let product: number;
let orderId: string;

const LINES = 100;
const TOTAL = LINES * BOUNDS.quantity * BOUNDS.unitPrice; // 10^14 minor units

beforeAll(async () => {
  admin = await adminToken();
  owner = await enroll(admin, null);
  ownerToken = await distributorToken(owner);
  customer = await createCustomer(ownerToken);
  product = await createProduct(admin, 'MAX-1', {
    qv: BOUNDS.unitQv,
    cv: BOUNDS.unitCv,
    prices: [{ currency: 'DKK', retail: BOUNDS.unitPrice, wholesale: BOUNDS.unitPrice }],
  });
  const lines = Array.from({ length: LINES }, () => ({
    productId: globalId('Product', product),
    quantity: BOUNDS.quantity,
  }));
  const r = await tryOrder(ownerToken, { customerId: globalId('Customer', customer), lines });
  expect(r.__typename).toBe('MutationCreateOrderSuccess');
  orderId = r.order.id;
  expect((await pay(admin, Number(atob(orderId).split(':')[1]))).__typename).toBe(
    'MutationMarkOrderPaidSuccess',
  );
});

const ORDER_FIELDS = `id total qv cv lines { quantity unitPrice unitRetail unitWholesale unitQv unitCv amount }`;
const LIST = `query($d: ID, $c: ID) { orders(distributorId: $d, customerId: $c, first: 5) { edges { node { ${ORDER_FIELDS} } } } }`;

function expectLargest(o: any) {
  expect(o.id).toBe(orderId);
  expect(o.total).toBe(TOTAL);
  expect(o.qv).toBe(LINES * BOUNDS.quantity * BOUNDS.unitQv);
  expect(o.cv).toBe(LINES * BOUNDS.quantity * BOUNDS.unitCv);
  expect(o.lines).toHaveLength(LINES);
  expect(o.lines[0]).toEqual({
    quantity: BOUNDS.quantity,
    unitPrice: BOUNDS.unitPrice,
    unitRetail: BOUNDS.unitPrice,
    unitWholesale: BOUNDS.unitPrice,
    unitQv: BOUNDS.unitQv,
    unitCv: BOUNDS.unitCv,
    amount: BOUNDS.quantity * BOUNDS.unitPrice,
  });
}

it('the largest allowed order reads back through every list it appears in', async () => {
  const reads: [string, Record<string, unknown>][] = [
    [ownerToken, {}], // the owner's orders
    [ownerToken, { c: globalId('Customer', customer) }], // the owner's customer's history
    [admin, {}], // staff: every order
    [admin, { d: gid(owner) }], // staff: the owner's orders
    [admin, { c: globalId('Customer', customer) }], // staff: the customer's orders
  ];
  for (const [token, vars] of reads) {
    const data = await gqlOk(LIST, vars, token);
    expect(data.orders.edges).toHaveLength(1);
    expectLargest(data.orders.edges[0].node);
  }
  const node = await gqlOk(
    `query($id: ID!) { node(id: $id) { ... on Order { ${ORDER_FIELDS} } } }`,
    {
      id: orderId,
    },
    admin,
  );
  expectLargest(node.node);
});

it('the volumes of the largest order read back beyond 32 bits', async () => {
  const data = await gqlOk(
    `query($id: ID!) { distributor(id: $id) { volume { pv cv customerPv customerCv gv gcv }
       volumeHistory(last: 1) { pv cv } } }`,
    { id: gid(owner) },
    admin,
  );
  const pv = LINES * BOUNDS.quantity * BOUNDS.unitQv;
  const cv = LINES * BOUNDS.quantity * BOUNDS.unitCv;
  expect(data.distributor.volume).toMatchObject({ pv, cv, customerPv: pv, customerCv: cv });
  expect(data.distributor.volumeHistory[0]).toEqual({ pv, cv });
});

async function issuesOf(query: string, input: Record<string, unknown>): Promise<any> {
  const data = await gqlOk(query, { input }, admin);
  return Object.values(data)[0];
}

it('one unit over the quantity bound is refused and writes nothing', async () => {
  const before = await rowCounts();
  const r = await tryOrder(ownerToken, {
    lines: [{ productId: globalId('Product', product), quantity: BOUNDS.quantity + 1 }],
  });
  expect(r.__typename).toBe('ValidationError');
  expect(r.issues).toEqual([{ path: 'lines.0.quantity', message: 'At most 10,000.' }]);
  expect(await rowCounts()).toEqual(before);
});

it('prices, volumes per unit, adjustments and activePv over their bounds are refused', async () => {
  const before = await rowCounts();
  const names = { da: 'x', pl: 'x', de: 'x', en: 'x' };
  const create = `mutation($input: CreateProductInput!) { createProduct(input: $input) { __typename
    ... on ValidationError { issues { path message } } } }`;
  const created = await issuesOf(create, {
    sku: 'OVER-1',
    names,
    qv: BOUNDS.unitQv + 1,
    cv: BOUNDS.unitCv + 1,
    prices: [{ currency: 'DKK', retail: BOUNDS.unitPrice + 1, wholesale: BOUNDS.unitPrice + 1 }],
  });
  expect(created.__typename).toBe('ValidationError');
  expect(created.issues.map((i: any) => i.path).sort()).toEqual([
    'cv',
    'prices.0.retail',
    'prices.0.wholesale',
    'qv',
  ]);

  const update = `mutation($input: UpdateProductInput!) { updateProduct(input: $input) { __typename
    ... on ValidationError { issues { path message } } } }`;
  const updated = await issuesOf(update, { id: globalId('Product', product), qv: 2147483647 });
  expect(updated).toEqual({
    __typename: 'ValidationError',
    issues: [{ path: 'qv', message: 'At most 1,000,000.' }],
  });

  const adjust = `mutation($input: CreateLedgerAdjustmentInput!) { createLedgerAdjustment(input: $input) {
    __typename ... on ValidationError { issues { path message } } } }`;
  for (const amount of [BOUNDS.adjustment + 1, -BOUNDS.adjustment - 1]) {
    const r = await issuesOf(adjust, {
      distributorId: gid(owner),
      amount,
      type: 'BONUS',
      reason: 'Too much',
    });
    expect(r).toEqual({
      __typename: 'ValidationError',
      issues: [{ path: 'amount', message: expect.any(String) }],
    });
  }

  const settings = `mutation($input: UpdateCompanySettingsInput!) { updateCompanySettings(input: $input) {
    __typename ... on ValidationError { issues { path message } } } }`;
  const s = await issuesOf(settings, { activePv: BOUNDS.activePv + 1 });
  expect(s).toEqual({
    __typename: 'ValidationError',
    issues: [{ path: 'activePv', message: 'At most 1,000,000.' }],
  });
  expect(await rowCounts()).toEqual(before);
});

it('a SafeInt input beyond 2^53 is refused as bad user input', async () => {
  const r = await gqlOk(
    `mutation { createLedgerAdjustment(input: { distributorId: "${gid(owner)}", amount: 9007199254740993,
       type: BONUS, reason: "x" }) { __typename } }`,
    {},
    admin,
  ).catch((e: Error) => e.message);
  expect(r).toMatch(/SafeInt must be a whole number/);
});
