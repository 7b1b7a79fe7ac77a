import { adminToken, buildNetwork, distributorToken, move } from '../helpers';

// The network the access tests read. Binary placement; sponsor and placement trees differ:
//
//   sponsor tree                  placement tree (L/R)
//   R ─ U ─ A ─ A1                R ─L─ U ─L─ A ─L─ A1 ─R─ S ─L─ S1
//   │   │   ├ A2                  │     │     └R─ A2
//   │   │   └ A3                  │     └R─ X
//   │   └ X                       └R─ B ─L─ B1
//   ├ B ─ B1                             └R─ A3   (moved here by staff)
//   └ S ─ S1
//
// Viewer A sees A, A1, A2 (both trees), A3 (sponsor tree only), S and S1 (placement tree only: S is R's
// spillover placed under A1), and of the upline only U's public profile (U is A's sponsor).
export const NETWORK_SPEC: Parameters<typeof buildNetwork>[1] = [
  ['R', null],
  ['U', 'R', { leg: 'LEFT' }],
  ['B', 'R', { leg: 'RIGHT' }],
  ['A', 'U', { leg: 'LEFT' }],
  ['X', 'U', { leg: 'RIGHT' }],
  ['A1', 'A', { leg: 'LEFT' }],
  ['A2', 'A', { leg: 'RIGHT' }],
  ['A3', 'A', { parent: 'A1', position: 0 }],
  ['S', 'R', { parent: 'A1', position: 1 }],
  ['S1', 'S', { leg: 'LEFT' }],
  ['B1', 'B', { leg: 'LEFT' }],
];

export const VISIBLE_TO_A = ['A', 'A1', 'A2', 'A3', 'S', 'S1'];
export const HIDDEN_FROM_A = ['R', 'U', 'B', 'B1', 'X'];

export interface AccessNetwork {
  admin: string;
  ids: Record<string, number>;
  /** Session token of distributor A. */
  a: string;
  name: (id: number) => string;
}

export async function buildAccessNetwork(): Promise<AccessNetwork> {
  const admin = await adminToken();
  const ids = await buildNetwork(admin, NETWORK_SPEC);
  const moved = await move(admin, ids.A3, 'PLACEMENT', ids.B, 1);
  if (moved.__typename !== 'MutationMoveDistributorSuccess') throw new Error(JSON.stringify(moved));
  const names = new Map(Object.entries(ids).map(([n, id]) => [id, n]));
  return { admin, ids, a: await distributorToken(ids.A), name: (id) => names.get(id) ?? `#${id}` };
}
