import { env } from 'cloudflare:test';
import { beforeAll, expect, it } from 'vitest';
import {
  adminToken,
  enroll,
  enrollConcurrently,
  genealogyState,
  gid,
  gqlOk,
  member,
  move,
  setCompany,
  tryEnroll,
} from '../helpers';
import { expectCountersRight } from './counters';

// SPEC §1 forced matrix: auto-placement is breadth-first, left to right, under the sponsor.

let admin: string;
let root: number;
const path = async (id: number) => (await member(id)).placement_path;

beforeAll(async () => {
  await setCompany({ placement_kind: 'MATRIX', matrix_width: 3 });
  admin = await adminToken();
  root = await enroll(admin, null);
});

it('reports the matrix width', async () => {
  expect((await gqlOk('{ company { placementKind placementWidth } }')).company).toEqual({
    placementKind: 'MATRIX',
    placementWidth: 3,
  });
});

it('fills level by level, left to right, under the sponsor', async () => {
  const paths: string[] = [];
  for (let i = 0; i < 13; i++) paths.push(await path(await enroll(admin, root)));
  expect(paths).toEqual(['0', '1', '2', '00', '01', '02', '10', '11', '12', '20', '21', '22', '000']);
  await expectCountersRight('after filling two levels');
  const legs = await gqlOk(
    `query($id: ID!) { distributor(id: $id) { legs(tree: PLACEMENT) { position size } } }`,
    { id: gid(root) },
    admin,
  );
  expect(legs.distributor.legs).toEqual([
    { position: 0, size: 5 },
    { position: 1, size: 4 },
    { position: 2, size: 4 },
  ]);
});

it('a sponsor deeper down fills their own subtree first, skipping full members', async () => {
  const second = (await member(root)).id + 2; // the member at '1'
  expect(await path(second)).toBe('1');
  const placed: string[] = [];
  for (let i = 0; i < 4; i++) placed.push(await path(await enroll(admin, second)));
  // '1' is full (10, 11, 12): its children fill left to right.
  expect(placed).toEqual(['100', '101', '102', '110']);
  await expectCountersRight('after a deeper sponsor');
});

it('a position freed by a move is the next one taken', async () => {
  const at = async (p: string) =>
    (await env.DB.prepare('SELECT id FROM distributor WHERE placement_path = ?')
      .bind(p)
      .first<{ id: number }>())!.id;
  // Move '01' under '22' (position 0): '0' gets a free middle position.
  expect((await move(admin, await at('01'), 'PLACEMENT', await at('22'), 0)).__typename).toBe(
    'MutationMoveDistributorSuccess',
  );
  await expectCountersRight('after a matrix move');
  expect(await path(await enroll(admin, root))).toBe('01');
  await expectCountersRight('after refilling');
});

it('refuses a leg, and explicit positions outside the width', async () => {
  const base = { firstName: 'M', lastName: 'X', country: 'DK', locale: 'da', sponsorId: gid(root) };
  const before = await genealogyState();
  expect((await tryEnroll({ ...base, leg: 'LEFT' }, admin)).__typename).toBe('ValidationError');
  expect(
    (await tryEnroll({ ...base, placementParentId: gid(root), placementPosition: 3 }, admin)).__typename,
  ).toBe('ValidationError');
  expect(
    await tryEnroll({ ...base, placementParentId: gid(root), placementPosition: 2 }, admin),
  ).toMatchObject({
    __typename: 'ConflictError',
    code: 'POSITION_TAKEN',
  });
  expect(await genealogyState()).toBe(before);
});

it('a burst of enrollments fills the matrix without gaps or clashes', async () => {
  const sponsor = await enroll(admin, root);
  const results = await enrollConcurrently(admin, sponsor, 12);
  expect(results.every((r) => r.__typename === 'MutationEnrollDistributorSuccess')).toBe(true);
  await expectCountersRight('after a burst');
  // Breadth-first: the sponsor's 3 positions, then the 9 below them, whatever the order of arrival.
  const { results: rows } = await env.DB.prepare(
    'SELECT placement_path FROM distributor WHERE placement_path > ?1 AND placement_path < ?1 || ? ORDER BY 1',
  )
    .bind(await path(sponsor), '~')
    .all<{ placement_path: string }>();
  const base = await path(sponsor);
  expect(rows.map((r) => r.placement_path.slice(base.length))).toEqual([
    '0',
    '00',
    '01',
    '02',
    '1',
    '10',
    '11',
    '12',
    '2',
    '20',
    '21',
    '22',
  ]);
});
