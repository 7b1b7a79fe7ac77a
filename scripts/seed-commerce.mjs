// Seeds the demo company's catalogue, customers, this month's orders and both example compensation plans,
// through the API like a frontend would.
import { readFileSync } from 'node:fs';
import { mulberry32 } from './seed-api.mjs';

const PRODUCTS = [
  {
    sku: 'SHAKE-VAN',
    names: {
      da: 'Proteinshake vanilje',
      pl: 'Shake proteinowy waniliowy',
      de: 'Proteinshake Vanille',
      en: 'Protein shake vanilla',
    },
    qv: 40,
    cv: 3000,
    prices: [
      ['DKK', 29900, 22400],
      ['PLN', 17900, 13400],
      ['EUR', 3990, 2990],
    ],
  },
  {
    sku: 'SHAKE-CHO',
    names: {
      da: 'Proteinshake chokolade',
      pl: 'Shake proteinowy czekoladowy',
      de: 'Proteinshake Schokolade',
      en: 'Protein shake chocolate',
    },
    qv: 40,
    cv: 3000,
    prices: [
      ['DKK', 29900, 22400],
      ['PLN', 17900, 13400],
      ['EUR', 3990, 2990],
    ],
  },
  {
    sku: 'OMEGA3',
    names: { da: 'Omega-3 kapsler', pl: 'Kapsułki omega-3', de: 'Omega-3 Kapseln', en: 'Omega-3 capsules' },
    qv: 25,
    cv: 1900,
    prices: [
      ['DKK', 19900, 14900],
      ['PLN', 11900, 8900],
      ['EUR', 2690, 1990],
    ],
  },
  {
    sku: 'SKIN-SET',
    names: {
      da: 'Hudplejesæt',
      pl: 'Zestaw do pielęgnacji skóry',
      de: 'Hautpflege-Set',
      en: 'Skin care set',
    },
    qv: 90,
    cv: 7000,
    prices: [
      ['DKK', 64900, 48700],
      ['PLN', 38900, 29200],
      ['EUR', 8690, 6490],
    ],
  },
  {
    sku: 'STARTER',
    names: { da: 'Startpakke', pl: 'Pakiet startowy', de: 'Starterpaket', en: 'Starter kit' },
    qv: 0,
    cv: 0,
    starter: true,
    prices: [
      ['DKK', 49900, 49900],
      ['PLN', 29900, 29900],
      ['EUR', 6690, 6690],
    ],
  },
];

const ok = (r, what) => {
  if (!r.__typename?.endsWith('Success')) throw new Error(`${what} failed: ${JSON.stringify(r)}`);
  return r;
};

export async function seedCommerce(gql, admin, distributorIds, progress = () => {}) {
  progress('products and plans');
  const rand = mulberry32(7);
  const products = [];
  for (const p of PRODUCTS) {
    const r = await gql(
      `mutation($input: CreateProductInput!) { createProduct(input: $input) { __typename ... on MutationCreateProductSuccess { product { id } } ... on Error { message } } }`,
      {
        input: {
          sku: p.sku,
          names: p.names,
          qv: p.qv,
          cv: p.cv,
          isStarterKit: Boolean(p.starter),
          prices: p.prices.map(([currency, retail, wholesale]) => ({ currency, retail, wholesale })),
        },
      },
      admin,
    );
    products.push(ok(r.createProduct, 'product').product.id);
  }
  for (const [file, name, schedule] of [
    ['unilevel-ranks.json', 'Unilevel with ranks (in force)', true],
    ['binary-fast-start.json', 'Binary with fast start (draft, for what-if)', false],
  ]) {
    const plan = JSON.parse(
      readFileSync(new URL(`../src/modules/commissions/plans/examples/${file}`, import.meta.url), 'utf8'),
    );
    const r = await gql(
      `mutation($input: CreatePlanVersionInput!) { createPlanVersion(input: $input) { __typename ... on MutationCreatePlanVersionSuccess { planVersion { id } } ... on Error { message } } }`,
      { input: { name, plan } },
      admin,
    );
    const id = ok(r.createPlanVersion, 'plan').planVersion.id;
    if (schedule)
      ok(
        (
          await gql(
            `mutation($input: SchedulePlanVersionInput!) { schedulePlanVersion(input: $input) { __typename ... on Error { message } } }`,
            { input: { id, effectiveFrom: '2024-01' } },
            admin,
          )
        ).schedulePlanVersion,
        'schedule plan',
      );
  }
  // A third of the members buy this month, some for customers of their own.
  let orders = 0;
  for (const [i, id] of distributorIds.entries()) {
    if (i % 25 === 0) progress(`this month's orders ${i}/${distributorIds.length}`);
    if (rand() > 0.35) continue;
    let customerId = null;
    if (rand() < 0.5) {
      const c = await gql(
        `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { __typename ... on MutationCreateCustomerSuccess { customer { id } } ... on Error { message } } }`,
        {
          input: {
            ownerId: id,
            firstName: 'Kunde',
            lastName: `Nr ${orders + 1}`,
            country: 'DE',
            locale: 'de',
            consent: { email: true, sms: false, source: 'demo seed' },
          },
        },
        admin,
      );
      customerId = ok(c.createCustomer, 'customer').customer.id;
    }
    const lines = [{ productId: products[Math.floor(rand() * 4)], quantity: 1 + Math.floor(rand() * 3) }];
    const o = await gql(
      `mutation($input: CreateOrderInput!) { createOrder(input: $input) { __typename ... on MutationCreateOrderSuccess { order { id } } ... on Error { message } } }`,
      { input: { lines, ...(customerId ? { customerId } : { distributorId: id }) } },
      admin,
    );
    if (o.createOrder.__typename !== 'MutationCreateOrderSuccess') continue; // e.g. a market the customer is not in
    ok(
      (
        await gql(
          `mutation($input: MarkOrderPaidInput!) { markOrderPaid(input: $input) { __typename ... on Error { message } } }`,
          { input: { id: o.createOrder.order.id, reference: `demo-${orders}` } },
          admin,
        )
      ).markOrderPaid,
      'payment',
    );
    orders++;
  }
  return { products: products.length, productIds: products, orders };
}
