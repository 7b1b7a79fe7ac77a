import { SELF } from 'cloudflare:test';
import { enroll } from '../helpers';

// Raw GraphQL requests for the authentication tests: the status, headers and body, with an optional
// Authorization header (sent exactly as given) and client address (CF-Connecting-IP).

export interface RawResult {
  status: number;
  headers: Headers;
  body: any;
}

export async function rawGql(
  query: string,
  variables: Record<string, unknown> = {},
  opts: { authorization?: string; token?: string; address?: string } = {},
): Promise<RawResult> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.authorization != null) headers.authorization = opts.authorization;
  if (opts.address) headers['cf-connecting-ip'] = opts.address;
  const res = await SELF.fetch('http://localhost/graphql', {
    method: 'POST',
    headers,
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

export const LOGIN = `mutation($input: LoginInput!) { login(input: $input) { __typename
  ... on MutationLoginSuccess { session { token role } }
  ... on RateLimitedError { message retryAfterSeconds }
  ... on Error { message } } }`;

/** Signs in from an address; returns the login result (success or typed error). */
export async function loginFrom(email: string, password: string, address?: string): Promise<any> {
  const r = await rawGql(LOGIN, { input: { email, password } }, { address });
  if (r.status !== 200 || r.body.errors) throw new Error(`login request failed: ${JSON.stringify(r.body)}`);
  return r.body.data.login;
}

let n = 0;
/** A distributor with a password and a unique e-mail, enrolled by staff; returns id, e-mail, password. */
export async function memberWithPassword(
  admin: string,
  sponsor: number | null,
): Promise<{ id: number; email: string; password: string }> {
  n++;
  const email = `auth${n}-${Math.random().toString(36).slice(2, 8)}@auth.example`;
  const password = `pass-word-${n}-secret`;
  const id = await enroll(admin, sponsor, { email, password });
  return { id, email, password };
}

/** A random client address, so that each test has its own rate-limit budget. */
export function randomAddress(): string {
  const b = () => Math.floor(Math.random() * 254) + 1;
  return `10.${b()}.${b()}.${b()}`;
}

/** A session token from a real login (fails the test when the login fails). */
export async function sessionToken(email: string, password: string): Promise<string> {
  const r = await loginFrom(email, password, randomAddress());
  if (!r.session) throw new Error(`login failed: ${JSON.stringify(r)}`);
  return r.session.token;
}

export const VIEWER_ROLE = '{ viewerRole }';
