import { beforeAll, expect, it } from 'vitest';
import { QUERY_LIMITS } from '../../src/graphql/builder';
import { adminToken, enroll, firstError, gid, gql } from '../helpers';

// SPEC §6: query depth and cost are limited, and a request over a limit gets a clear error.

let admin: string;
let leaf: number;

beforeAll(async () => {
  admin = await adminToken();
  let id = await enroll(admin, null);
  for (let i = 0; i < 3; i++) id = await enroll(admin, id);
  leaf = id;
});

/** distributor { placementParent { ... { id } } }: depth = parents + 2. */
function nested(depth: number): string {
  let body = 'id';
  for (let i = 0; i < depth - 2; i++) body = `placementParent { ${body} }`;
  return `query($id: ID!) { distributor(id: $id) { ${body} } }`;
}

it('a query at the depth limit runs; one level deeper is refused with a clear error', async () => {
  const atLimit = await gql(nested(QUERY_LIMITS.depth), { id: gid(leaf) }, admin);
  expect(atLimit.errors).toBeUndefined();
  // leaf -> 3 placement parents up to the root, which has none.
  expect(atLimit.data?.distributor.placementParent.placementParent.placementParent).toEqual({
    placementParent: null,
  });

  const tooDeep = await gql(nested(QUERY_LIMITS.depth + 1), { id: gid(leaf) }, admin);
  expect(firstError(tooDeep)).toMatchObject({
    message: `Query too deep: depth ${QUERY_LIMITS.depth + 1} exceeds the limit of ${QUERY_LIMITS.depth}.`,
    extensions: { code: 'QUERY_LIMIT_EXCEEDED', limit: 'depth' },
  });
  expect(tooDeep.data?.distributor ?? null).toBeNull();
});

it('a query above the complexity limit is refused with a clear error', async () => {
  const heavy = `query($id: ID!) { downline(root: $id, first: 100) { edges { node {
    legs(tree: PLACEMENT) { root { legs(tree: SPONSOR) { root { teamStatistics { teamSize } } } } } } } } }`;
  const r = await gql(heavy, { id: gid(leaf) }, admin);
  const e = firstError(r);
  expect(e.extensions).toMatchObject({
    code: 'QUERY_LIMIT_EXCEEDED',
    limit: 'complexity',
    max: QUERY_LIMITS.complexity,
  });
  expect(e.message).toMatch(
    new RegExp(`^Query too complex: complexity \\d+ exceeds the limit of ${QUERY_LIMITS.complexity}\\.$`),
  );
  expect(r.data).toBeNull();
  // The same shape with a small page is allowed.
  const light = heavy
    .replace('first: 100', 'first: 2')
    .replace(/legs\(tree: SPONSOR\) \{ root \{ teamStatistics \{ teamSize \} \} \}/, 'id');
  expect((await gql(light, { id: gid(leaf) }, admin)).errors).toBeUndefined();
});

it('a query broader than the breadth limit is refused with a clear error', async () => {
  const fields = Array.from({ length: QUERY_LIMITS.breadth + 1 }, (_, i) => `f${i}: viewerRole`).join(' ');
  const r = await gql(`{ ${fields} }`, {}, admin);
  expect(firstError(r)).toMatchObject({ extensions: { code: 'QUERY_LIMIT_EXCEEDED', limit: 'breadth' } });
  expect(firstError(r).message).toMatch(/^Query too broad/);
});
