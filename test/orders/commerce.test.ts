import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { monthInZone } from '../../src/lib/time';
import { adminToken, distributorToken, enroll, globalId, gql, gqlOk, localId } from '../helpers';
import { createCustomer, createProduct, MARK_PAID, order, pay, refund, rowCounts, tryOrder } from './helpers';

let admin: string;
let root: number;
let mid: number;
let leaf: number;
let other: number;
let leafToken: string;
let otherToken: string;
let widget: number;
let kit: number;
const period = monthInZone(new Date(), 'Europe/Copenhagen');

async function volume(id: number, p = period) {
  const row = await env.DB.prepare('SELECT * FROM volume WHERE distributor_id = ? AND period = ?')
    .bind(id, p)
    .first<any>();
  return row ?? { pv: 0, cv: 0, gv: 0, gcv: 0, customer_pv: 0, customer_cv: 0, qualified_downline: 0 };
}

beforeAll(async () => {
  admin = await adminToken();
  root = await enroll(admin, null);
  mid = await enroll(admin, root);
  leaf = await enroll(admin, mid);
  other = await enroll(admin, root);
  leafToken = await distributorToken(leaf);
  otherToken = await distributorToken(other);
  widget = await createProduct(admin, 'WIDGET', { qv: 60, cv: 5000 });
  kit = await createProduct(admin, 'KIT', { qv: 100, cv: 9000, kit: true });
});

describe('catalogue', () => {
  it('refuses a bad product with field issues and writes nothing', async () => {
    const before = await rowCounts();
    const r = (
      await gqlOk(
        `mutation($input: CreateProductInput!) { createProduct(input: $input) { __typename
          ... on ValidationError { issues { path message } } } }`,
        {
          input: {
            sku: 'bad sku!',
            names: { da: '', pl: 'x', de: 'x', en: 'x' },
            qv: -1,
            cv: 10,
            prices: [{ currency: 'DKK', retail: 100, wholesale: 80 }],
          },
        },
        admin,
      )
    ).createProduct;
    expect(r.__typename).toBe('ValidationError');
    expect(r.issues.map((i: any) => i.path).sort()).toEqual(['names.da', 'qv', 'sku']);
    const usd = (
      await gql(
        `mutation($input: CreateProductInput!) { createProduct(input: $input) { __typename ... on Error { message } } }`,
        {
          input: {
            sku: 'USD1',
            names: { da: 'a', pl: 'a', de: 'a', en: 'a' },
            qv: 1,
            cv: 1,
            prices: [{ currency: 'USD', retail: 1, wholesale: 1 }],
          },
        },
        admin,
      )
    ).data.createProduct;
    expect(usd).toEqual({ __typename: 'ValidationError', message: 'No market sells in that currency.' });
    expect(await rowCounts()).toEqual(before);
  });

  it('lets anyone read the active catalogue; distributors cannot edit it', async () => {
    const data = await gqlOk(
      '{ products(first: 10) { edges { node { sku name(locale: pl) prices { currency retail wholesale } } } } }',
    );
    expect(data.products.edges.map((e: any) => e.node.sku)).toEqual(['KIT', 'WIDGET']);
    expect(data.products.edges[1].node.name).toBe('WIDGET pl');
    const r = await gql(
      `mutation { updateProduct(input: { id: "${globalId('Product', widget)}", qv: 1 }) { __typename } }`,
      {},
      leafToken,
    );
    expect(r.errors?.[0].message).toMatch(/Not authorized/);
  });
});

describe('customers', () => {
  it('belong to the distributor who adds them and are invisible to others', async () => {
    const c = await createCustomer(leafToken, {
      consent: { email: true, sms: false, source: 'shop signup' },
    });
    const mine = await gqlOk(
      '{ customers(first: 5) { edges { node { id consent { emailSince smsSince source } owner { id } } } } }',
      {},
      leafToken,
    );
    expect(mine.customers.edges).toHaveLength(1);
    expect(mine.customers.edges[0].node.consent.emailSince).toMatch(/^\d{4}-/);
    expect(mine.customers.edges[0].node.consent.smsSince).toBeNull();
    expect(mine.customers.edges[0].node.owner.id).toBe(globalId('Distributor', leaf));
    const theirs = await gqlOk(
      `{ node(id: "${globalId('Customer', c)}") { id } customers(first: 5) { edges { node { id } } } }`,
      {},
      otherToken,
    );
    expect(theirs.node).toBeNull();
    expect(theirs.customers.edges).toHaveLength(0);
  });
});

