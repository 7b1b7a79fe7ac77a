import { beforeAll, describe, expect, it } from 'vitest';
import { adminToken, buildNetwork, distributorToken, firstError, gid, gql, gqlOk, localId } from '../helpers';

// legsConnection: the legs of a member by pages, in the order of the (deprecated) legs list, with the
// same access rules; and upline reads as before.

//   sponsor tree: R ─ P ─ P1, P2       (P's team: 2)
//                 ├ Q ─ Q1             (Q's team: 1)
//                 ├ E, F, G            (no team)
// Binary placement under R's two positions.
let admin: string;
let ids: Record<string, number>;
beforeAll(async () => {
  admin = await adminToken();
  ids = await buildNetwork(admin, [
    ['R', null],
    ['E', 'R'],
    ['P', 'R'],
    ['F', 'R'],
    ['Q', 'R'],
    ['G', 'R'],
    ['P1', 'P'],
    ['P2', 'P'],
    ['Q1', 'Q'],
  ]);
});

const name = (id: string) => Object.entries(ids).find(([, v]) => v === localId(id))![0];

const PAGE = `query($id: ID!, $tree: Tree!, $first: Int, $after: String, $last: Int, $before: String) {
  distributor(id: $id) {
    legsConnection(tree: $tree, first: $first, after: $after, last: $last, before: $before) {
      edges { cursor node { position size root { id } } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }`;

const LIST = `query($id: ID!, $tree: Tree!) { distributor(id: $id) { legs(tree: $tree) { position size root { id } } } }`;

async function page(token: string, id: number, vars: Record<string, unknown>, tree = 'SPONSOR') {
  return (await gqlOk(PAGE, { id: gid(id), tree, ...vars }, token)).distributor.legsConnection;
}

describe('legsConnection', () => {
  it('pages the sponsor legs forward in the order of the legs list: largest team first, then by id', async () => {
    const list = (await gqlOk(LIST, { id: gid(ids.R), tree: 'SPONSOR' }, admin)).distributor.legs;
    expect(list.map((l: any) => name(l.root.id))).toEqual(['P', 'Q', 'E', 'F', 'G']);
    const seen: any[] = [];
    let after: string | null = null;
    const hasNext: boolean[] = [];
    for (;;) {
      const c: any = await page(admin, ids.R, { first: 2, after });
      seen.push(...c.edges.map((e: any) => e.node));
      hasNext.push(c.pageInfo.hasNextPage);
      expect(c.pageInfo.endCursor).toBe(c.edges.at(-1).cursor);
      if (!c.pageInfo.hasNextPage) break;
      after = c.pageInfo.endCursor;
    }
    expect(hasNext).toEqual([true, true, false]);
    expect(seen).toEqual(list);
    expect(seen.map((l) => l.size)).toEqual([3, 2, 1, 1, 1]);
  });

  it('pages backward with last/before', async () => {
    const tail = await page(admin, ids.R, { last: 2 });
    expect(tail.edges.map((e: any) => name(e.node.root.id))).toEqual(['F', 'G']);
    expect(tail.pageInfo.hasPreviousPage).toBe(true);
    const before = await page(admin, ids.R, { last: 2, before: tail.pageInfo.startCursor });
    expect(before.edges.map((e: any) => name(e.node.root.id))).toEqual(['Q', 'E']);
  });

  it('pages placement legs by position, empty positions included', async () => {
    const all = await page(admin, ids.Q1, { first: 10 }, 'PLACEMENT'); // enrolled last: a placement leaf
    expect(all.edges.map((e: any) => [e.node.position, e.node.root])).toEqual([
      [0, null],
      [1, null],
    ]);
    const first = await page(admin, ids.R, { first: 1 }, 'PLACEMENT');
    expect(first.edges.map((e: any) => e.node.position)).toEqual([0]);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = await page(admin, ids.R, { first: 1, after: first.pageInfo.endCursor }, 'PLACEMENT');
    expect(second.edges.map((e: any) => e.node.position)).toEqual([1]);
    expect(second.pageInfo.hasNextPage).toBe(false);
    const list = (await gqlOk(LIST, { id: gid(ids.R), tree: 'PLACEMENT' }, admin)).distributor.legs;
    expect([...first.edges, ...second.edges].map((e: any) => e.node)).toEqual(list);
  });

  it('is a member’s own downline only; page sizes and cursors are checked', async () => {
    const p = await distributorToken(ids.P);
    const own = await page(p, ids.P, { first: 5 });
    expect(own.edges.map((e: any) => name(e.node.root.id)).sort()).toEqual(['P1', 'P2']);
    // P sees R's public profile at most, never R's legs; Q is another branch (not visible to P).
    const r = await gql(PAGE, { id: gid(ids.R), tree: 'SPONSOR', first: 5 }, p);
    expect(r.data?.distributor ?? null).toBeNull();
    const q = await gql(PAGE, { id: gid(ids.Q), tree: 'SPONSOR', first: 5 }, p);
    expect(q.data?.distributor ?? null).toBeNull();
    expect(
      firstError(await gql(PAGE, { id: gid(ids.R), tree: 'SPONSOR', first: 101 }, admin)).message,
    ).toMatch(/first must be between 1 and 100/);
    expect(
      firstError(await gql(PAGE, { id: gid(ids.R), tree: 'SPONSOR', first: 2, after: 'bad' }, admin)).message,
    ).toMatch(/Invalid cursor/);
    const bad = btoa(JSON.stringify(['x']));
    expect(
      firstError(await gql(PAGE, { id: gid(ids.R), tree: 'PLACEMENT', first: 1, after: bad }, admin)).message,
    ).toMatch(/Invalid cursor/);
  });
});

describe('upline', () => {
  const UPLINE = `query($id: ID!, $tree: Tree!) { upline(id: $id, tree: $tree) { id sponsorDepth placementDepth } }`;

  it('is the whole chain above a member for staff, parent first, in both trees', async () => {
    const sponsor = (await gqlOk(UPLINE, { id: gid(ids.P2), tree: 'SPONSOR' }, admin)).upline;
    expect(sponsor.map((d: any) => name(d.id))).toEqual(['P', 'R']);
    const placement = (await gqlOk(UPLINE, { id: gid(ids.P2), tree: 'PLACEMENT' }, admin)).upline;
    const depths = placement.map((d: any) => d.placementDepth);
    expect(depths).toEqual([...depths].sort((a, b) => b - a));
    expect(depths.at(-1)).toBe(0);
    expect(name(placement.at(-1).id)).toBe('R');
    expect((await gqlOk(UPLINE, { id: gid(ids.R), tree: 'SPONSOR' }, admin)).upline).toEqual([]);
  });
});
