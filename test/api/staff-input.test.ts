import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminToken, distributorToken, ENROLL, enroll, gid, globalId, gqlOk } from '../helpers';
import { createProduct, tryOrder } from '../orders/helpers';

// Staff input is validated like everyone else's (issue 9 §7): referenced ids exist, free text has limits,
// names hold no control or bidi-override characters, countries are ISO 3166.

const MB = 'x'.repeat(1_048_576);
let admin: string;
let root: number;
let a: number;

beforeAll(async () => {
  admin = await adminToken();
  root = await enroll(admin, null);
  a = await enroll(admin, root);
});

const issuePaths = (r: any) => (r.issues ?? []).map((i: any) => i.path).sort();

const FORCE = `mutation($input: ForcePaidAsRankInput!) { forcePaidAsRank(input: $input) { __typename
  ... on Error { message } ... on ValidationError { issues { path message } } } }`;
const force = async (input: Record<string, unknown>) =>
  (
    await gqlOk(
      FORCE,
      { input: { period: '2026-01', distributorId: gid(a), reason: 'Promised', ...input } },
      admin,
    )
  ).forcePaidAsRank;

describe('forcePaidAsRank', () => {
  beforeAll(async () => {
    // A plan with ranks in force from 2020 (no period row exists for 2026-01: it is open).
    await env.DB.prepare(
      `INSERT INTO plan_version (name, plan, status, effective_from, used, created_at, updated_at)
       VALUES ('p', ?, 'SCHEDULED', '2020-01', 0, '2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z')`,
    )
      .bind(JSON.stringify({ schemaVersion: 1, ranks: [{ id: 'BRONZE', minPv: 0, minGv: 0 }] }))
      .run();
  });
  const overrides = () =>
    env.DB.prepare('SELECT distributor_id, rank_id, reason FROM rank_override')
      .all()
      .then((r) => r.results);

  it('refuses a rank the plan in force does not have, also for an open period, and empty or huge ids', async () => {
    for (const rankId of ['NOPE', '', MB])
      expect(await force({ rankId })).toMatchObject({ __typename: 'ValidationError' });
    expect(await force({ rankId: 'NOPE' })).toMatchObject({ issues: [{ path: 'rankId' }] });
    expect(await overrides()).toEqual([]);
  });

  it('refuses an empty or 1 MB reason, and a rank together with noRank', async () => {
    for (const reason of ['  ', MB])
      expect(issuePaths(await force({ rankId: 'BRONZE', reason }))).toEqual(['reason']);
    expect(issuePaths(await force({ rankId: 'BRONZE', noRank: true }))).toEqual(['noRank']);
    expect(await overrides()).toEqual([]);
  });

  it('forces a rank, forces no rank (stored as a NULL rank), and removes the override', async () => {
    expect((await force({ rankId: 'BRONZE' })).__typename).toBe('MutationForcePaidAsRankSuccess');
    expect(await overrides()).toEqual([{ distributor_id: a, rank_id: 'BRONZE', reason: 'Promised' }]);
    expect((await force({ noRank: true, reason: 'Compliance' })).__typename).toBe(
      'MutationForcePaidAsRankSuccess',
    );
    expect(await overrides()).toEqual([{ distributor_id: a, rank_id: null, reason: 'Compliance' }]);
    expect((await force({})).__typename).toBe('MutationForcePaidAsRankSuccess');
    expect(await overrides()).toEqual([]);
  });
});

const ADJUST = `mutation($input: CreateLedgerAdjustmentInput!) { createLedgerAdjustment(input: $input) { __typename
  ... on ValidationError { issues { path message } } ... on Error { message } } }`;

