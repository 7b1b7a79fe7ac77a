import { builder } from '../../graphql/builder';
import { AuthenticationError, ValidationError } from '../../graphql/errors';
import { createApiKey, login } from './repository';

const Role = builder.enumType('Role', {
  values: ['ADMIN', 'DISTRIBUTOR', 'INTEGRATION', 'ANONYMOUS'] as const,
});

const Session = builder
  .objectRef<{ token: string; expiresAt: string; role: 'ADMIN' | 'DISTRIBUTOR' }>('Session')
  .implement({
    fields: (t) => ({
      token: t.exposeString('token', { description: 'Send as "Authorization: Bearer <token>".' }),
      expiresAt: t.field({ type: 'DateTime', resolve: (s) => s.expiresAt }),
      role: t.field({ type: Role, resolve: (s) => s.role }),
    }),
  });

const LoginInput = builder.inputType('LoginInput', {
  fields: (t) => ({ email: t.string({ required: true }), password: t.string({ required: true }) }),
});

builder.mutationField('login', (t) =>
  t.field({
    type: Session,
    errors: { types: [AuthenticationError], dataField: { name: 'session' } },
    args: { input: t.arg({ type: LoginInput, required: true }) },
    resolve: (_r, { input }, ctx) => login(ctx.db, ctx.env.JWT_SECRET, input.email.trim(), input.password),
  }),
);

const CreatedApiKey = builder
  .objectRef<{ id: number; key: string; prefix: string }>('CreatedApiKey')
  .implement({
    fields: (t) => ({
      key: t.exposeString('key', { description: 'Shown once; only a hash is stored.' }),
      prefix: t.exposeString('prefix'),
    }),
  });

const CreateApiKeyInput = builder.inputType('CreateApiKeyInput', {
  fields: (t) => ({ name: t.string({ required: true }), scopes: t.stringList({ required: true }) }),
});

builder.mutationField('createApiKey', (t) =>
  t.field({
    type: CreatedApiKey,
    description: 'Staff: an API key for an integration, limited to the given scopes.',
    errors: { types: [ValidationError], dataField: { name: 'apiKey' } },
    authScopes: { admin: true },
    args: { input: t.arg({ type: CreateApiKeyInput, required: true }) },
    resolve: (_r, { input }, ctx) => createApiKey(ctx.db, input.name, input.scopes),
  }),
);

builder.queryField('viewerRole', (t) =>
  t.field({
    type: Role,
    description: 'Who the request is authenticated as.',
    resolve: (_r, _a, ctx) => (ctx.viewer.kind === 'SYSTEM' ? 'ANONYMOUS' : ctx.viewer.kind),
  }),
);
