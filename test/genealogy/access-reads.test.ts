import { beforeAll, describe, expect, it } from 'vitest';
import { distributorToken, firstError, type GqlResult, gid, gql, gqlOk, localId, member } from '../helpers';
import { type AccessNetwork, buildAccessNetwork, HIDDEN_FROM_A, VISIBLE_TO_A } from './access-network';

// SPEC §5 read side: distributor A sees themself and their downline in both trees, and of the upline
// only their sponsor's public profile — whatever the query shape.

let net: AccessNetwork;
beforeAll(async () => {
  net = await buildAccessNetwork();
});

const ids = (names: string[]) => names.map((n) => net.ids[n]);
const names = (list: { id: string }[]) => list.map((d) => net.name(localId(d.id)));

/** Every object with an id found anywhere in a response, as "Type:name". */
function reachable(data: unknown, out: string[] = []): string[] {
  if (Array.isArray(data)) for (const v of data) reachable(v, out);
  else if (data && typeof data === 'object') {
    const o = data as Record<string, unknown>;
    if (typeof o.id === 'string') out.push(`${o.__typename}:${net.name(localId(o.id))}`);
    for (const v of Object.values(o)) reachable(v, out);
  }
  return out;
}

/** The only things A may reach: members A can see, and U (A's sponsor) as a PublicProfile. */
function expectOnlyAllowed(data: unknown) {
  const seen = reachable(data);
  const allowed = new Set([
    ...VISIBLE_TO_A.flatMap((n) => [`Distributor:${n}`, `PublicProfile:${n}`]),
    'PublicProfile:U',
  ]);
  expect(seen.filter((s) => !allowed.has(s))).toEqual([]);
}

function expectRefused(r: GqlResult, code: 'NOT_FOUND' | 'FORBIDDEN') {
  expect(firstError(r).extensions?.code).toBe(code);
  expectOnlyAllowed(r.data);
}

const NODE = `query($id: ID!) { node(id: $id) { __typename id ... on Distributor { firstName } } }`;

describe('single lookups', () => {
  it('node(id:) returns exactly the members A may see', async () => {
    for (const [name, id] of Object.entries(net.ids)) {
      const { node } = await gqlOk(NODE, { id: gid(id) }, net.a);
      expect(node ? name : null, name).toBe(VISIBLE_TO_A.includes(name) ? name : null);
    }
  });

  it('nodes(ids:) drops the hidden ones and keeps the order of the rest', async () => {
    const all = Object.values(net.ids);
    const { nodes } = await gqlOk(
      `query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`,
      { ids: all.map(gid) },
      net.a,
    );
    expect(nodes.map((n: { id: string } | null) => (n ? net.name(localId(n.id)) : null))).toEqual(
      all.map((id) => (VISIBLE_TO_A.includes(net.name(id)) ? net.name(id) : null)),
    );
  });

  it('distributor(id:) and distributor(referralCode:) agree with node(id:)', async () => {
    for (const [name, id] of Object.entries(net.ids)) {
      const code = (await member(id)).referral_code;
      const data = await gqlOk(
        `query($id: ID!, $code: String!) { byId: distributor(id: $id) { __typename id }
           byCode: distributor(referralCode: $code) { __typename id } }`,
        { id: gid(id), code: code.toLowerCase() },
        net.a,
      );
      const expected = VISIBLE_TO_A.includes(name) ? { __typename: 'Distributor', id: gid(id) } : null;
      expect(data, name).toEqual({ byId: expected, byCode: expected });
    }
  });

  it('me shows the sponsor only as a public profile, and no placement parent above A', async () => {
    const { me } = await gqlOk(
      `{ me { __typename id sponsor { __typename id displayName referralCode } placementParent { id } } }`,
      {},
      net.a,
    );
    expect(me.id).toBe(gid(net.ids.A));
    expect(me.sponsor).toMatchObject({ __typename: 'PublicProfile', id: gid(net.ids.U) });
    expect(me.sponsor.displayName).toMatch(/^U [A-Z]\.$/);
    expect(me.placementParent).toBeNull();
  });
});

