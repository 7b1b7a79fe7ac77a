import { beforeAll, describe, expect, it } from 'vitest';
import {
  adminToken,
  enroll,
  enrollConcurrently,
  gid,
  localId,
  member,
  tryEnroll,
  withoutWrites,
} from '../helpers';
import { expectCountersRight } from './counters';

// SPEC §1 binary placement: auto-placement goes to the outermost free position of the chosen leg, else of
// the sponsor's weaker leg (by placement team size; LEFT on a tie). Explicit placement must be inside the
// sponsor's placement downline, on a free position within the width.

let admin: string;
let root: number;
const path = async (id: number) => (await member(id)).placement_path;

beforeAll(async () => {
  admin = await adminToken();
  root = await enroll(admin, null);
});

async function placed(sponsor: number, extra: Record<string, unknown> = {}) {
  const id = await enroll(admin, sponsor, extra);
  await expectCountersRight(`after enrolling ${id}`);
  return { id, path: await path(id), parent: (await member(id)).placement_parent_id };
}

const t: Record<string, number> = {};

describe('binary auto-placement', () => {
  it('fills the weaker leg, LEFT on a tie, at the outermost position of that leg', async () => {
    t.a = (await placed(root)).id; // tie 0/0 -> LEFT
    expect(await path(t.a)).toBe('0');
    t.b = (await placed(root)).id; // right is empty -> RIGHT
    expect(await path(t.b)).toBe('1');
    t.c = (await placed(root)).id; // tie 1/1 -> LEFT, below a on the outer edge
    expect(await path(t.c)).toBe('00');
    t.d = (await placed(root)).id; // 2/1 -> RIGHT, outer edge below b
    expect(await path(t.d)).toBe('11');
    t.e = (await placed(root)).id; // 2/2 -> LEFT, down the outer edge
    expect(await path(t.e)).toBe('000');
  });

  it('a chosen leg overrides the weaker one and spills down its outer edge', async () => {
    const f = await placed(root, { leg: 'LEFT' }); // 3/2: the weaker leg would be RIGHT
    expect(f.path).toBe('0000');
    expect(f.parent).toBe(t.e);
    t.f = f.id;
    expect((await placed(root)).path).toBe('111'); // 4/2 -> RIGHT
  });

  it('a deeper sponsor spills into their own subtree, and spillover counts for the weaker leg', async () => {
    // a's left leg holds c, e, f (3); its right is empty.
    expect((await placed(t.a)).path).toBe('01');
    const i = await placed(t.a, { leg: 'LEFT' });
    expect(i.path).toBe('00000');
    expect(i.parent).toBe(t.f);
    // Root: left a,c,e,f,+2 = 6 > right b,d,+1 = 3 -> RIGHT, although the root sponsored fewer on the left.
    expect((await placed(root)).path).toBe('1111');
  });

  it('keeps the sponsor link apart from the placement', async () => {
    const k = await placed(t.c);
    const row = await member(k.id);
    expect(row.sponsor_id).toBe(t.c);
    expect(row.placement_path.startsWith(await path(t.c))).toBe(true);
    expect(row.sponsor_depth).toBe(2);
  });
});

describe('binary explicit placement', () => {
  let s: number;
  let free: number;
  beforeAll(async () => {
    s = await enroll(admin, root, { leg: 'RIGHT' });
    free = await enroll(admin, s, { leg: 'LEFT' }); // s's left child; its children are free
  });

  const input = (extra: Record<string, unknown>) => ({
    firstName: 'Ex',
    lastName: 'Plicit',
    country: 'DK',
    locale: 'da',
    sponsorId: gid(s),
    ...extra,
  });

  const refused = (extra: Record<string, unknown>) => withoutWrites(() => tryEnroll(input(extra), admin));

  it('places at the given free position under the sponsor or anyone in their placement downline', async () => {
    const r1 = await tryEnroll(input({ placementParentId: gid(free), placementPosition: 1 }), admin);
    expect(r1.__typename).toBe('MutationEnrollDistributorSuccess');
    expect(await path(localId(r1.distributor.id))).toBe(`${await path(free)}1`);
    const r2 = await tryEnroll(input({ placementParentId: gid(s), placementPosition: 1 }), admin);
    expect(await path(localId(r2.distributor.id))).toBe(`${await path(s)}1`);
    await expectCountersRight('after explicit placements');
  });

  it('refuses a taken position, a position out of range, a parent outside the downline, half a request', async () => {
    expect(await refused({ placementParentId: gid(free), placementPosition: 1 })).toMatchObject({
      __typename: 'ConflictError',
      code: 'POSITION_TAKEN',
    });
    const range = await refused({ placementParentId: gid(free), placementPosition: 2 });
    expect(range.__typename).toBe('ValidationError');
    expect(range.issues.map((i: any) => i.path)).toEqual(['placementPosition']);
    expect((await refused({ placementParentId: gid(free), placementPosition: -1 })).__typename).toBe(
      'ValidationError',
    );
    // root is above s; a member of the left leg is beside s.
    for (const outside of [root, t.a]) {
      expect(await refused({ placementParentId: gid(outside), placementPosition: 0 })).toMatchObject({
        __typename: 'ConflictError',
        code: 'PLACEMENT_OUTSIDE_SPONSOR',
      });
    }
    expect((await refused({ placementParentId: gid(free) })).__typename).toBe('ValidationError');
    expect((await refused({ placementPosition: 0 })).__typename).toBe('ValidationError');
    expect((await refused({ placementParentId: gid(999_999), placementPosition: 0 })).__typename).toBe(
      'NotFoundError',
    );
  });
});

describe('a burst of enrollments under one sponsor', () => {
  it('all succeed on distinct positions, with every counter right', async () => {
    const results = await enrollConcurrently(admin, t.b, 16);
    expect(results.map((r) => r.__typename)).toEqual(results.map(() => 'MutationEnrollDistributorSuccess'));
    const paths = await Promise.all(results.map(async (r) => path(localId(r.distributor.id))));
    expect(new Set(paths).size).toBe(16);
    await expectCountersRight('after a burst');
  });
});
