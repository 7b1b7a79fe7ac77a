// CRM for the README's example distributors (the root and Mia Weber), through the API: customers with
// order history (one reorder due, one dormant), an autoship, prospects in every status, activities,
// tasks due today, overdue and later, and feedback. The nightly CRM rules then run once, as the cron would.
import { mutate } from './seed-api.mjs';

const daysAgo = (n, hour = 10) => {
  const d = new Date(Date.now() - n * 86_400_000);
  d.setUTCHours(hour, 0, 0, 0);
  return d.toISOString();
};
const day = (offset) => daysAgo(-offset).slice(0, 10);

const CUSTOMERS = {
  DK: [
    ['Karen', 'Holm', 'karen.holm@example.dk', '+4520112233'],
    ['Ole', 'Krogh', 'ole.krogh@example.dk', '+4520445566'],
    ['Birthe', 'Lund', 'birthe.lund@example.dk', '+4520778899'],
  ],
  DE: [
    ['Anke', 'Vogel', 'anke.vogel@example.de', '+4915112345678'],
    ['Dieter', 'Brandt', 'dieter.brandt@example.de', '+4915187654321'],
    ['Ursula', 'Kraus', 'ursula.kraus@example.de', '+4915155566677'],
  ],
};

const PROSPECTS = [
  ['Signe', 'Berg', 'NEW', 'Send the product brochure'],
  ['Henrik', 'Dahl', 'CONTACTED', 'Follow-up call about the starter kit'],
  ['Nina', 'Wolff', 'INTERESTED', 'Invite to the Thursday webinar'],
  ['Jan', 'Mikkelsen', 'NOT_INTERESTED', null],
];

async function paidCustomerOrder(gql, admin, customerId, productId, at, key) {
  const o = await mutate(
    gql,
    admin,
    'createOrder',
    { customerId, lines: [{ productId, quantity: 1 }], placedAt: at, idempotencyKey: key },
    'order { id }',
  );
  await mutate(gql, admin, 'markOrderPaid', { id: o.order.id, paidAt: at, reference: key });
  return o.order.id;
}

async function seedOne(gql, admin, token, owner, products, progress) {
  const [first, second, third] = CUSTOMERS[owner.country] ?? CUSTOMERS.DK;
  const locale = { DK: 'da', DE: 'de', PL: 'pl' }[owner.country];
  const customer = async ([firstName, lastName, email, phone]) =>
    (
      await mutate(
        gql,
        token,
        'createCustomer',
        {
          firstName,
          lastName,
          email,
          phone,
          country: owner.country,
          locale,
          consent: { email: true, sms: true, source: 'demo seed: signed order form' },
        },
        'customer { id }',
      )
    ).customer.id;
  progress(`CRM of ${owner.name}`);
  // A regular buyer whose next order is due: paid 62 and 31 days ago, so the reorder date is about now.
  const regular = await customer(first);
  await paidCustomerOrder(gql, admin, regular, products[0], daysAgo(62), `demo-crm-${regular}-1`);
  await paidCustomerOrder(gql, admin, regular, products[0], daysAgo(31), `demo-crm-${regular}-2`);
  // A customer who bought five months ago and never again: dormant.
  const dormant = await customer(second);
  await paidCustomerOrder(gql, admin, dormant, products[2], daysAgo(150), `demo-crm-${dormant}-1`);
  // A happy autoship customer who bought this week.
  const autoship = await customer(third);
  const recent = await paidCustomerOrder(
    gql,
    admin,
    autoship,
    products[3],
    daysAgo(3),
    `demo-crm-${autoship}-1`,
  );
  await mutate(gql, token, 'createAutoship', {
    customerId: autoship,
    lines: [{ productId: products[3], quantity: 1 }],
    dayOfMonth: 15,
  });
  await mutate(gql, token, 'recordFeedback', {
    orderId: recent,
    score: 9,
    comment: 'Great skin care set, quick delivery.',
  });

  await mutate(gql, token, 'recordActivity', {
    subjectId: regular,
    kind: 'CALL',
    body: 'Asked how the shakes work for her; wants chocolate next time.',
    occurredAt: daysAgo(20),
  });
  await mutate(gql, token, 'recordActivity', {
    subjectId: dormant,
    kind: 'SMS',
    body: 'Sent a note about the new omega-3 pack; no answer yet.',
    occurredAt: daysAgo(40),
  });
  for (const [firstName, lastName, status, nextStep] of PROSPECTS) {
    const p = (
      await mutate(
        gql,
        token,
        'createProspect',
        {
          firstName,
          lastName,
          status,
          email: `${firstName}.${lastName}@example.com`.toLowerCase(),
          ...(nextStep ? { nextStep, nextStepDate: day(2) } : {}),
          notes: 'Met at the autumn wellness fair.',
        },
        'prospect { id }',
      )
    ).prospect.id;
    if (status !== 'NEW')
      await mutate(gql, token, 'recordActivity', {
        subjectId: p,
        kind: status === 'NOT_INTERESTED' ? 'NOTE' : 'MEETING',
        body:
          status === 'NOT_INTERESTED'
            ? 'Not for now; ask again in spring.'
            : 'Coffee meeting, tried the samples.',
        occurredAt: daysAgo(5),
      });
  }
  for (const [title, due, kind, subjectId] of [
    ['Call back about the chocolate shake', 0, 'CALL', regular],
    ['Send the autoship confirmation', -2, 'FOLLOW_UP', autoship],
    ['Plan the December team call', 7, 'GENERAL', null],
  ])
    await mutate(gql, token, 'createTask', {
      title,
      dueDate: day(due),
      kind,
      ...(subjectId ? { subjectId } : {}),
    });
}

/** `members[0]` (root) and `members[1]` are the README's examples; tokens are their session tokens. */
export async function seedCrm(gql, admin, examples, products, runNightly, progress = () => {}) {
  for (const { member, token } of examples) await seedOne(gql, admin, token, member, products, progress);
  progress('nightly CRM rules');
  await runNightly();
}
