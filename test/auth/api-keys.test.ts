import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminToken, apiKey, firstError, globalId, gql, gqlOk } from '../helpers';
import { memberWithPassword, rawGql, sessionToken, VIEWER_ROLE } from './helpers';

// Issue 9 §9: staff list the API keys with their last use, and revoke them (401 from then on).

let admin: string;
let root: number;
beforeAll(async () => {
  admin = await adminToken();
  root = (await memberWithPassword(admin, null)).id;
});

const KEYS = `{ apiKeys { id name prefix scopes createdAt lastUsedAt revokedAt } }`;
const REVOKE = `mutation($input: RevokeApiKeyInput!) { revokeApiKey(input: $input) { __typename
  ... on MutationRevokeApiKeySuccess { apiKey { id prefix revokedAt } } ... on Error { message } } }`;

async function listed(prefix: string): Promise<any> {
  return (await gqlOk(KEYS, {}, admin)).apiKeys.find((k: any) => k.prefix === prefix);
}

describe('apiKeys', () => {
  it('lists keys with their scopes and last use, written at most once a minute', async () => {
    const key = await apiKey(admin, ['genealogy:read', 'orders:write']);
    const prefix = key.split('_')[1];
    const fresh = await listed(prefix);
    expect(fresh).toMatchObject({
      scopes: ['genealogy:read', 'orders:write'],
      lastUsedAt: null,
      revokedAt: null,
    });
    expect(fresh.id).toBe(
      globalId(
        'ApiKey',
        (await env.DB.prepare('SELECT id FROM api_key WHERE key_prefix = ?')
          .bind(prefix)
          .first<{ id: number }>())!.id,
      ),
    );

    expect((await rawGql(VIEWER_ROLE, {}, { token: key })).status).toBe(200);
    const used = (await listed(prefix)).lastUsedAt;
    expect(Date.now() - Date.parse(used)).toBeLessThan(60_000);
    expect((await rawGql(VIEWER_ROLE, {}, { token: key })).status).toBe(200);
    expect((await listed(prefix)).lastUsedAt).toBe(used); // no write per request

    // A minute later the next request moves it on.
    const earlier = new Date(Date.now() - 61_000).toISOString();
    await env.DB.prepare('UPDATE api_key SET last_used_at = ? WHERE key_prefix = ?')
      .bind(earlier, prefix)
      .run();
    expect((await rawGql(VIEWER_ROLE, {}, { token: key })).status).toBe(200);
    expect(Date.parse((await listed(prefix)).lastUsedAt)).toBeGreaterThan(Date.parse(earlier));
  });

  it('is staff-only, and so is node(id:) of a key', async () => {
    const key = await apiKey(admin, ['genealogy:read']);
    const id = (await listed(key.split('_')[1])).id;
    const m = await memberWithPassword(admin, root);
    const member = await sessionToken(m.email, m.password);
    expect(firstError(await gql(KEYS, {}, member)).extensions?.code).toBe('FORBIDDEN');
    expect(firstError(await gql(KEYS, {}, key)).extensions?.code).toBe('FORBIDDEN');
    const NODE = `query($id: ID!) { node(id: $id) { id ... on ApiKey { prefix } } }`;
    expect((await gqlOk(NODE, { id }, admin)).node.prefix).toBe(key.split('_')[1]);
    expect((await gqlOk(NODE, { id }, member)).node).toBeNull();
  });
});

describe('revokeApiKey', () => {
  it('revokes a key at once: its requests get 401, and the list shows when', async () => {
    const key = await apiKey(admin, ['genealogy:read']);
    const other = await apiKey(admin, ['genealogy:read']);
    const id = (await listed(key.split('_')[1])).id;
    expect((await rawGql(VIEWER_ROLE, {}, { token: key })).body.data.viewerRole).toBe('INTEGRATION');
    const r = (await gqlOk(REVOKE, { input: { id } }, admin)).revokeApiKey;
    expect(r.__typename).toBe('MutationRevokeApiKeySuccess');
    expect(r.apiKey.revokedAt).not.toBeNull();
    const refused = await rawGql(VIEWER_ROLE, {}, { token: key });
    expect(refused.status).toBe(401);
    expect(refused.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect((await listed(key.split('_')[1])).revokedAt).toBe(r.apiKey.revokedAt);
    expect((await rawGql(VIEWER_ROLE, {}, { token: other })).status).toBe(200);
    // Revoking again changes nothing.
    expect((await gqlOk(REVOKE, { input: { id } }, admin)).revokeApiKey.apiKey.revokedAt).toBe(
      r.apiKey.revokedAt,
    );
  });

  it('answers an unknown key with NotFoundError and refuses non-staff', async () => {
    const missing = (await gqlOk(REVOKE, { input: { id: globalId('ApiKey', 999_999) } }, admin)).revokeApiKey;
    expect(missing.__typename).toBe('NotFoundError');
    const key = await apiKey(admin, ['genealogy:write']);
    const id = (await listed(key.split('_')[1])).id;
    expect(firstError(await gql(REVOKE, { input: { id } }, key)).extensions?.code).toBe('FORBIDDEN');
    expect((await listed(key.split('_')[1])).revokedAt).toBeNull();
  });
});
