import { beforeAll, describe, expect, it } from 'vitest';
import {
  adminToken,
  buildNetwork,
  distributorToken,
  expectSuccess,
  gid,
  gql,
  gqlOk,
  member,
  move,
  setCompany,
  setStatus,
  terminate,
  tryEnroll,
  withoutWrites,
} from '../helpers';
import { expectCountersRight } from './counters';

// Staff changes to the trees: moves (sponsor and placement), suspend/reactivate, terminate. After each,
// paths and depths of the whole subtree follow and every maintained counter is right.

let admin: string;
let ids: Record<string, number>;

// Joins spread over months (one right at a month boundary in Copenhagen) so that downline_joins matters.
beforeAll(async () => {
  admin = await adminToken();
  ids = await buildNetwork(admin, [
    ['R', null],
    ['A', 'R'],
    ['B', 'R'],
    ['A1', 'A', { extra: { joinedAt: '2025-11-03T10:00:00Z' } }],
    ['A2', 'A'],
    ['A11', 'A1', { extra: { joinedAt: '2026-03-31T22:30:00Z' } }], // April in Copenhagen
    ['A12', 'A1'],
    ['A111', 'A11', { extra: { joinedAt: '2026-01-15T00:00:00Z' } }],
    ['B1', 'B', { extra: { joinedAt: '2026-03-31T21:59:59Z' } }], // still March in Copenhagen
    ['B11', 'B1'],
  ]);
  await expectCountersRight('after building');
});

const ok = expectSuccess;
const refusedWithoutWrites = withoutWrites<any>;

describe('moving in the sponsor tree', () => {
  it('moves the member with their subtree; paths and depths follow; placement stays', async () => {
    const placementBefore = (await member(ids.A1)).placement_path;
    ok(await move(admin, ids.A1, 'SPONSOR', ids.B1));
    await expectCountersRight('after a sponsor move');
    const a1 = await member(ids.A1);
    const b1 = await member(ids.B1);
    expect(a1.sponsor_id).toBe(ids.B1);
    expect(a1.sponsor_path).toBe(`${b1.sponsor_path}${ids.A1}.`);
    expect(a1.sponsor_depth).toBe(3);
    expect(a1.placement_path).toBe(placementBefore);
    const a111 = await member(ids.A111);
    expect(a111.sponsor_path).toBe(`${a1.sponsor_path}${ids.A11}.${ids.A111}.`);
    expect(a111.sponsor_depth).toBe(5);
    expect((await member(ids.A)).team_size).toBe(1);
    expect((await member(ids.B)).team_size).toBe(6);
  });

  it('refuses cycles and moving the root, and writes nothing', async () => {
    for (const target of [ids.A1, ids.A11, ids.A111]) {
      expect(await refusedWithoutWrites(() => move(admin, ids.A1, 'SPONSOR', target))).toMatchObject({
        __typename: 'ConflictError',
        code: 'CYCLE',
      });
    }
    expect(await refusedWithoutWrites(() => move(admin, ids.R, 'SPONSOR', ids.A))).toMatchObject({
      __typename: 'ConflictError',
      code: 'ROOT_CANNOT_MOVE',
    });
    expect((await refusedWithoutWrites(() => move(admin, ids.A, 'SPONSOR', 987_654))).__typename).toBe(
      'NotFoundError',
    );
    expect((await refusedWithoutWrites(() => move(admin, 987_654, 'SPONSOR', ids.A))).__typename).toBe(
      'NotFoundError',
    );
  });

  it('moves back', async () => {
    ok(await move(admin, ids.A1, 'SPONSOR', ids.A));
    await expectCountersRight('after moving back');
    expect((await member(ids.A111)).sponsor_depth).toBe(4);
  });
});

describe('moving in the placement tree', () => {
  it('moves the placement subtree; paths and depths follow; sponsors stay', async () => {
    const sponsorBefore = (await member(ids.A11)).sponsor_path;
    const b11 = await member(ids.B11);
    const free = b11.placement_child_count === 0 ? 0 : 1;
    ok(await move(admin, ids.A11, 'PLACEMENT', ids.B11, free));
    await expectCountersRight('after a placement move');
    const a11 = await member(ids.A11);
    expect(a11.placement_parent_id).toBe(ids.B11);
    expect(a11.placement_path).toBe(`${b11.placement_path}${free}`);
    expect(a11.placement_depth).toBe(b11.placement_depth + 1);
    expect(a11.sponsor_path).toBe(sponsorBefore);
    const a111 = await member(ids.A111);
    expect(a111.placement_path.startsWith(a11.placement_path)).toBe(true);
    expect(a111.placement_depth).toBe(a111.placement_path.length);
  });

  it('without a position, takes the first free one', async () => {
    const b1 = await member(ids.B1);
    const r = ok(await move(admin, ids.A12, 'PLACEMENT', ids.B1));
    const taken = b1.placement_child_count === 0 ? 0 : 1;
    expect(r.distributor.placementPosition).toBe(taken);
    await expectCountersRight('after a placement move without position');
    // The root's two positions are taken: with no position given, that is a conflict.
    expect(await refusedWithoutWrites(() => move(admin, ids.A2, 'PLACEMENT', ids.R))).toMatchObject({
      __typename: 'ConflictError',
      code: 'PARENT_FULL',
    });
  });

  it('refuses cycles, taken and out-of-range positions, and the root', async () => {
    expect(await refusedWithoutWrites(() => move(admin, ids.B1, 'PLACEMENT', ids.A111, 0))).toMatchObject({
      __typename: 'ConflictError',
      code: 'CYCLE',
    });
    expect(await refusedWithoutWrites(() => move(admin, ids.A, 'PLACEMENT', ids.A, 0))).toMatchObject({
      code: 'CYCLE',
    });
    expect(await refusedWithoutWrites(() => move(admin, ids.A111, 'PLACEMENT', ids.R, 0))).toMatchObject({
      __typename: 'ConflictError',
      code: 'POSITION_TAKEN',
    });
    expect((await refusedWithoutWrites(() => move(admin, ids.A111, 'PLACEMENT', ids.A2, 2))).__typename).toBe(
      'ValidationError',
    );
    expect(await refusedWithoutWrites(() => move(admin, ids.R, 'PLACEMENT', ids.A2, 0))).toMatchObject({
      __typename: 'ConflictError',
      code: 'ROOT_CANNOT_MOVE',
    });
  });
});

