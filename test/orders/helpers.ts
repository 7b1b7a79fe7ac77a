import { env } from 'cloudflare:test';
import { globalId, gqlOk, localId } from '../helpers';

// Commerce test helpers: products, customers and orders through the real API.

export async function createProduct(
  admin: string,
  sku: string,
  opts: {
    qv?: number;
    cv?: number;
    kit?: boolean;
    prices?: { currency: string; retail: number; wholesale: number }[];
  } = {},
): Promise<number> {
  const data = await gqlOk(
    `mutation($input: CreateProductInput!) { createProduct(input: $input) { __typename
      ... on MutationCreateProductSuccess { product { id } } ... on Error { message } } }`,
    {
      input: {
        sku,
        names: { da: `${sku} da`, pl: `${sku} pl`, de: `${sku} de`, en: `${sku} en` },
        qv: opts.qv ?? 50,
        cv: opts.cv ?? 4000,
        isStarterKit: opts.kit ?? false,
        prices: opts.prices ?? [
          { currency: 'DKK', retail: 29900, wholesale: 22400 },
          { currency: 'EUR', retail: 3990, wholesale: 2990 },
          { currency: 'PLN', retail: 17900, wholesale: 13400 },
        ],
      },
    },
    admin,
  );
  if (data.createProduct.__typename !== 'MutationCreateProductSuccess')
    throw new Error(data.createProduct.message);
  return localId(data.createProduct.product.id);
}

export async function createCustomer(token: string, extra: Record<string, unknown> = {}): Promise<number> {
  const data = await gqlOk(
    `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { __typename
      ... on MutationCreateCustomerSuccess { customer { id } } ... on Error { message } } }`,
    { input: { firstName: 'Karen', lastName: 'Kunde', country: 'DK', locale: 'da', ...extra } },
    token,
  );
  if (data.createCustomer.__typename !== 'MutationCreateCustomerSuccess')
    throw new Error(data.createCustomer.message);
  return localId(data.createCustomer.customer.id);
}

export const CREATE_ORDER = `mutation($input: CreateOrderInput!) { createOrder(input: $input) { __typename
  ... on MutationCreateOrderSuccess { order { id status total qv cv currency kind lines { id quantity unitPrice } } }
  ... on Error { message } ... on ValidationError { issues { path message } } ... on ConflictError { code } } }`;

export async function tryOrder(token: string, input: Record<string, unknown>): Promise<any> {
  return (await gqlOk(CREATE_ORDER, { input }, token)).createOrder;
}

export async function order(
  token: string,
  lines: [number, number][],
  opts: { customer?: number; distributor?: number; key?: string } = {},
): Promise<number> {
  const r = await tryOrder(token, {
    lines: lines.map(([p, q]) => ({ productId: globalId('Product', p), quantity: q })),
    ...(opts.customer ? { customerId: globalId('Customer', opts.customer) } : {}),
    ...(opts.distributor ? { distributorId: globalId('Distributor', opts.distributor) } : {}),
    ...(opts.key ? { idempotencyKey: opts.key } : {}),
  });
  if (r.__typename !== 'MutationCreateOrderSuccess') throw new Error(`order failed: ${JSON.stringify(r)}`);
  return localId(r.order.id);
}

export const MARK_PAID = `mutation($input: MarkOrderPaidInput!) { markOrderPaid(input: $input) { __typename
  ... on MutationMarkOrderPaidSuccess { order { status period paidAt } } ... on Error { message } ... on ConflictError { code } } }`;

export async function pay(admin: string, orderId: number, paidAt?: string): Promise<any> {
  return (
    await gqlOk(
      MARK_PAID,
      { input: { id: globalId('Order', orderId), ...(paidAt ? { paidAt } : {}) } },
      admin,
    )
  ).markOrderPaid;
}

export const REFUND = `mutation($input: RefundOrderInput!) { refundOrder(input: $input) { __typename
  ... on MutationRefundOrderSuccess { order { status refunds { amount qv cv period clawback } } }
  ... on Error { message } ... on ValidationError { issues { path message } } ... on ConflictError { code } } }`;

export async function refund(admin: string, orderId: number, lines?: [number, number][]): Promise<any> {
  return (
    await gqlOk(
      REFUND,
      {
        input: {
          id: globalId('Order', orderId),
          reason: 'Returned',
          ...(lines
            ? { lines: lines.map(([l, q]) => ({ lineId: globalId('OrderLine', l), quantity: q })) }
            : {}),
        },
      },
      admin,
    )
  ).refundOrder;
}

