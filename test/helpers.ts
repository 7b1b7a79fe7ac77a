import { env, SELF } from 'cloudflare:test';
import { hashPassword } from '../src/modules/auth/password';
import { issueToken } from '../src/modules/auth/tokens';

// Shared test helpers: every request goes through the real worker (SELF.fetch) and real D1.

export interface GqlResult<T = any> {
  data?: T;
  errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[];
}

export async function gql<T = any>(
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<GqlResult<T>> {
  const res = await SELF.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GqlResult<T>;
}

/** Like gql, but fails the test on any GraphQL error. */
export async function gqlOk<T = any>(
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<T> {
  const r = await gql<T>(query, variables, token);
  if (r.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
  return r.data as T;
}

/** A staff member and a session token for them (signed with the worker's own secret). */
export async function adminToken(email = 'admin@test.example'): Promise<string> {
  const row = await env.DB.prepare(
    `INSERT INTO staff_user (email, name, role, password_hash, created_at) VALUES (?, 'Admin', 'ADMIN', ?, ?)
     ON CONFLICT (email) DO UPDATE SET name = name RETURNING id`,
  )
    .bind(email, await hashPassword('admin-password-123'), new Date().toISOString())
    .first<{ id: number }>();
  return (await issueToken(env.JWT_SECRET, { kind: 'staff', id: row!.id })).token;
}

/** A session token for an existing distributor. */
export async function distributorToken(id: number): Promise<string> {
  return (await issueToken(env.JWT_SECRET, { kind: 'distributor', id })).token;
}

export function globalId(type: string, id: number | string): string {
  return btoa(`${type}:${id}`);
}

export function localId(gid: string): number {
  return Number(atob(gid).split(':')[1]);
}

export const ENROLL = `mutation Enroll($input: EnrollDistributorInput!) {
  enrollDistributor(input: $input) {
    __typename
    ... on MutationEnrollDistributorSuccess { distributor { id referralCode sponsorDepth placementDepth placementPosition } }
    ... on Error { message }
    ... on ValidationError { issues { path message } }
    ... on ConflictError { code }
  }
}`;

let seq = 0;
/** Enrolls a member as staff; returns the numeric id. `sponsor` null enrolls the root. */
export async function enroll(
  token: string,
  sponsor: number | null,
  extra: Record<string, unknown> = {},
): Promise<number> {
  seq++;
  const input = {
    firstName: `First${seq}`,
    lastName: `Last${seq}`,
    email: `m${seq}-${Math.random().toString(36).slice(2, 8)}@test.example`,
    country: 'DK',
    locale: 'da',
    ...(sponsor != null ? { sponsorId: globalId('Distributor', sponsor) } : {}),
    ...extra,
  };
  const data = await gqlOk(ENROLL, { input }, token);
  const r = data.enrollDistributor;
  if (r.__typename !== 'MutationEnrollDistributorSuccess')
    throw new Error(`enroll failed: ${JSON.stringify(r)}`);
  return localId(r.distributor.id);
}