describe('createLedgerAdjustment', () => {
  const adjust = async (amount: number, reason = 'Goodwill') =>
    (await gqlOk(ADJUST, { input: { distributorId: gid(a), amount, type: 'BONUS', reason } }, admin))
      .createLedgerAdjustment;

  it('refuses amounts beyond ±100,000,000 minor units, 0, and empty or 1 MB reasons', async () => {
    for (const amount of [2 ** 31 - 1, -(2 ** 31), 100_000_001, 0])
      expect(issuePaths(await adjust(amount))).toEqual(['amount']);
    for (const reason of ['', ' \n ', MB]) expect(issuePaths(await adjust(100, reason))).toEqual(['reason']);
    const n = await env.DB.prepare(
      "SELECT count(*) AS n FROM ledger_entry WHERE kind = 'ADJUSTMENT'",
    ).first();
    expect(n).toEqual({ n: 0 });
    expect((await adjust(-100_000_000, 'Chargeback\nof order 7')).__typename).toBe(
      'MutationCreateLedgerAdjustmentSuccess',
    );
  });
});

const SETTINGS = `mutation($input: UpdateCompanySettingsInput!) { updateCompanySettings(input: $input) { __typename
  ... on MutationUpdateCompanySettingsSuccess { company { name payoutDebtorName payoutHeldStatuses } }
  ... on ValidationError { issues { path message } } } }`;

describe('company settings', () => {
  const update = async (input: Record<string, unknown>) =>
    (await gqlOk(SETTINGS, { input }, admin)).updateCompanySettings;

  it('refuses a blank, huge, NUL or bidi-override debtor or company name', async () => {
    for (const name of ['   ', MB, 'Acme\u0000', 'Acme \u202Eevil', 'Acme \u2066x\u2069'])
      expect(issuePaths(await update({ name, payoutDebtorName: name }))).toEqual([
        'name',
        'payoutDebtorName',
      ]);
    expect(issuePaths(await update({ payoutDebtorName: 'x'.repeat(71) }))).toEqual(['payoutDebtorName']);
    expect(await update({ payoutDebtorName: ' Łódź Sp. z o.o. ' })).toMatchObject({
      company: { payoutDebtorName: 'Łódź Sp. z o.o.' },
    });
  });

  it('holds no status by default (SPEC §3.1); staff choose which statuses are held', async () => {
    expect((await gqlOk('{ company { payoutHeldStatuses } }', {}, admin)).company.payoutHeldStatuses).toEqual(
      [],
    );
    expect(await update({ payoutHeldStatuses: ['SUSPENDED', 'TERMINATED', 'SUSPENDED'] })).toMatchObject({
      company: { payoutHeldStatuses: ['SUSPENDED', 'TERMINATED'] },
    });
    expect(await update({ payoutHeldStatuses: [] })).toMatchObject({ company: { payoutHeldStatuses: [] } });
  });
});

describe('names and countries', () => {
  const enrollAs = async (input: Record<string, unknown>) =>
    (
      await gqlOk(
        ENROLL,
        {
          input: {
            firstName: 'Ok',
            lastName: 'Name',
            country: 'DK',
            locale: 'da',
            sponsorId: gid(root),
            ...input,
          },
        },
        admin,
      )
    ).enrollDistributor;

  it('refuses control and bidi-override characters in distributor names, and non-ISO countries', async () => {
    expect(issuePaths(await enrollAs({ firstName: 'A\u0000B', lastName: 'C\u202Ed' }))).toEqual([
      'firstName',
      'lastName',
    ]);
    expect(issuePaths(await enrollAs({ lastName: 'x\u2067' }))).toEqual(['lastName']);
    expect(issuePaths(await enrollAs({ country: 'XX' }))).toEqual(['country']);
    expect(issuePaths(await enrollAs({ country: 'UK' }))).toEqual(['country']);
    expect((await enrollAs({ firstName: 'Søren', lastName: "O'Brien-Żółć", country: 'jp' })).__typename).toBe(
      'MutationEnrollDistributorSuccess',
    );
  });

  it('customers: the same rules; a valid country no market sells in is refused when ordering', async () => {
    const token = await distributorToken(a);
    const create = async (input: Record<string, unknown>) =>
      (
        await gqlOk(
          `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { __typename
            ... on MutationCreateCustomerSuccess { customer { id } } ... on ValidationError { issues { path } } } }`,
          { input: { firstName: 'Karen', lastName: 'Kunde', country: 'DK', locale: 'da', ...input } },
          token,
        )
      ).createCustomer;
    expect(issuePaths(await create({ country: 'XX', firstName: '\u202EK' }))).toEqual([
      'country',
      'firstName',
    ]);
    expect(issuePaths(await create({ notes: MB }))).toEqual(['notes']);
    const jp = await create({ country: 'JP' });
    expect(jp.__typename).toBe('MutationCreateCustomerSuccess');
    const product = await createProduct(admin, 'JP-TEST', { qv: 1, cv: 1 });
    const r = await tryOrder(token, {
      customerId: jp.customer.id,
      lines: [{ productId: globalId('Product', product), quantity: 1 }],
    });
    expect(r).toMatchObject({
      __typename: 'ValidationError',
      message: "No market sells in JP, the customer's country.",
      issues: [{ path: 'customerId' }],
    });
  });
});

