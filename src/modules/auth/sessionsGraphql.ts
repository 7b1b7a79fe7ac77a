import { builder } from '../../graphql/builder';
import { nowIso } from '../../lib/db';
import { AuthenticationError, ForbiddenError, RateLimitedError, ValidationError } from '../../lib/errors';
import { enforceLimit, limitKeys } from './rateLimit';
import { changePassword, raiseTokenVersion } from './sessions';
import { Session, SignOut } from './sessionType';
import type { TokenKind } from './tokens';
import type { Viewer } from './viewer';

// Password change and signing out everywhere: both raise the account's token version (sessions.ts). Staff
// sign a distributor out with signOutDistributor (genealogy/graphql.ts, beside the other staff actions on a member).

/** The signed-in account of a staff or distributor session; API keys and anonymous callers have none. */
function accountOf(viewer: Viewer): { kind: TokenKind; id: number } {
  if (viewer.kind === 'ADMIN') return { kind: 'staff', id: viewer.staffId };
  if (viewer.kind === 'DISTRIBUTOR') return { kind: 'distributor', id: viewer.distributorId };
  throw new ForbiddenError('Sign in as a distributor or staff member.');
}

const ChangePasswordInput = builder.inputType('ChangePasswordInput', {
  fields: (t) => ({
    currentPassword: t.string({ required: true }),
    newPassword: t.string({ required: true, description: 'At least 10 characters, as at sign-up.' }),
  }),
});

builder.mutationField('changePassword', (t) =>
  t.field({
    type: Session,
    description:
      'Change your own password (distributors and staff). Every other session is signed out; the result is a fresh token for this one.',
    errors: {
      types: [ValidationError, AuthenticationError, RateLimitedError, ForbiddenError],
      dataField: { name: 'session' },
    },
    args: { input: t.arg({ type: ChangePasswordInput, required: true }) },
    resolve: async (_r, { input }, ctx) => {
      const account = accountOf(ctx.viewer);
      const key = `${account.kind}:${account.id}`;
      await enforceLimit(ctx.env.AUTH_ATTEMPT_LIMITER, limitKeys('password', ctx.clientAddress, key));
      const session = await changePassword(ctx.db, ctx.env.JWT_SECRET, account, input);
      return { ...session, role: account.kind === 'staff' ? ('ADMIN' as const) : ('DISTRIBUTOR' as const) };
    },
  }),
);

builder.mutationField('signOutEverywhere', (t) =>
  t.field({
    type: SignOut,
    description: 'End every session of your account, this one included.',
    errors: { types: [ForbiddenError], dataField: { name: 'signOut' } },
    resolve: async (_r, _a, ctx) => {
      const account = accountOf(ctx.viewer);
      await raiseTokenVersion(ctx.db, account.kind, account.id);
      return { signedOutAt: nowIso() };
    },
  }),
);
