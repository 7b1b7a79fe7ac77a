import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  adminToken,
  buildNetwork,
  enroll,
  expectSuccess,
  firstError,
  gid,
  gql,
  gqlOk,
  localId,
  setStatus,
  terminate,
} from '../helpers';

// Keyset pagination of `downline`: both directions, every order, filters, and the edges of the page
// arguments. Expected lists are recomputed here from the rows in D1.

let admin: string;
let ids: Record<string, number>;

interface Row {
  id: number;
  sponsor_path: string;
  sponsor_depth: number;
  placement_path: string;
  placement_depth: number;
  joined_at: string;
  first_name: string;
  last_name: string;
  status: string;
  country: string;
  email: string;
  referral_code: string;
}

beforeAll(async () => {
  admin = await adminToken();
  const p = (first: string, last: string, country: string, joinedAt: string) => ({
    extra: { firstName: first, lastName: last, country, joinedAt },
  });
  ids = await buildNetwork(admin, [
    ['R', null],
    ['Z', 'R', p('Zoe', 'Adams', 'DK', '2026-01-10T09:00:00Z')],
    ['a', 'R', p('anna', 'Berg', 'SE', '2025-12-01T09:00:00Z')],
    ['B', 'Z', p('Bo', 'Carlsen', 'DK', '2026-02-03T12:00:00Z')],
    ['A', 'Z', p('Anna', 'Berg', 'NO', '2026-02-03T12:00:00Z')],
    ['C', 'a', p('Carl', 'Dahl', 'SE', '2025-11-15T09:00:00Z')],
    ['D', 'B', p('Dina', 'Eriksen', 'DK', '2026-03-31T22:30:00Z')],
    ['E', 'B', p('Emil', 'Fisk', 'DE', '2026-04-02T09:00:00Z')],
    ['F', 'C', p('Frida', 'Gram', 'PL', '2025-10-01T09:00:00Z')],
    ['G', 'D', p('Gus%tav', 'Hansen_x', 'DK', '2026-05-05T09:00:00Z')],
    ['H', 'D', p('Hanne', 'Iversen', 'DK', '2026-05-06T09:00:00Z')],
  ]);
  expectSuccess(await setStatus(admin, ids.A, 'SUSPENDED'));
  expectSuccess(await setStatus(admin, ids.E, 'SUSPENDED'));
  expectSuccess(await terminate(admin, ids.F));
});

async function rows(): Promise<Row[]> {
  return (await env.DB.prepare('SELECT * FROM distributor WHERE id != ? ORDER BY id').bind(ids.R).all<Row>())
    .results;
}

type Order = 'TREE' | 'DEPTH' | 'JOINED_AT' | 'NAME';
const cmp = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);

function expectedOrder(list: Row[], tree: 'SPONSOR' | 'PLACEMENT', order: Order, dir: 'ASC' | 'DESC') {
  const path = (r: Row) => (tree === 'SPONSOR' ? r.sponsor_path : r.placement_path);
  const depth = (r: Row) => (tree === 'SPONSOR' ? r.sponsor_depth : r.placement_depth);
  const keys: Record<Order, (r: Row) => (string | number)[]> = {
    TREE: (r) => [path(r)],
    DEPTH: (r) => [depth(r), path(r)],
    JOINED_AT: (r) => [r.joined_at, r.id],
    NAME: (r) => [`${r.first_name} ${r.last_name}`.toLowerCase(), r.id],
  };
  const sorted = [...list].sort((x, y) => {
    const [kx, ky] = [keys[order](x), keys[order](y)];
    for (let i = 0; i < kx.length; i++) if (cmp(kx[i], ky[i])) return cmp(kx[i], ky[i]);
    return 0;
  });
  return (dir === 'ASC' ? sorted : sorted.reverse()).map((r) => r.id);
}