describe('imports', () => {
  it('refuses an empty file instead of importing nothing', async () => {
    const r = (
      await gqlOk(
        `mutation($input: ImportGenealogyInput!) { importGenealogy(input: $input) { __typename
          ... on ValidationError { message issues { path } } } }`,
        { input: { format: 'NDJSON', content: '\n\n' } },
        admin,
      )
    ).importGenealogy;
    expect(r).toMatchObject({ __typename: 'ValidationError', message: 'The file holds no records.' });
    const o = (
      await gqlOk(
        `mutation($input: ImportOrdersInput!) { importOrders(input: $input) { __typename
          ... on ValidationError { message } } }`,
        { input: { format: 'NDJSON', content: '' } },
        admin,
      )
    ).importOrders;
    expect(o).toMatchObject({ __typename: 'ValidationError', message: 'The file holds no records.' });
  });
});

describe('other staff free text', () => {
  const run = async (mutation: string, type: string, input: Record<string, unknown>) =>
    (
      await gqlOk(
        `mutation($input: ${type}!) { ${mutation}(input: $input) { __typename
          ... on ValidationError { issues { path } } ... on Error { message } } }`,
        { input },
        admin,
      )
    )[mutation];

  it('API key names, termination reasons, lead notes, product names and payment references are bounded', async () => {
    for (const name of [MB, 'key\u202E'])
      expect(
        issuePaths(await run('createApiKey', 'CreateApiKeyInput', { name, scopes: ['orders:write'] })),
      ).toEqual(['name']);
    const victim = await enroll(admin, root);
    for (const reason of [MB, ' ', 'x\u0000'])
      expect(
        issuePaths(
          await run('terminateDistributor', 'TerminateDistributorInput', { id: gid(victim), reason }),
        ),
      ).toEqual(['reason']);
    const now = new Date().toISOString();
    const lead = await env.DB.prepare(
      `INSERT INTO lead (source, external_id, status, full_name, created_at, updated_at)
       VALUES ('GENERIC', 'note-test', 'NEW', 'Lea', ?, ?) RETURNING id`,
    )
      .bind(now, now)
      .first<{ id: number }>();
    expect(
      issuePaths(
        await run('assignLead', 'AssignLeadInput', { id: globalId('Lead', lead!.id), note: 'a\u2066b' }),
      ),
    ).toEqual(['note']);
    const names = { da: 'Shake\u0000', pl: 'Shake', de: 'Shake', en: 'x\u202D' };
    const product = await run('createProduct', 'CreateProductInput', {
      sku: 'BAD-NAME',
      names,
      qv: 1,
      cv: 1,
      prices: [{ currency: 'DKK', retail: 100, wholesale: 50 }],
    });
    expect(issuePaths(product)).toEqual(['names.da', 'names.en']);
    const sku = await createProduct(admin, 'REF-TEST', { qv: 1, cv: 1 });
    const placed = await tryOrder(await distributorToken(a), {
      lines: [{ productId: globalId('Product', sku), quantity: 1 }],
    });
    expect(
      issuePaths(await run('markOrderPaid', 'MarkOrderPaidInput', { id: placed.order.id, reference: MB })),
    ).toEqual(['reference']);
  });
});