describe('status', () => {
  it('suspending and reactivating change team_active all the way up', async () => {
    const upBefore = (await member(ids.R)).team_active;
    ok(await setStatus(admin, ids.A1, 'SUSPENDED'));
    await expectCountersRight('after suspending');
    expect((await member(ids.R)).team_active).toBe(upBefore - 1);
    expect((await member(ids.A1)).status).toBe('SUSPENDED');
    ok(await setStatus(admin, ids.A1, 'SUSPENDED')); // no change
    await expectCountersRight('after suspending twice');
    expect((await member(ids.R)).team_active).toBe(upBefore - 1);
  });

  it('a suspended member cannot sponsor', async () => {
    const r = await refusedWithoutWrites(() =>
      tryEnroll(
        { firstName: 'N', lastName: 'N', country: 'DK', locale: 'da', sponsorId: gid(ids.A1) },
        admin,
      ),
    );
    expect(r).toMatchObject({ __typename: 'ConflictError', code: 'SPONSOR_NOT_ACTIVE' });
  });

  it('reactivates', async () => {
    ok(await setStatus(admin, ids.A1, 'ACTIVE'));
    await expectCountersRight('after reactivating');
    expect((await member(ids.A1)).status).toBe('ACTIVE');
  });
});

describe('termination', () => {
  it('rolls the sponsor children up to the sponsor, keeps the placement, and refuses the token', async () => {
    const token = await distributorToken(ids.A1);
    expect((await gqlOk('{ viewerRole }', {}, token)).viewerRole).toBe('DISTRIBUTOR');
    const before = await member(ids.A1);
    const childBefore = await member(ids.A11);
    ok(await terminate(admin, ids.A1));
    await expectCountersRight('after terminating');
    const a1 = await member(ids.A1);
    expect(a1).toMatchObject({
      status: 'TERMINATED',
      team_size: 0,
      placement_path: before.placement_path,
      placement_parent_id: before.placement_parent_id,
      sponsor_id: ids.A,
    });
    for (const child of [ids.A11, ids.A12]) {
      const c = await member(child);
      expect(c.sponsor_id).toBe(ids.A);
      expect(c.sponsor_depth).toBe(2);
    }
    expect((await member(ids.A11)).placement_path).toBe(childBefore.placement_path);
    expect((await member(ids.A111)).sponsor_depth).toBe(3);
    // Issue 9 §3: the token is refused as UNAUTHENTICATED, not read as an anonymous request.
    const refused = await gql('{ me { id } viewerRole }', {}, token);
    expect(refused.data).toBeUndefined();
    expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses the root, a second termination, a reactivation, a move under a terminated member', async () => {
    expect(await refusedWithoutWrites(() => terminate(admin, ids.R))).toMatchObject({
      __typename: 'ConflictError',
      code: 'ROOT',
    });
    expect(await refusedWithoutWrites(() => terminate(admin, ids.A1))).toMatchObject({ code: 'TERMINATED' });
    expect(await refusedWithoutWrites(() => setStatus(admin, ids.A1, 'ACTIVE'))).toMatchObject({
      code: 'TERMINATED',
    });
    expect(await refusedWithoutWrites(() => move(admin, ids.A2, 'SPONSOR', ids.A1))).toMatchObject({
      code: 'PARENT_TERMINATED',
    });
    expect((await refusedWithoutWrites(() => terminate(admin, ids.A2, '  '))).__typename).toBe(
      'ValidationError',
    );
  });

  it('with terminateRollUp COMPANY the children go to the root', async () => {
    await setCompany({ terminate_roll_up: 'COMPANY' });
    try {
      ok(await setStatus(admin, ids.B1, 'SUSPENDED')); // a suspended member can be terminated too
      ok(await terminate(admin, ids.B1));
      await expectCountersRight('after terminating to the company');
      const b11 = await member(ids.B11);
      expect(b11.sponsor_id).toBe(ids.R);
      expect(b11.sponsor_depth).toBe(1);
      expect(b11.sponsor_path).toBe(`${ids.R}.${ids.B11}.`);
    } finally {
      await setCompany({ terminate_roll_up: 'SPONSOR' });
    }
  });
});
