import { expect, it } from 'vitest';
import { adminToken, enroll, globalId, gqlOk } from '../helpers';

it('enrolls a root and a binary downline, and pages the downline', async () => {
  const admin = await adminToken();
  const root = await enroll(admin, null);
  const a = await enroll(admin, root);
  const b = await enroll(admin, root);
  const c = await enroll(admin, a);
  const data = await gqlOk(
    `query($root: ID!) { downline(root: $root, first: 10) { edges { level node { id firstName } } pageInfo { hasNextPage } }
      distributor(id: $root) { teamSize teamStatistics { teamSize activeCount newThisMonth levels { level members } }
        legs(tree: PLACEMENT) { position size } } }`,
    { root: globalId('Distributor', root) },
    admin,
  );
  expect(data.downline.edges.map((e: any) => e.node.id)).toEqual(
    [a, c, b].map((id) => globalId('Distributor', id)),
  );
  expect(data.downline.edges.map((e: any) => e.level)).toEqual([1, 2, 1]);
  expect(data.distributor.teamStatistics).toMatchObject({ teamSize: 3, activeCount: 3, newThisMonth: 3 });
  expect(data.distributor.teamStatistics.levels).toEqual([
    { level: 1, members: 2 },
    { level: 2, members: 1 },
  ]);
  // Binary auto-placement: a → LEFT (tie), b → RIGHT (weaker), c under a's left... a's weaker leg.
  expect(data.distributor.legs).toEqual([
    { position: 0, size: 2 },
    { position: 1, size: 1 },
  ]);
});
