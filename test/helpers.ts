import { env, SELF } from 'cloudflare:test';
import { expect } from 'vitest';
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
     ON CONFLICT (email) DO UPDATE SET name = name RETURNING id, token_version`,
  )
    .bind(email, await hashPassword('admin-password-123'), new Date().toISOString())
    .first<{ id: number; token_version: number }>();
  return (await issueToken(env.JWT_SECRET, { kind: 'staff', id: row!.id, ver: row!.token_version })).token;
}

/** A session token for an existing distributor (carrying the account's current token version). */
export async function distributorToken(id: number): Promise<string> {
  const row = await env.DB.prepare('SELECT token_version FROM distributor WHERE id = ?')
    .bind(id)
    .first<{ token_version: number }>();
  // A token for a missing member still signs (some tests expect it to be refused); a fresh row has 0.
  return (await issueToken(env.JWT_SECRET, { kind: 'distributor', id, ver: row?.token_version ?? 0 })).token;
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

// ---- Genealogy and access helpers (appended) ----

export const gid = (id: number): string => globalId('Distributor', id);

/** Selection of a mutation result: the success payload's distributor, or the typed error. */
function distributorMutation(field: string, inputType: string, conflicts = true): string {
  const success = `Mutation${field[0].toUpperCase()}${field.slice(1)}Success`;
  return `mutation($input: ${inputType}!) { ${field}(input: $input) {
    __typename
    ... on Error { message }
    ... on ValidationError { issues { path message } }
    ${conflicts ? '... on ConflictError { code }' : ''}
    ... on ${success} { distributor { id status sponsorDepth placementDepth placementPosition } } } }`;
}

export const MOVE = distributorMutation('moveDistributor', 'MoveDistributorInput');
export const SET_STATUS = distributorMutation('setDistributorStatus', 'SetDistributorStatusInput');
export const TERMINATE = distributorMutation('terminateDistributor', 'TerminateDistributorInput');
export const UPDATE_PROFILE = distributorMutation(
  'updateDistributorProfile',
  'UpdateDistributorProfileInput',
  false,
);

/** Runs a one-field mutation and returns that field's result (or throws on GraphQL errors). */
export async function mutate(query: string, input: Record<string, unknown>, token?: string): Promise<any> {
  const data = await gqlOk(query, { input }, token);
  return Object.values(data as Record<string, unknown>)[0];
}

export function move(
  token: string,
  id: number,
  tree: 'SPONSOR' | 'PLACEMENT',
  parent: number,
  position?: number,
) {
  return mutate(
    MOVE,
    { id: gid(id), tree, newParentId: gid(parent), ...(position != null ? { position } : {}) },
    token,
  );
}

export function setStatus(token: string, id: number, status: 'ACTIVE' | 'SUSPENDED') {
  return mutate(SET_STATUS, { id: gid(id), status }, token);
}

export function terminate(token: string, id: number, reason = 'Test termination') {
  return mutate(TERMINATE, { id: gid(id), reason }, token);
}

/** Enrolls with any input and returns the enrollDistributor result (success or typed error). */
export async function tryEnroll(input: Record<string, unknown>, token?: string): Promise<any> {
  return (await gqlOk(ENROLL, { input }, token)).enrollDistributor;
}

export interface MemberRow {
  id: number;
  sponsor_id: number | null;
  sponsor_path: string;
  sponsor_depth: number;
  placement_parent_id: number | null;
  placement_position: number | null;
  placement_path: string;
  placement_depth: number;
  status: string;
  referral_code: string;
  email: string | null;
  team_size: number;
  team_active: number;
  placement_team_size: number;
  placement_child_count: number;
  phone: string | null;
}

export async function member(id: number): Promise<MemberRow> {
  const row = await env.DB.prepare('SELECT * FROM distributor WHERE id = ?').bind(id).first<MemberRow>();
  if (!row) throw new Error(`no distributor ${id}`);
  return row;
}

export async function setCompany(patch: {
  placement_kind?: 'BINARY' | 'MATRIX';
  matrix_width?: number;
  terminate_roll_up?: 'SPONSOR' | 'COMPANY';
}): Promise<void> {
  const keys = Object.keys(patch);
  await env.DB.prepare(`UPDATE company_settings SET ${keys.map((k) => `${k} = ?`).join(', ')} WHERE id = 1`)
    .bind(...Object.values(patch))
    .run();
}

/** Every row of the tables a genealogy write touches, to prove that a refused write changed nothing. */
export async function genealogyState(): Promise<string> {
  const tables = [
    'SELECT * FROM distributor ORDER BY id',
    'SELECT * FROM downline_level ORDER BY ancestor_id, level',
    'SELECT * FROM downline_joins ORDER BY ancestor_id, month',
    'SELECT * FROM genealogy_event ORDER BY id',
    'SELECT * FROM api_key ORDER BY id',
  ];
  const results = await env.DB.batch(tables.map((sql) => env.DB.prepare(sql)));
  return JSON.stringify(results.map((r) => r.results));
}

/** A network given as [name, sponsor name | null, options?]; returns name -> id. */
export type NetworkSpec = [
  name: string,
  sponsor: string | null,
  options?: {
    parent?: string;
    position?: number;
    leg?: 'LEFT' | 'RIGHT';
    /** Any other enrollment input (joinedAt, country, ...). */
    extra?: Record<string, unknown>;
  },
][];

export async function buildNetwork(token: string, spec: NetworkSpec): Promise<Record<string, number>> {
  const ids: Record<string, number> = {};
  for (const [name, sponsor, placement] of spec) {
    const extra: Record<string, unknown> = {
      firstName: name,
      email: `${name.toLowerCase()}-${seq}@net.example`,
      ...placement?.extra,
    };
    if (placement?.parent) extra.placementParentId = gid(ids[placement.parent]);
    if (placement?.position != null) extra.placementPosition = placement.position;
    if (placement?.leg) extra.leg = placement.leg;
    ids[name] = await enroll(token, sponsor == null ? null : ids[sponsor], extra);
  }
  return ids;
}

export async function login(email: string, password: string): Promise<any> {
  const data = await gqlOk(
    `mutation($input: LoginInput!) { login(input: $input) { __typename
      ... on MutationLoginSuccess { session { token role } } ... on Error { message } } }`,
    { input: { email, password } },
  );
  return data.login;
}

/** An integration API key created through the API by staff. */
export async function apiKey(admin: string, scopes: string[]): Promise<string> {
  const data = await gqlOk(
    `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { __typename
      ... on MutationCreateApiKeySuccess { apiKey { key prefix } } ... on Error { message } } }`,
    { input: { name: `key ${scopes.join(' ')}`, scopes } },
    admin,
  );
  if (!data.createApiKey.apiKey) throw new Error(`createApiKey failed: ${JSON.stringify(data.createApiKey)}`);
  return data.createApiKey.apiKey.key;
}

/** The first GraphQL error of a response, failing the test when there is none. */
export function firstError(r: GqlResult): { message: string; extensions?: Record<string, unknown> } {
  if (!r.errors?.length) throw new Error(`expected a GraphQL error, got ${JSON.stringify(r.data)}`);
  return r.errors[0];
}

/** Runs a request that must be refused, and checks that no genealogy table changed. */
export async function withoutWrites<T>(run: () => Promise<T>): Promise<T> {
  const before = await genealogyState();
  const result = await run();
  expect(await genealogyState()).toBe(before);
  return result;
}

/** A mutation result that must be the success payload. */
export function expectSuccess<T extends { __typename: string }>(r: T): T {
  expect(r.__typename, JSON.stringify(r)).toMatch(/^Mutation\w+Success$/);
  return r;
}

/** Enrolls `count` members under one sponsor at the same moment; returns every result. */
export async function enrollConcurrently(token: string, sponsor: number, count: number): Promise<any[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      tryEnroll(
        { firstName: `Burst${i}`, lastName: 'Signup', country: 'DK', locale: 'da', sponsorId: gid(sponsor) },
        token,
      ),
    ),
  );
}
