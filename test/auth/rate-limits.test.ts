import { SELF } from 'cloudflare:test';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { adminToken, apiKey, ENROLL, member } from '../helpers';
import { loginFrom, memberWithPassword, randomAddress, rawGql, VIEWER_ROLE } from './helpers';

// Issue 9 §9: login, sign-up with a referral code and API-key requests are limited per client address
// (CF-Connecting-IP) and per account. Limiter state lives for the whole file: each test uses its own
// addresses and accounts.

let admin: string;
let root: number;
beforeAll(async () => {
  admin = await adminToken();
  root = (await memberWithPassword(admin, null)).id;
});

// The binding counts in fixed one-minute windows aligned to the wall clock: a burst that straddles a
// window boundary would pass up to twice the limit. Each test starts its burst early in a window.
beforeEach(async () => {
  const intoWindow = Date.now() % 60_000;
  if (intoWindow > 35_000) await new Promise((r) => setTimeout(r, 60_000 - intoWindow + 50));
}, 30_000);

describe('login', () => {
  it('20 wrong passwords for one account: RATE_LIMITED after 10, and the right password is refused too', async () => {
    const m = await memberWithPassword(admin, root);
    const results = [];
    // A new address for each attempt: the per-account limit alone stops the guessing.
    for (let i = 0; i < 20; i++)
      results.push(await loginFrom(m.email, `wrong-password-${i}`, randomAddress()));
    const kinds = results.map((r) => r.__typename);
    expect(kinds.slice(0, 10)).toEqual(Array(10).fill('AuthenticationError'));
    expect(kinds.slice(10)).toEqual(Array(10).fill('RateLimitedError'));
    expect(results[19].retryAfterSeconds).toBe(60);
    expect((await loginFrom(m.email, m.password, randomAddress())).__typename).toBe('RateLimitedError');
  });

  it('one address guessing many accounts is limited too; other addresses and accounts are not', async () => {
    const address = randomAddress();
    const kinds = [];
    for (let i = 0; i < 12; i++)
      kinds.push(
        (await loginFrom(`nobody${i}-${address}@auth.example`, 'wrong-password', address)).__typename,
      );
    expect(kinds.slice(0, 10)).toEqual(Array(10).fill('AuthenticationError'));
    expect(kinds.slice(10)).toEqual(['RateLimitedError', 'RateLimitedError']);
    const m = await memberWithPassword(admin, root);
    expect((await loginFrom(m.email, m.password, address)).__typename).toBe('RateLimitedError');
    expect((await loginFrom(m.email, m.password, randomAddress())).__typename).toBe('MutationLoginSuccess');
  });

  it('the typed error says when to try again', async () => {
    const address = randomAddress();
    let last: any;
    for (let i = 0; i < 11; i++) last = await loginFrom(`x${i}-${address}@auth.example`, 'nope', address);
    expect(last).toMatchObject({ __typename: 'RateLimitedError', retryAfterSeconds: 60 });
    expect(last.message).toMatch(/Try again in 60 seconds/);
  });
});

const SIGN_UP = ENROLL.replace('__typename', '__typename ... on RateLimitedError { retryAfterSeconds }');

async function signUp(code: string, address: string, i: number): Promise<string> {
  const input = {
    firstName: 'Sign',
    lastName: `Up${i}`,
    email: `signup${i}-${Math.random().toString(36).slice(2, 8)}@auth.example`,
    country: 'DK',
    locale: 'da',
    sponsorReferralCode: code,
    password: 'a-long-enough-password',
  };
  return (await rawGql(SIGN_UP, { input }, { address })).body.data.enrollDistributor.__typename;
}

describe('sign-up with a referral code', () => {
  it('is limited per referral code, from any address', async () => {
    const sponsor = await memberWithPassword(admin, root);
    const code = (await member(sponsor.id)).referral_code;
    const kinds = [];
    for (let i = 0; i < 11; i++) kinds.push(await signUp(code, randomAddress(), i));
    expect(kinds.slice(0, 10)).toEqual(Array(10).fill('MutationEnrollDistributorSuccess'));
    expect(kinds[10]).toBe('RateLimitedError');
  });

  it('is limited per address', async () => {
    const code = (await member(root)).referral_code;
    const address = randomAddress();
    const kinds = [];
    // Known and unknown codes alike (guessing codes is what the limit stops).
    for (let i = 0; i < 12; i++) kinds.push(await signUp(i % 2 ? code : `NO-SUCH-${i}`, address, i));
    expect(kinds.slice(10)).toEqual(['RateLimitedError', 'RateLimitedError']);
    expect(kinds.slice(0, 10)).not.toContain('RateLimitedError');
  });
});

describe('API keys', () => {
  it('over the limit a key gets 429 with Retry-After, on GraphQL and on the HTTP endpoints', async () => {
    const key = await apiKey(admin, ['genealogy:read']);
    const address = randomAddress();
    const statuses: number[] = [];
    // 300 a minute per key and address; send them in parallel batches.
    for (let batch = 0; batch < 6; batch++) {
      const rs = await Promise.all(
        Array.from({ length: 50 }, () => rawGql(VIEWER_ROLE, {}, { token: key, address })),
      );
      statuses.push(...rs.map((r) => r.status));
    }
    expect(statuses.every((s) => s === 200)).toBe(true);
    const limited = await rawGql(VIEWER_ROLE, {}, { token: key, address: randomAddress() });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('60');
    expect(limited.body.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 60 });
    const upload = await SELF.fetch('http://localhost/payouts/2026-10/payouts.csv', {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(upload.status).toBe(429);
    expect(upload.headers.get('retry-after')).toBe('60');
    expect(((await upload.json()) as any).code).toBe('RATE_LIMITED');
    // Other keys are not affected.
    const other = await apiKey(admin, ['genealogy:read']);
    expect((await rawGql(VIEWER_ROLE, {}, { token: other, address: randomAddress() })).status).toBe(200);
  });
});
