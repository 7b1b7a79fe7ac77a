import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { monthInZone } from '../../src/lib/time';
import { previousPeriod } from '../../src/modules/commissions/periods/lifecycle';
import { EXAMPLE_PLANS } from '../../src/modules/commissions/plans/examples';
import { moveOrdersToPeriod, planInForce } from '../commissions/helpers';
import { FAKE_PROVIDERS } from '../fakes/provider-credentials';
import { adminToken, distributorToken, enroll, globalId, gqlOk } from '../helpers';
import { until } from '../jobs/faults';
import { createProduct, order, pay } from '../orders/helpers';
import { documenso, postDocumenso } from './helpers';

// Issue 13 §5: the company can make commissions wait for a signed agreement — a close then holds (carries) that
// member's payout and records why; once signed, the next run pays it.

const last = previousPeriod(monthInZone(new Date(), 'Europe/Copenhagen'));
let admin: string;
let root: number;
let a: number;
let b: number;

const mutate = async (name: string, input: Record<string, unknown>) => {
  const type = `${name[0].toUpperCase()}${name.slice(1)}Input`;
  return (
    await gqlOk(
      `mutation($input: ${type}!) { ${name}(input: $input) { __typename ... on Error { message } } }`,
      { input },
      admin,
    )
  )[name];
};

async function waitForReview(run: number) {
  await until(
    async () =>
      (await gqlOk('query($p: String!) { commissionPeriod(period: $p) { status run } }', { p: last }, admin))
        .commissionPeriod,
    (p) => p?.status === 'REVIEW' && p.run === run,
    `run ${run} in review`,
  );
}

const statement = async (id: number) =>
  (
    await gqlOk(
      'query($id: ID!, $p: String!) { distributor(id: $id) { statement(period: $p) { payout balanceOut holdReason } } }',
      { id: globalId('Distributor', id), p: last },
      admin,
    )
  ).distributor.statement;

const agreementOf = (id: number) =>
  env.DB.prepare("SELECT * FROM signature_request WHERE document_type = 'AGREEMENT' AND subject_id = ?")
    .bind(id)
    .first<Record<string, any>>();

beforeAll(async () => {
  admin = await adminToken();
  root = await enroll(admin, null);
  a = await enroll(admin, root);
  b = await enroll(admin, a);
  const shake = await createProduct(admin, 'SHAKE', { qv: 120, cv: 10000 });
  const ids = [];
  for (const id of [root, a]) ids.push(await order(await distributorToken(id), [[shake, 1]]));
  for (const id of ids) await pay(admin, id);
  await moveOrdersToPeriod(last);
  await planInForce(admin, 'Unilevel', EXAMPLE_PLANS.unilevelRanks);
  // B carries a balance of 5,000 (≥ minPayout 2,000) into the period.
  await mutate('createLedgerAdjustment', {
    distributorId: globalId('Distributor', b),
    amount: 5_000,
    type: 'BONUS',
    reason: 'Carried in',
  });
});

describe('commissions wait for a signed agreement', () => {
  it('holds the payout of a member without a signed agreement, with the reason; pays it once signed', async () => {
    expect((await mutate('startPeriodClose', { period: last })).__typename).toBe(
      'MutationStartPeriodCloseSuccess',
    );
    await waitForReview(1);
    // The setting is off by default: paid.
    expect(await statement(b)).toMatchObject({ payout: 5_000, balanceOut: 0, holdReason: null });

    expect((await mutate('updateCompanySettings', { payoutHoldUnsignedAgreement: true })).__typename).toBe(
      'MutationUpdateCompanySettingsSuccess',
    );
    await mutate('recomputePeriod', { period: last });
    await waitForReview(2);
    expect(await statement(b)).toMatchObject({
      payout: 0,
      balanceOut: 5_000,
      holdReason: 'AGREEMENT_UNSIGNED',
    });

    // B signs through Documenso; the next run pays.
    await gqlOk(
      'mutation { updateEsignSettings(input: { agreementProvider: DOCUMENSO }) { __typename } }',
      {},
      admin,
    );
    await gqlOk('mutation { sendAgreements { __typename } }', {}, admin);
    const sent = await until(
      () => agreementOf(b),
      (r) => r?.status === 'SENT',
      'agreement sent',
    );
    await documenso('/__fake/complete', { id: sent!.external_id });
    const done = await documenso('/__fake/webhook', { id: sent!.external_id, event: 'DOCUMENT_COMPLETED' });
    expect(
      (await postDocumenso(done.body, FAKE_PROVIDERS.DOCUMENSO_WEBHOOK_SECRET, done.deliveryId)).status,
    ).toBe(200);
    await until(
      () => agreementOf(b),
      (r) => r?.status === 'COMPLETED',
      'agreement signed',
    );
    await mutate('recomputePeriod', { period: last });
    await waitForReview(3);
    expect(await statement(b)).toMatchObject({ payout: 5_000, balanceOut: 0, holdReason: null });
  });
});