describe('orders', () => {
  it('copies prices and volumes onto lines: customers pay retail, distributors wholesale; kits carry no volume', async () => {
    const c = await createCustomer(leafToken);
    const r = await tryOrder(leafToken, {
      customerId: globalId('Customer', c),
      lines: [
        { productId: globalId('Product', widget), quantity: 2 },
        { productId: globalId('Product', kit), quantity: 1 },
      ],
    });
    expect(r.order).toMatchObject({
      kind: 'CUSTOMER',
      currency: 'DKK',
      total: 2 * 29900 + 29900,
      qv: 120,
      cv: 10000,
    });
    const p = await tryOrder(leafToken, { lines: [{ productId: globalId('Product', widget), quantity: 3 }] });
    expect(p.order).toMatchObject({ kind: 'PERSONAL', total: 3 * 22400, qv: 180 });
  });

  it('refuses bad orders with typed errors and writes nothing', async () => {
    const theirCustomer = await createCustomer(otherToken);
    await gqlOk(
      `mutation { updateProduct(input: { id: "${globalId('Product', kit)}", active: false }) { __typename } }`,
      {},
      admin,
    );
    const before = await rowCounts();
    const line = (p: number, q: number) => ({ lines: [{ productId: globalId('Product', p), quantity: q }] });
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [line(999, 1), 'ValidationError', /Invalid order lines/],
      [line(kit, 1), 'ValidationError', /Invalid order lines/],
      [line(widget, 0), 'ValidationError', /Invalid order/],
      [line(widget, -2), 'ValidationError', /Invalid order/],
      [{ ...line(widget, 1), currency: 'EUR' }, 'ValidationError', /sells in DKK/],
      [
        { ...line(widget, 1), customerId: globalId('Customer', theirCustomer) },
        'ForbiddenError',
        /another distributor/,
      ],
      [{ lines: [] }, 'ValidationError', /Invalid order/],
    ];
    for (const [input, type, message] of cases) {
      const r = await tryOrder(leafToken, input);
      expect(r.__typename, JSON.stringify(input)).toBe(type);
      expect(r.message).toMatch(message);
    }
    expect(await rowCounts()).toEqual(before);
    await gqlOk(
      `mutation { updateProduct(input: { id: "${globalId('Product', kit)}", active: true }) { __typename } }`,
      {},
      admin,
    );
  });

  it('makes one order per idempotency key, and refuses the key for a different order', async () => {
    const a = await order(leafToken, [[widget, 1]], { key: 'retry-key-0001' });
    const b = await order(leafToken, [[widget, 1]], { key: 'retry-key-0001' });
    expect(b).toBe(a);
    const n = await env.DB.prepare(
      "SELECT count(*) AS n FROM sales_order WHERE idempotency_key = 'retry-key-0001'",
    ).first<{ n: number }>();
    expect(n!.n).toBe(1);
    const c = await tryOrder(leafToken, {
      idempotencyKey: 'retry-key-0001',
      lines: [{ productId: globalId('Product', widget), quantity: 5 }],
    });
    expect(c).toMatchObject({ __typename: 'ConflictError', code: 'IDEMPOTENCY_KEY_REUSED' });
    // Another caller may use the same key for its own order.
    const d = await order(otherToken, [[widget, 1]], { key: 'retry-key-0001' });
    expect(d).not.toBe(a);
  });

  it('payment adds volume to the buyer and every upline; paying twice is refused and changes nothing', async () => {
    const before = { leaf: await volume(leaf), mid: await volume(mid), root: await volume(root) };
    const id = await order(leafToken, [[widget, 2]]);
    const r = await pay(admin, id);
    expect(r).toMatchObject({
      __typename: 'MutationMarkOrderPaidSuccess',
      order: { status: 'PAID', period },
    });
    const after = { leaf: await volume(leaf), mid: await volume(mid), root: await volume(root) };
    expect(after.leaf.pv - before.leaf.pv).toBe(120);
    expect(after.leaf.gv - before.leaf.gv).toBe(120);
    expect(after.mid.pv - before.mid.pv).toBe(0);
    expect(after.mid.gv - before.mid.gv).toBe(120);
    expect(after.root.gcv - before.root.gcv).toBe(10000);
    const counts = await rowCounts();
    expect(await pay(admin, id)).toMatchObject({ __typename: 'ConflictError', code: 'ALREADY_PAID' });
    expect(await rowCounts()).toEqual(counts);
    // Distributors cannot record payments.
    const denied = await gql(MARK_PAID, { input: { id: globalId('Order', id) } }, leafToken);
    expect(denied.errors?.[0].message).toMatch(/Not authorized/);
  });

  it('refunds per line or in full; refunding more than was paid is refused', async () => {
    const id = await order(leafToken, [
      [widget, 3],
      [kit, 1],
    ]);
    await pay(admin, id);
    const lines = (
      await gqlOk(
        `{ node(id: "${globalId('Order', id)}") { ... on Order { lines { id sku quantity } } } }`,
        {},
        admin,
      )
    ).node.lines;
    const widgetLine = localId(lines.find((l: any) => l.sku === 'WIDGET').id);
    const kitLine = localId(lines.find((l: any) => l.sku === 'KIT').id);
    const before = await rowCounts();
    const tooMany = await refund(admin, id, [[widgetLine, 4]]);
    expect(tooMany.__typename).toBe('ValidationError');
    const twice = await refund(admin, id, [
      [widgetLine, 2],
      [widgetLine, 2],
    ]);
    expect(twice.__typename).toBe('ValidationError');
    expect(await rowCounts()).toEqual(before);

    const v0 = await volume(leaf);
    const partial = await refund(admin, id, [[widgetLine, 1]]);
    expect(partial.order.status).toBe('PARTIALLY_REFUNDED');
    expect(partial.order.refunds[0]).toMatchObject({
      amount: 22400,
      qv: 60,
      cv: 5000,
      period,
      clawback: false,
    });
    expect((await volume(leaf)).pv).toBe(v0.pv - 60);
    const rest = await refund(admin, id);
    expect(rest.order.status).toBe('REFUNDED');
    expect(rest.order.refunds[1]).toMatchObject({ amount: 2 * 22400 + 22400, qv: 120 });
    expect((await volume(mid)).gv).toBe((await volume(leaf)).gv + (await volume(mid)).pv);
    expect(await refund(admin, id)).toMatchObject({ __typename: 'ConflictError', code: 'NOT_PAID' });
    void kitLine;
  });

  it('a refund after the order’s period is committed is a clawback in the open period', async () => {
    const id = await order(leafToken, [[widget, 1]]);
    await pay(admin, id);
    // Commit the current period; the open period is then next month.
    await env.DB.prepare("INSERT INTO commission_period (id, status) VALUES (?, 'COMMITTED')")
      .bind(period)
      .run();
    try {
      const r = await refund(admin, id);
      const next = r.order.refunds[0].period;
      expect(next > period).toBe(true);
      expect(r.order.refunds[0]).toMatchObject({ clawback: true, qv: 60 });
      expect((await volume(leaf, next)).pv).toBe(-60);
      expect((await volume(root, next)).gv).toBe(-60);
      // And a payment made now also lands in the open period, not in the committed one.
      const later = await order(leafToken, [[widget, 1]]);
      expect((await pay(admin, later)).order.period).toBe(next);
    } finally {
      await env.DB.prepare('DELETE FROM commission_period WHERE id = ?').bind(period).run();
    }
  });
});

