import { builder } from '../../graphql/builder';
import { AuthenticationError, RateLimitedError, ValidationError } from '../../lib/errors';
import { enforceLimit, limitKeys } from './rateLimit';
import { createApiKey, login } from './repository';
import { Role, Session } from './sessionType';
import './apiKeysGraphql';
import './sessionsGraphql';

const LoginInput = builder.inputType('LoginInput', {
  fields: (t) => ({ email: t.string({ required: true }), password: t.string({ required: true }) }),
});

builder.mutationField('login', (t) =>
  t.field({
    type: Session,
    description:
      'Sign in. Attempts are limited per client address and per e-mail (RateLimitedError over the limit).',
    errors: { types: [AuthenticationError, RateLimitedError], dataField: { name: 'session' } },
    args: { input: t.arg({ type: LoginInput, required: true }) },
    resolve: async (_r, { input }, ctx) => {
      const email = input.email.trim();
      const account = `email:${email.toLowerCase().slice(0, 320)}`;
      await enforceLimit(ctx.env.AUTH_ATTEMPT_LIMITER, limitKeys('login', ctx.clientAddress, account));
      return login(ctx.db, ctx.env.JWT_SECRET, email, input.password);
    },
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
