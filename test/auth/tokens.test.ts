import { env, SELF } from 'cloudflare:test';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../../src/modules/auth/tokens';
import { adminToken, apiKey, terminate } from '../helpers';
import { memberWithPassword, rawGql, sessionToken, VIEWER_ROLE } from './helpers';

// Issue 9 §3: a credential that does not hold is an authentication error (HTTP 401, UNAUTHENTICATED),
// never a silently anonymous request; a JWT without exp is refused.

let admin: string;
let root: number;
beforeAll(async () => {
  admin = await adminToken();
  root = (await memberWithPassword(admin, null)).id;
});

const secret = () => new TextEncoder().encode(env.JWT_SECRET);

function expectUnauthenticated(r: { status: number; headers: Headers; body: any }, what: string) {
  expect(r.status, what).toBe(401);
  expect(r.body.data, what).toBeUndefined();
  expect(r.body.errors?.[0]?.extensions?.code, what).toBe('UNAUTHENTICATED');
  expect(r.headers.get('www-authenticate'), what).toMatch(/^Bearer/);
}

describe('GraphQL requests with credentials that do not hold', () => {
  it('refuses garbage, a foreign signature, a non-Bearer scheme and malformed keys with 401', async () => {
    // Without an Authorization header a request is anonymous, as before.
    const anonymous = await rawGql(VIEWER_ROLE);
    expect(anonymous.status).toBe(200);
    expect(anonymous.body.data.viewerRole).toBe('ANONYMOUS');
    const foreign = await new SignJWT({ kind: 'staff', ver: 0 })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('1')
      .setIssuer('mlm-crm')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('another-secret-another-secret-another-secret'));
    for (const authorization of [
      'Bearer not-a-token',
      `Bearer ${foreign}`,
      'Basic YWRtaW46YWRtaW4=',
      'Bearer',
      'Bearer mlm_not_a_key',
    ])
      expectUnauthenticated(await rawGql(VIEWER_ROLE, {}, { authorization }), authorization);
  });

  it('refuses an expired token and a token without exp', async () => {
    const admin = await env.DB.prepare('SELECT id FROM staff_user LIMIT 1').first<{ id: number }>();
    const sub = String(admin!.id);
    const expired = await new SignJWT({ kind: 'staff', ver: 0 })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(sub)
      .setIssuer('mlm-crm')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
      .sign(secret());
    const noExp = await new SignJWT({ kind: 'staff', ver: 0 })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(sub)
      .setIssuer('mlm-crm')
      .setIssuedAt()
      .sign(secret());
    const valid = (await issueToken(env.JWT_SECRET, { kind: 'staff', id: admin!.id, ver: 0 })).token;
    expect((await rawGql(VIEWER_ROLE, {}, { token: valid })).body.data.viewerRole).toBe('ADMIN');
    expectUnauthenticated(await rawGql(VIEWER_ROLE, {}, { token: expired }), 'expired');
    expectUnauthenticated(await rawGql(VIEWER_ROLE, {}, { token: noExp }), 'no exp');
  });

  it('refuses the token of a terminated member and of a removed staff account', async () => {
    const m = await memberWithPassword(admin, root);
    const token = await sessionToken(m.email, m.password);
    expect((await rawGql(VIEWER_ROLE, {}, { token })).body.data.viewerRole).toBe('DISTRIBUTOR');
    expect((await terminate(admin, m.id)).__typename).toBe('MutationTerminateDistributorSuccess');
    expectUnauthenticated(await rawGql('{ me { id } }', {}, { token }), 'terminated');

    const gone = await adminToken('gone@auth.example');
    await env.DB.prepare("DELETE FROM staff_user WHERE email = 'gone@auth.example'").run();
    expectUnauthenticated(await rawGql(VIEWER_ROLE, {}, { token: gone }), 'removed staff');
  });

  it('refuses a revoked API key and a forged one with 401', async () => {
    const key = await apiKey(admin, ['genealogy:read']);
    expect((await rawGql(VIEWER_ROLE, {}, { token: key })).body.data.viewerRole).toBe('INTEGRATION');
    const forged = `${key.slice(0, -1)}${key.endsWith('0') ? '1' : '0'}`;
    expectUnauthenticated(await rawGql(VIEWER_ROLE, {}, { token: forged }), 'forged');
    await env.DB.prepare('UPDATE api_key SET revoked_at = ? WHERE key_prefix = ?')
      .bind(new Date().toISOString(), key.split('_')[1])
      .run();
    expectUnauthenticated(await rawGql(VIEWER_ROLE, {}, { token: key }), 'revoked');
  });
});

describe('HTTP endpoints that take tokens', () => {
  const endpoints: [string, string][] = [
    ['PUT', '/imports/genealogy/1/parts/1'],
    ['PUT', '/imports/orders/1/parts/1'],
    ['GET', '/payouts/2026-10/payouts.csv'],
    ['GET', '/payouts/2026-10/sepa.xml'],
  ];

  it('answer 401 JSON with code UNAUTHENTICATED for bad credentials, and 401 without any', async () => {
    for (const [method, path] of endpoints) {
      const init = (authorization?: string): RequestInit => ({
        method,
        headers: authorization ? { authorization } : ({} as Record<string, string>),
        ...(method === 'PUT' ? { body: 'x' } : {}),
      });
      const bad = await SELF.fetch(`http://localhost${path}`, init('Bearer not-a-token'));
      expect(bad.status, path).toBe(401);
      expect(bad.headers.get('www-authenticate'), path).toMatch(/^Bearer/);
      expect(((await bad.json()) as any).code, path).toBe('UNAUTHENTICATED');
      const none = await SELF.fetch(`http://localhost${path}`, init());
      expect(none.status, path).toBe(401);
      await none.body?.cancel();
    }
  });
});
