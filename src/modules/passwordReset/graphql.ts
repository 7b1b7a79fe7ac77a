import { builder } from '../../graphql/builder';
import { nowIso } from '../../lib/db';
import { RateLimitedError, ValidationError } from '../../lib/errors';
import { Session } from '../auth/sessionType';
import { RESET_TTL_MINUTES, requestPasswordReset, resetPassword } from './reset';

const RequestPasswordResetInput = builder.inputType('RequestPasswordResetInput', {
  fields: (t) => ({ email: t.string({ required: true }) }),
});

const PasswordResetRequested = builder
  .objectRef<{ requestedAt: string }>('PasswordResetRequested')
  .implement({
    description:
      'The same answer whether or not the address belongs to an account: if it does, a link is on its way.',
    fields: (t) => ({
      requestedAt: t.field({ type: 'DateTime', resolve: (r) => r.requestedAt }),
      expiresInMinutes: t.int({ resolve: () => RESET_TTL_MINUTES }),
    }),
  });

builder.mutationField('requestPasswordReset', (t) =>
  t.field({
    type: PasswordResetRequested,
    description:
      'Forgot your password (distributors and staff): sends a one-time reset link, valid one hour, to the address if it belongs to an account. Limited per client address and per address asked for.',
    errors: { types: [ValidationError, RateLimitedError], dataField: { name: 'request' } },
    args: { input: t.arg({ type: RequestPasswordResetInput, required: true }) },
    resolve: async (_r, { input }, ctx) => {
      await requestPasswordReset(ctx.env, ctx.clientAddress, input);
      return { requestedAt: nowIso() };
    },
  }),
);

const ResetPasswordInput = builder.inputType('ResetPasswordInput', {
  fields: (t) => ({
    token: t.string({ required: true, description: 'The token of the e-mailed link (/reset/<token>).' }),
    newPassword: t.string({ required: true, description: 'At least 10 characters, as at sign-up.' }),
  }),
});

builder.mutationField('resetPassword', (t) =>
  t.field({
    type: Session,
    description:
      'Sets a new password with a reset link’s token (once). Every earlier session ends; the result is a fresh session. An unknown, expired or used token is a ValidationError on `token` (params.reason UNKNOWN, EXPIRED or USED).',
    errors: { types: [ValidationError, RateLimitedError], dataField: { name: 'session' } },
    args: { input: t.arg({ type: ResetPasswordInput, required: true }) },
    resolve: (_r, { input }, ctx) => resetPassword(ctx.env, ctx.clientAddress, input),
  }),
);