describe('connections', () => {
  const DOWNLINE = `query($root: ID, $tree: Tree!, $after: String) {
    downline(root: $root, tree: $tree, first: 2, after: $after) {
      edges { node { __typename id sponsor { __typename id } placementParent { __typename id }
        legs(tree: $tree) { root { __typename id } } } }
      pageInfo { hasNextPage endCursor } } }`;

  async function wholeDownline(root: number | null, tree: string) {
    const seen: { id: string }[] = [];
    let after: string | null = null;
    for (;;) {
      const data: any = await gqlOk(DOWNLINE, { root: root && gid(root), tree, after }, net.a);
      expectOnlyAllowed(data);
      seen.push(...data.downline.edges.map((e: any) => e.node));
      if (!data.downline.pageInfo.hasNextPage) return names(seen);
      after = data.downline.pageInfo.endCursor;
    }
  }

  it('A’s own downline in each tree, paged, with nested fields, holds only visible members', async () => {
    expect(await wholeDownline(null, 'SPONSOR')).toEqual(['A1', 'A2', 'A3']);
    expect(await wholeDownline(net.ids.A, 'SPONSOR')).toEqual(['A1', 'A2', 'A3']);
    expect(await wholeDownline(net.ids.A, 'PLACEMENT')).toEqual(['A1', 'S', 'S1', 'A2']);
    expect(await wholeDownline(net.ids.S, 'PLACEMENT')).toEqual(['S1']);
  });

  it('the downline of anyone outside A’s subtree is refused in both trees', async () => {
    for (const name of HIDDEN_FROM_A) {
      for (const tree of ['SPONSOR', 'PLACEMENT']) {
        const r = await gql(DOWNLINE, { root: gid(net.ids[name]), tree }, net.a);
        expectRefused(r, 'NOT_FOUND');
      }
    }
  });

  it('a member visible in one tree cannot be used as a root in the other', async () => {
    expectRefused(await gql(DOWNLINE, { root: gid(net.ids.S), tree: 'SPONSOR' }, net.a), 'FORBIDDEN');
    expectRefused(await gql(DOWNLINE, { root: gid(net.ids.A3), tree: 'PLACEMENT' }, net.a), 'FORBIDDEN');
  });

  it('search and filters cannot reach outside the subtree', async () => {
    const code = (await member(net.ids.R)).referral_code;
    for (const search of [code, 'R', 'U', 'B1', 'net.example']) {
      const data = await gqlOk(
        `query($s: String) { downline(first: 100, filter: { search: $s }) { edges { node { __typename id } } } }`,
        { s: search },
        net.a,
      );
      expectOnlyAllowed(data);
    }
  });
});

describe('upline', () => {
  const UPLINE = `query($id: ID!, $tree: Tree!) { upline(id: $id, tree: $tree) { __typename id sponsor { __typename id } } }`;

  it('stops at the viewer', async () => {
    const up = async (name: string, tree: string) => {
      const data = await gqlOk(UPLINE, { id: gid(net.ids[name]), tree }, net.a);
      expectOnlyAllowed(data);
      return names(data.upline);
    };
    expect(await up('S1', 'PLACEMENT')).toEqual(['S', 'A1', 'A']);
    expect(await up('A3', 'SPONSOR')).toEqual(['A']);
    expect(await up('A1', 'SPONSOR')).toEqual(['A']);
    expect(await up('A', 'SPONSOR')).toEqual([]);
    expect(await up('A', 'PLACEMENT')).toEqual([]);
  });

  it('is refused for members outside A’s subtree of that tree', async () => {
    expectRefused(await gql(UPLINE, { id: gid(net.ids.S1), tree: 'SPONSOR' }, net.a), 'FORBIDDEN');
    expectRefused(await gql(UPLINE, { id: gid(net.ids.A3), tree: 'PLACEMENT' }, net.a), 'FORBIDDEN');
    for (const name of HIDDEN_FROM_A)
      expectRefused(await gql(UPLINE, { id: gid(net.ids[name]), tree: 'SPONSOR' }, net.a), 'NOT_FOUND');
  });
});

