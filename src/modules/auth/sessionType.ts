import { builder } from '../../graphql/builder';

// The result of signing in (login, changePassword) and of signing out everywhere.

export const Role = builder.enumType('Role', {
  values: ['ADMIN', 'DISTRIBUTOR', 'INTEGRATION', 'ANONYMOUS'] as const,
});

export const Session = builder
  .objectRef<{ token: string; expiresAt: string; role: 'ADMIN' | 'DISTRIBUTOR' }>('Session')
  .implement({
    fields: (t) => ({
      token: t.exposeString('token', { description: 'Send as "Authorization: Bearer <token>".' }),
      expiresAt: t.field({ type: 'DateTime', resolve: (s) => s.expiresAt }),
      role: t.field({ type: Role, resolve: (s) => s.role }),
    }),
  });

export const SignOut = builder.objectRef<{ signedOutAt: string }>('SignOut').implement({
  fields: (t) => ({
    signedOutAt: t.field({
      type: 'DateTime',
      description: 'Every session token issued before this moment no longer works.',
      resolve: (s) => s.signedOutAt,
    }),
  }),
});