const DOWNLINE = `query($root: ID, $tree: Tree!, $orderBy: DownlineOrder!, $direction: SortDirection!, $first: Int,
  $after: String, $last: Int, $before: String, $filter: DownlineFilter, $maxDepth: Int) {
  downline(root: $root, tree: $tree, orderBy: $orderBy, direction: $direction, first: $first, after: $after,
    last: $last, before: $before, filter: $filter, maxDepth: $maxDepth) {
    edges { cursor level node { id } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;

type Args = Record<string, unknown>;
const page = async (args: Args) =>
  (
    await gqlOk(
      DOWNLINE,
      { root: gid(ids.R), tree: 'SPONSOR', orderBy: 'TREE', direction: 'ASC', ...args },
      admin,
    )
  ).downline;
const idsOf = (conn: any): number[] => conn.edges.map((e: any) => localId(e.node.id));

/** Pages forward with first/after, checking pageInfo on every page; returns all ids. */
async function forward(args: Args, size: number): Promise<number[]> {
  const out: number[] = [];
  let after: string | undefined;
  for (;;) {
    const conn = await page({ ...args, first: size, after });
    out.push(...idsOf(conn));
    expect(conn.pageInfo.hasPreviousPage).toBe(after != null);
    if (conn.edges.length) expect(conn.pageInfo.endCursor).toBe(conn.edges.at(-1).cursor);
    if (!conn.pageInfo.hasNextPage) return out;
    expect(conn.edges.length).toBe(size);
    after = conn.pageInfo.endCursor;
  }
}

/** Pages backward with last/before; returns all ids in forward order. */
async function backward(args: Args, size: number): Promise<number[]> {
  const out: number[] = [];
  let before: string | undefined;
  for (;;) {
    const conn = await page({ ...args, last: size, before });
    out.unshift(...idsOf(conn));
    expect(conn.pageInfo.hasNextPage).toBe(before != null);
    if (conn.edges.length) expect(conn.pageInfo.startCursor).toBe(conn.edges[0].cursor);
    if (!conn.pageInfo.hasPreviousPage) return out;
    expect(conn.edges.length).toBe(size);
    before = conn.pageInfo.startCursor;
  }
}

describe('every order, both directions, both trees', () => {
  for (const tree of ['SPONSOR', 'PLACEMENT'] as const)
    for (const orderBy of ['TREE', 'DEPTH', 'JOINED_AT', 'NAME'] as const)
      for (const direction of ['ASC', 'DESC'] as const)
        it(`${tree} ${orderBy} ${direction}`, async () => {
          const expected = expectedOrder(await rows(), tree, orderBy, direction);
          const args = { tree, orderBy, direction };
          expect(await forward(args, 3)).toEqual(expected);
          expect(await backward(args, 4)).toEqual(expected);
          expect(idsOf(await page({ ...args, first: 100 }))).toEqual(expected);
        });

  it('TREE order is depth-first: every member comes right after their subtree predecessor', async () => {
    const all = await rows();
    const order = idsOf(await page({ first: 100 }));
    const path = new Map(all.map((r) => [r.id, r.sponsor_path]));
    order.forEach((id, i) => {
      const parentPath = path.get(id)!.replace(/\d+\.$/, '');
      const parentIndex = order.findIndex((o) => path.get(o) === parentPath);
      // The parent (or the root) is before, and everyone between is in the parent's subtree.
      expect(parentIndex).toBeLessThan(i);
      for (const between of order.slice(parentIndex + 1, i))
        expect(path.get(between)!.startsWith(parentPath)).toBe(true);
    });
  });

  it('levels are relative to the root', async () => {
    const conn = await page({ root: gid(ids.Z), first: 100 });
    const byId = new Map((await rows()).map((r) => [r.id, r]));
    const z = byId.get(ids.Z)!;
    for (const e of conn.edges)
      expect(e.level).toBe(byId.get(localId(e.node.id))!.sponsor_depth - z.sponsor_depth);
  });
});

describe('page edges', () => {
  it('after the last edge: an empty page without a next page', async () => {
    const all = await page({ first: 100 });
    const end = await page({ first: 5, after: all.pageInfo.endCursor });
    expect(end.edges).toEqual([]);
    expect(end.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const start = await page({ last: 5, before: all.pageInfo.startCursor });
    expect(start.edges).toEqual([]);
    expect(start.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
  });

  it('between two cursors', async () => {
    const all = await page({ first: 100 });
    const list = idsOf(all);
    const mid = await page({ first: 100, after: all.edges[1].cursor, before: all.edges[6].cursor });
    expect(idsOf(mid)).toEqual(list.slice(2, 6));
  });

  it('an empty subtree', async () => {
    const leaf = await page({ root: gid(ids.H), first: 10 });
    expect(leaf).toEqual({
      edges: [],
      pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: '', endCursor: '' },
    });
    expect((await page({ root: gid(ids.H), last: 10 })).edges).toEqual([]);
  });

  it('an invalid cursor is a clear error', async () => {
    const nameCursor = (await page({ orderBy: 'NAME', first: 1 })).pageInfo.endCursor;
    for (const after of ['garbage', btoa('{"a":1}'), btoa('[1,2,3]'), btoa('[null]'), nameCursor]) {
      const r = await gql(
        DOWNLINE,
        { root: gid(ids.R), tree: 'SPONSOR', orderBy: 'TREE', direction: 'ASC', first: 2, after },
        admin,
      );
      expect(firstError(r)).toMatchObject({
        message: 'Invalid cursor.',
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
  });
});

describe('filters', () => {
  async function filtered(filter: Args, extra: Args = {}) {
    return forward({ filter, ...extra }, 2);
  }
  const where = async (pred: (r: Row) => boolean) =>
    expectedOrder((await rows()).filter(pred), 'SPONSOR', 'TREE', 'ASC');

  it('statuses and countries (any case)', async () => {
    expect(await filtered({ statuses: ['SUSPENDED', 'TERMINATED'] })).toEqual(
      await where((r) => r.status !== 'ACTIVE'),
    );
    expect(await filtered({ countries: ['se', 'No'] })).toEqual(
      await where((r) => ['SE', 'NO'].includes(r.country)),
    );
    expect(await filtered({ statuses: ['ACTIVE'], countries: ['DK'] })).toEqual(
      await where((r) => r.status === 'ACTIVE' && r.country === 'DK'),
    );
  });

  it('joined from (inclusive) and before (exclusive)', async () => {
    const from = '2026-02-03T12:00:00.000Z';
    const before = '2026-04-02T09:00:00.000Z';
    expect(await filtered({ joinedFrom: from, joinedBefore: before })).toEqual(
      await where((r) => r.joined_at >= from && r.joined_at < before),
    );
    expect((await filtered({ joinedFrom: before, joinedBefore: from })).length).toBe(0);
  });

  it('search in names and e-mails (case-insensitive, % and _ literal) and by exact referral code', async () => {
    const annas = await filtered({ search: 'ANNA' });
    expect(annas).toEqual(await where((r) => /anna/i.test(r.first_name)));
    expect(annas.length).toBe(2);
    expect(await filtered({ search: '%' })).toEqual([ids.G]);
    expect(await filtered({ search: '_' })).toEqual([ids.G]);
    expect(await filtered({ search: '@NET.example' })).toEqual(await where(() => true));
    const code = (await rows()).find((r) => r.id === ids.E)!.referral_code;
    expect(await filtered({ search: code.toLowerCase() })).toEqual([ids.E]);
    expect(await filtered({ search: code.slice(0, 4) })).toEqual([]);
  });

  it('maxDepth counts from the root; below 1 is refused', async () => {
    const z = (await rows()).find((r) => r.id === ids.Z)!;
    expect(await filtered({}, { root: gid(ids.Z), maxDepth: 1 })).toEqual(
      await where(
        (r) => r.sponsor_path.startsWith(z.sponsor_path) && r.sponsor_depth === z.sponsor_depth + 1,
      ),
    );
    const r = await gql(
      DOWNLINE,
      { root: gid(ids.Z), tree: 'SPONSOR', orderBy: 'TREE', direction: 'ASC', maxDepth: 0 },
      admin,
    );
    expect(firstError(r).extensions?.code).toBe('BAD_USER_INPUT');
  });
});

/**
 * Fixture rows, inserted in one statement rather than enrolled one by one (101 enrollments take seconds):
 * `count` sponsor children of `sponsorId`. Only the sponsor tree is meaningful; their placement paths are
 * unique but outside the placement tree, and counters are not maintained (no test here reads them).
 */
async function insertSponsorChildren(sponsorId: number, count: number) {
  await env.DB.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2),
       base AS (SELECT max(id) AS top FROM distributor), s AS (SELECT * FROM distributor WHERE id = ?1)
     INSERT INTO distributor (id, referral_code, first_name, last_name, search_name, country, locale, status,
       joined_at, sponsor_id, sponsor_path, sponsor_depth, placement_path, placement_depth, created_at, updated_at)
     SELECT top + i, 'FIX' || (top + i), 'Small', 'Fixture' || i, 'small fixture' || i, 'DK', 'da', 'ACTIVE',
       s.joined_at, s.id, s.sponsor_path || (top + i) || '.', s.sponsor_depth + 1, '~fixture' || i, 0,
       s.created_at, s.created_at
     FROM n, base, s`,
  )
    .bind(sponsorId, count)
    .run();
}

// Last: adds 102 members under R, which the other tests do not expect.
describe('page size', () => {
  it('no page size gives 20; 100 is the largest page; sizes outside 1..100 are refused, not cut', async () => {
    const big = await enroll(admin, ids.R, { firstName: 'Big' });
    await insertSponsorChildren(big, 101);
    const root = gid(big);
    expect(idsOf(await page({ root })).length).toBe(20);
    const full = await page({ root, first: 100 });
    expect(full.edges.length).toBe(100);
    expect(full.pageInfo.hasNextPage).toBe(true);
    const rest = await page({ root, first: 100, after: full.pageInfo.endCursor });
    expect(rest.edges.length).toBe(1);
    expect((await page({ root, last: 100 })).edges.length).toBe(100);
    for (const [name, value] of [
      ['first', 500],
      ['last', 1000],
      ['first', 0],
      ['first', -1],
      ['last', -1],
    ] as const) {
      const r = await gql(
        DOWNLINE,
        { root, tree: 'SPONSOR', orderBy: 'TREE', direction: 'ASC', [name]: value },
        admin,
      );
      expect(firstError(r)).toMatchObject({
        message: `${name} must be between 1 and 100.`,
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
  });
});
