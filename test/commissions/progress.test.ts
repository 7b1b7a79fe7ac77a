import { expect, it } from 'vitest';
import { EXAMPLE_PLANS } from '../../src/modules/commissions/plans/examples';
import { adminToken, distributorToken, enroll, globalId, gqlOk } from '../helpers';
import { createProduct, order, pay } from '../orders/helpers';

it('rank progress shows what is still missing for the next rank, to the distributor themself only', async () => {
  const admin = await adminToken();
  const root = await enroll(admin, null);
  const a = await enroll(admin, root);
  const b = await enroll(admin, a);
  const other = await enroll(admin, root);
  const product = await createProduct(admin, 'P', { qv: 120, cv: 10000 });
  for (const id of [root, a, b]) await pay(admin, await order(await distributorToken(id), [[product, 1]]));
  const plan = await gqlOk(
    `mutation($input: CreatePlanVersionInput!) { createPlanVersion(input: $input) { ... on MutationCreatePlanVersionSuccess { planVersion { id } } } }`,
    { input: { name: 'Unilevel', plan: EXAMPLE_PLANS.unilevelRanks } },
    admin,
  );
  await gqlOk(
    `mutation($input: SchedulePlanVersionInput!) { schedulePlanVersion(input: $input) { __typename } }`,
    { input: { id: plan.createPlanVersion.planVersion.id, effectiveFrom: '2020-01' } },
    admin,
  );
  const query = `query($id: ID!) { distributor(id: $id) { rankProgress { currentRank nextRank requirements { name required current met } } } }`;
  const rootToken = await distributorToken(root);
  const progress = (await gqlOk(query, { id: globalId('Distributor', root) }, rootToken)).distributor
    .rankProgress;
  // Root: PV 120 ≥ 100 → CONSULTANT. SENIOR needs GV 1,000 with at most 60 % of 1,000 = 600 from one leg:
  // root's own 120 + A's leg (A 120 + B 120 = 240, under the 600 cap) + the other leg's 0 = 360.
  expect(progress).toEqual({
    currentRank: 'CONSULTANT',
    nextRank: 'SENIOR',
    requirements: [
      { name: 'PV', required: 100, current: 120, met: true },
      { name: 'GV (at most 60 % of 1000 per leg)', required: 1000, current: 360, met: false },
    ],
  });
  // Not even their sponsor reads someone else's progress.
  const seenByOther = await gqlOk(query, { id: globalId('Distributor', a) }, rootToken);
  expect(seenByOther.distributor.rankProgress).toBeNull();
  void other;
});
