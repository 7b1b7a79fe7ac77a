import { builder } from '../../graphql/builder';
import { NotFoundError } from '../../lib/errors';
import { type ApiKeyRow, apiKeysByIds, listApiKeys, revokeApiKey } from './apiKeyRows';

// Staff: the company's integration API keys, their last use, and revocation.

export const ApiKey = builder.objectRef<ApiKeyRow>('ApiKey');

builder.node(ApiKey, {
  description: 'An integration API key (staff only). The key itself is never shown again.',
  id: { resolve: (r) => r.id },
  loadMany: async (ids, ctx) => {
    if (ctx.viewer.kind !== 'ADMIN') return ids.map(() => null);
    const byId = new Map((await apiKeysByIds(ctx.db, ids.map(Number))).map((r) => [r.id, r]));
    return ids.map((id) => byId.get(Number(id)) ?? null);
  },
  isTypeOf: (o) => typeof o === 'object' && o !== null && 'key_prefix' in o,
  fields: (t) => ({
    name: t.exposeString('name'),
    prefix: t.exposeString('key_prefix', { description: 'The key starts with mlm_<prefix>_.' }),
    scopes: t.stringList({ resolve: (r) => JSON.parse(r.scopes) as string[] }),
    createdAt: t.field({ type: 'DateTime', resolve: (r) => r.created_at }),
    lastUsedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'Last request authenticated with the key (kept to the minute).',
      resolve: (r) => r.last_used_at,
    }),
    revokedAt: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.revoked_at }),
  }),
});

builder.queryField('apiKeys', (t) =>
  t.field({
    type: [ApiKey],
    description: 'Staff: every API key, revoked ones included, oldest first.',
    authScopes: { admin: true },
    complexity: { field: 1, multiplier: 10 },
    resolve: (_r, _a, ctx) => listApiKeys(ctx.db),
  }),
);

const RevokeApiKeyInput = builder.inputType('RevokeApiKeyInput', {
  fields: (t) => ({ id: t.globalID({ required: true, for: ApiKey }) }),
});

builder.mutationField('revokeApiKey', (t) =>
  t.field({
    type: ApiKey,
    description: 'Staff: revoke an API key at once; requests with it then get 401 UNAUTHENTICATED.',
    errors: { types: [NotFoundError], dataField: { name: 'apiKey' } },
    authScopes: { admin: true },
    args: { input: t.arg({ type: RevokeApiKeyInput, required: true }) },
    resolve: async (_r, { input }, ctx) => {
      const row = await revokeApiKey(ctx.db, Number(input.id.id));
      if (!row) throw new NotFoundError('API key not found.');
      return row;
    },
  }),
);
