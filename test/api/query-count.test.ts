import { createExecutionContext } from 'cloudflare:test';
import { expect, it } from 'vitest';
import { app } from '../../src/http/app';
import { adminToken, enroll, globalId } from '../helpers';
import { countingEnv } from './helpers';

it('a downline page with nested sponsor and placement parent runs a constant number of queries (no N+1)', async () => {
  const admin = await adminToken();
  const root = await enroll(admin, null);
  const ids = [root];
  for (let i = 0; i < 40; i++) ids.push(await enroll(admin, ids[Math.floor(i / 3)]));
  const query = `query($root: ID!, $first: Int!) { downline(root: $root, first: $first) { edges { node {
    id firstName sponsor { displayName } placementParent { id firstName } } } } }`;
  const run = async (first: number) => {
    const { env: counted, count } = countingEnv();
    const res = await app.fetch(
      new Request('http://localhost/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
        body: JSON.stringify({ query, variables: { root: globalId('Distributor', root), first } }),
      }),
      counted,
      createExecutionContext(),
    );
    const body = (await res.json()) as any;
    expect(body.errors).toBeUndefined();
    expect(body.data.downline.edges).toHaveLength(first);
    expect(body.data.downline.edges.every((e: any) => e.node.sponsor && e.node.placementParent)).toBe(true);
    return count();
  };
  const small = await run(5);
  const large = await run(40);
  expect(small).toBeGreaterThan(0); // the counter sees the statements (in the request's D1 session too)
  expect(large).toBe(small);
  expect(large).toBeLessThanOrEqual(6);
});
