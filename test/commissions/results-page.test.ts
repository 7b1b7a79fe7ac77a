import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminToken, gqlOk } from '../helpers';

// The results page reads totals above zero and below zero from a partial index and the zero totals by primary
// key (statements.ts periodResultsPage): paged forwards and backwards, it must give exactly the order
// total DESC, distributor id DESC, across every boundary between those parts.
const PERIOD = '2019-03';
const TOTALS = [500, 0, 300, 0, 0, -200, 500, 0, 100, -200, 0, 0, 300, -50, 0, 700];

const PAGE = `query($p: String!, $first: Int, $after: String, $last: Int, $before: String) {
  commissionPeriod(period: $p) { results(first: $first, after: $after, last: $last, before: $before) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { total } } } } }`;

let admin: string;
const expected = TOTALS.map((total, i) => [total, 1000 + i] as const).sort(
  (a, b) => b[0] - a[0] || b[1] - a[1],
);

/** [total, distributor id] of an edge, from its cursor (the page's sort key). */
const key = (edge: { cursor: string; node: { total: number } }) => {
  const [total, id] = JSON.parse(atob(edge.cursor)) as [number, number];
  expect(total).toBe(edge.node.total);
  return [total, id] as const;
};

async function page(vars: Record<string, unknown>) {
  return (await gqlOk(PAGE, { p: PERIOD, ...vars }, admin)).commissionPeriod.results;
}

beforeAll(async () => {
  admin = await adminToken();
  // Arrange: a period in review with results of every sign, ties included (as a close would have written them).
  await env.DB.batch([
    env.DB.prepare("INSERT INTO commission_period (id, status) VALUES (?, 'REVIEW')").bind(PERIOD),
    ...TOTALS.map((total, i) =>
      env.DB.prepare(
        `INSERT INTO period_result (period_id, distributor_id, pv, cv, gv, gcv, active, total, payout, balance_in, balance_out)
         VALUES (?, ?, 0, 0, 0, 0, 0, ?, 0, 0, ?)`,
      ).bind(PERIOD, 1000 + i, total, total),
    ),
  ]);
});

describe('period results page', () => {
  it.each([1, 3, 4, 7, 16, 20])('pages forwards by %i in total DESC, id DESC order', async (size) => {
    const seen: (readonly [number, number])[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 20; guard++) {
      const r = await page({ first: size, after });
      seen.push(...r.edges.map(key));
      if (!r.pageInfo.hasNextPage) break;
      after = r.pageInfo.endCursor;
    }
    expect(seen).toEqual(expected);
  });

  it.each([1, 3, 5, 16])('pages backwards by %i in the same order', async (size) => {
    const seen: (readonly [number, number])[] = [];
    let before: string | null = null;
    for (let guard = 0; guard < 20; guard++) {
      const r = await page({ last: size, before });
      seen.unshift(...r.edges.map(key));
      if (!r.pageInfo.hasPreviousPage) break;
      before = r.pageInfo.startCursor;
    }
    expect(seen).toEqual(expected);
  });

  it('starts after a cursor in each part: above zero, at zero, below zero', async () => {
    for (const at of [1, 4, 6, 10, 13, 14]) {
      const cursor = btoa(JSON.stringify(expected[at])).replace(/=+$/, '');
      const r = await page({ first: 4, after: cursor });
      expect(r.edges.map(key)).toEqual(expected.slice(at + 1, at + 5));
      const back = await page({ last: 4, before: cursor });
      expect(back.edges.map(key)).toEqual(expected.slice(Math.max(0, at - 4), at));
    }
  });
});