describe('team statistics with volumes', () => {
  it('show the period’s PV/GV/CV, how many qualified, and each leg’s volume', async () => {
    const activePv = (await env.DB.prepare('SELECT active_pv AS a FROM company_settings').first<{
      a: number;
    }>())!.a;
    const id = await order(otherToken, [[widget, Math.ceil(activePv / 60)]]);
    await pay(admin, id);
    const data = await gqlOk(
      `query($id: ID!) { distributor(id: $id) { teamStatistics { qualifiedCount volume { pv gv gcv qualifiedDownline } }
        legs { root { id } size volume { gv } } } }`,
      { id: globalId('Distributor', root) },
      admin,
    );
    const stats = data.distributor.teamStatistics;
    const v = await volume(root);
    expect(stats.volume).toEqual({ pv: v.pv, gv: v.gv, gcv: v.gcv, qualifiedDownline: v.qualified_downline });
    // Recount the qualified members of the root's team from the volume table.
    const q = await env.DB.prepare(
      'SELECT count(*) AS n FROM volume WHERE period = ? AND pv >= ? AND distributor_id != ?',
    )
      .bind(period, activePv, root)
      .first<{ n: number }>();
    expect(stats.qualifiedCount).toBe(q!.n);
    expect(stats.qualifiedCount).toBeGreaterThan(0);
    const legs = Object.fromEntries(data.distributor.legs.map((l: any) => [localId(l.root.id), l.volume.gv]));
    expect(legs[mid]).toBe((await volume(mid)).gv);
    expect(legs[other]).toBe((await volume(other)).gv);
    expect(legs[mid] + legs[other] + v.pv).toBe(v.gv);
  });
});
