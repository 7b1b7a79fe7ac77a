import { beforeAll, describe, expect, it } from 'vitest';
import { monthInZone } from '../../src/lib/time';
import { previousPeriod } from '../../src/modules/commissions/periods/lifecycle';
import { EXAMPLE_PLANS } from '../../src/modules/commissions/plans/examples';
import { adminToken, distributorToken, enroll, globalId, gqlOk, setStatus } from '../helpers';
import { createProduct, order, pay } from '../orders/helpers';
import { moveOrdersToPeriod, planInForce } from './helpers';

// A period close honours staff decisions (issue 9 §7): a paid-as rank forced down to no rank, and the
// company setting of which statuses' balances are held (default none, SPEC §3.1).

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
  for (let i = 0; i < 100; i++) {
    const p = (
      await gqlOk('query($p: String!) { commissionPeriod(period: $p) { status run } }', { p: last }, admin)
    ).commissionPeriod;
    if (p?.status === 'REVIEW' && p.run === run) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('period never reached REVIEW');
}

const statement = async (id: number) =>
  (
    await gqlOk(
      'query($id: ID!, $p: String!) { distributor(id: $id) { statement(period: $p) { paidAsRank total payout balanceOut } } }',
      { id: globalId('Distributor', id), p: last },
      admin,
    )
  ).distributor.statement;

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
  // B carries a balance of 5,000 (≥ minPayout 2,000) into the period, and is suspended.
  await mutate('createLedgerAdjustment', {
    distributorId: globalId('Distributor', b),
    amount: 5_000,
    type: 'BONUS',
    reason: 'Carried in',
  });
  await setStatus(admin, b, 'SUSPENDED');
});

describe('a close under staff decisions', () => {
  it('by default pays a suspended member’s balance; holds it once the company says so', async () => {
    expect((await mutate('startPeriodClose', { period: last })).__typename).toBe(
      'MutationStartPeriodCloseSuccess',
    );
    await waitForReview(1);
    expect(await statement(b)).toMatchObject({ total: 0, payout: 5_000, balanceOut: 0 });
    await mutate('updateCompanySettings', { payoutHeldStatuses: ['SUSPENDED'] });
    await mutate('recomputePeriod', { period: last });
    await waitForReview(2);
    expect(await statement(b)).toMatchObject({ total: 0, payout: 0, balanceOut: 5_000 });
  });

  it('forces a paid-as rank down to no rank, and back to the computed one', async () => {
    const computed = (await statement(a)).paidAsRank;
    expect(computed).not.toBeNull();
    const force = (input: Record<string, unknown>) =>
      mutate('forcePaidAsRank', {
        period: last,
        distributorId: globalId('Distributor', a),
        reason: 'Audit',
        ...input,
      });
    expect((await force({ noRank: true })).__typename).toBe('MutationForcePaidAsRankSuccess');
    await mutate('recomputePeriod', { period: last });
    await waitForReview(3);
    expect((await statement(a)).paidAsRank).toBeNull();
    expect((await force({})).__typename).toBe('MutationForcePaidAsRankSuccess');
    await mutate('recomputePeriod', { period: last });
    await waitForReview(4);
    expect((await statement(a)).paidAsRank).toBe(computed);
  });
});