describe('nested fields', () => {
  const DEEP = `query($id: ID!) { distributor(id: $id) { __typename id
    sponsor { __typename id }
    placementParent { __typename id sponsor { __typename id }
      placementParent { __typename id sponsor { __typename id } placementParent { __typename id } } } } }`;

  it('placementParent and sponsor chains stop where A’s view ends', async () => {
    for (const name of VISIBLE_TO_A) {
      const data = await gqlOk(DEEP, { id: gid(net.ids[name]) }, net.a);
      expectOnlyAllowed(data);
    }
    const s = (await gqlOk(DEEP, { id: gid(net.ids.S) }, net.a)).distributor;
    expect(s.placementParent.id).toBe(gid(net.ids.A1));
    expect(s.placementParent.placementParent.placementParent).toBeNull();
    // S was enrolled by R: R is A's upline but not A's sponsor.
    expect(s.sponsor).toBeNull();
    const a3 = (await gqlOk(DEEP, { id: gid(net.ids.A3) }, net.a)).distributor;
    expect(a3.placementParent).toBeNull(); // B, another branch
    expect(a3.sponsor.id).toBe(gid(net.ids.A));
  });

  it('legs show only roots inside the subtree, and only in a tree the member is visible in', async () => {
    const LEGS = `query($id: ID!, $tree: Tree!) { distributor(id: $id) { legs(tree: $tree) { position size root { __typename id } } } }`;
    const legs = async (name: string, tree: string) => gql(LEGS, { id: gid(net.ids[name]), tree }, net.a);
    const sponsorLegs = (await legs('A', 'SPONSOR')).data!.distributor.legs;
    expect(names(sponsorLegs.map((l: any) => l.root)).sort()).toEqual(['A1', 'A2', 'A3']);
    const placementLegs = (await legs('A1', 'PLACEMENT')).data!.distributor.legs;
    expect(placementLegs.map((l: any) => l.root && net.name(localId(l.root.id)))).toEqual([null, 'S']);
    expectRefused(await legs('S', 'SPONSOR'), 'FORBIDDEN');
    expectRefused(await legs('A3', 'PLACEMENT'), 'FORBIDDEN');
    // The paged legs follow the same rules.
    const PAGE = `query($id: ID!, $tree: Tree!) { distributor(id: $id) {
      legsConnection(tree: $tree, first: 10) { edges { node { position size root { __typename id } } } } } }`;
    const page = async (name: string, tree: string) => gql(PAGE, { id: gid(net.ids[name]), tree }, net.a);
    const paged = (await page('A', 'SPONSOR')).data!.distributor.legsConnection.edges;
    expect(paged.map((e: any) => e.node)).toEqual(sponsorLegs);
    expectOnlyAllowed(paged);
    expectRefused(await page('S', 'SPONSOR'), 'FORBIDDEN');
    expectRefused(await page('A3', 'PLACEMENT'), 'FORBIDDEN');
  });

  it('team statistics only for members of A’s sponsor downline', async () => {
    const STATS = `query($id: ID!) { distributor(id: $id) { teamStatistics { teamSize } } }`;
    const ok = await gqlOk(STATS, { id: gid(net.ids.A) }, net.a);
    expect(ok.distributor.teamStatistics.teamSize).toBe(3);
    expectRefused(await gql(STATS, { id: gid(net.ids.S) }, net.a), 'FORBIDDEN');
  });
});

describe('other viewers', () => {
  it('staff see everyone; anonymous see no one', async () => {
    for (const id of ids(HIDDEN_FROM_A)) {
      expect((await gqlOk(NODE, { id: gid(id) }, net.admin)).node.id).toBe(gid(id));
      expect((await gqlOk(NODE, { id: gid(id) })).node).toBeNull();
    }
    const anon = await gql(`query($id: ID!) { me { id } viewerRole distributor(id: $id) { id } }`, {
      id: gid(net.ids.R),
    });
    expect(firstError(anon).extensions?.code).toBe('FORBIDDEN');
    for (const q of [
      `query($id: ID!) { downline(root: $id) { edges { node { id } } } }`,
      `query($id: ID!) { upline(id: $id) { id } }`,
    ]) {
      const r = await gql(q, { id: gid(net.ids.A) });
      expect(firstError(r).extensions?.code).toBe('FORBIDDEN');
      expect(r.data).toBeNull();
    }
    expect(await gqlOk(`{ me { id } viewerRole }`)).toEqual({ me: null, viewerRole: 'ANONYMOUS' });
  });

  it('a member of another branch sees none of A’s subtree', async () => {
    const x = await distributorToken(net.ids.X);
    for (const name of VISIBLE_TO_A)
      expect((await gqlOk(NODE, { id: gid(net.ids[name]) }, x)).node, name).toBeNull();
  });
});