export async function rowCounts(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of ['sales_order', 'order_line', 'payment', 'refund', 'volume', 'customer', 'product']) {
    out[t] = (await env.DB.prepare(`SELECT count(*) AS n FROM ${t}`).first<{ n: number }>())!.n;
  }
  out.volumeSum = (await env.DB.prepare(
    'SELECT coalesce(sum(pv + gv + cv + gcv), 0) AS n FROM volume',
  ).first<{ n: number }>())!.n;
  return out;
}

/**
 * Recomputes every live volume from the orders and refunds and the current sponsor tree, and returns the
 * differences from the stored volume table (empty when the live figures are right).
 */
export async function volumeMismatches(activePv: number): Promise<string[]> {
  const { results } = await env.DB.prepare(
    `WITH own AS (
       SELECT distributor_id AS d, period AS p, qv, cv, CASE kind WHEN 'CUSTOMER' THEN qv ELSE 0 END AS cqv,
              CASE kind WHEN 'CUSTOMER' THEN cv ELSE 0 END AS ccv
         FROM sales_order WHERE paid_at IS NOT NULL
       UNION ALL
       SELECT o.distributor_id, r.period, -r.qv, -r.cv, CASE o.kind WHEN 'CUSTOMER' THEN -r.qv ELSE 0 END,
              CASE o.kind WHEN 'CUSTOMER' THEN -r.cv ELSE 0 END
         FROM refund r JOIN sales_order o ON o.id = r.order_id),
     pv AS (SELECT d, p, sum(qv) AS pv, sum(cv) AS cv, sum(cqv) AS cpv, sum(ccv) AS ccv FROM own GROUP BY d, p),
     periods AS (SELECT DISTINCT p FROM pv),
     expected AS (
       SELECT m.id AS d, per.p AS p,
         coalesce((SELECT pv FROM pv WHERE pv.d = m.id AND pv.p = per.p), 0) AS pv,
         coalesce((SELECT cv FROM pv WHERE pv.d = m.id AND pv.p = per.p), 0) AS cv,
         coalesce((SELECT cpv FROM pv WHERE pv.d = m.id AND pv.p = per.p), 0) AS cpv,
         coalesce((SELECT ccv FROM pv WHERE pv.d = m.id AND pv.p = per.p), 0) AS ccv,
         coalesce((SELECT sum(pv.pv) FROM distributor x JOIN pv ON pv.d = x.id AND pv.p = per.p
                    WHERE x.sponsor_path >= m.sponsor_path AND x.sponsor_path < substr(m.sponsor_path, 1, length(m.sponsor_path) - 1) || '/'), 0) AS gv,
         coalesce((SELECT sum(pv.cv) FROM distributor x JOIN pv ON pv.d = x.id AND pv.p = per.p
                    WHERE x.sponsor_path >= m.sponsor_path AND x.sponsor_path < substr(m.sponsor_path, 1, length(m.sponsor_path) - 1) || '/'), 0) AS gcv,
         (SELECT count(*) FROM distributor x JOIN pv ON pv.d = x.id AND pv.p = per.p
           WHERE x.sponsor_path > m.sponsor_path AND x.sponsor_path < substr(m.sponsor_path, 1, length(m.sponsor_path) - 1) || '/'
             AND pv.pv >= ?1) AS q
       FROM distributor m, periods per)
     SELECT e.d, e.p, e.pv, e.cv, e.cpv, e.ccv, e.gv, e.gcv, e.q,
            coalesce(v.pv, 0) AS spv, coalesce(v.cv, 0) AS scv, coalesce(v.customer_pv, 0) AS scpv,
            coalesce(v.customer_cv, 0) AS sccv, coalesce(v.gv, 0) AS sgv, coalesce(v.gcv, 0) AS sgcv,
            coalesce(v.qualified_downline, 0) AS sq
     FROM expected e LEFT JOIN volume v ON v.distributor_id = e.d AND v.period = e.p
     WHERE e.pv != spv OR e.cv != scv OR e.cpv != scpv OR e.ccv != sccv OR e.gv != sgv OR e.gcv != sgcv OR e.q != sq`,
  )
    .bind(activePv)
    .all<Record<string, number | string>>();
  return results.map((r) => JSON.stringify(r));
}
