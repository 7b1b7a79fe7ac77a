import { Hono } from 'hono';
import type { Env } from '../env';
import { RateLimitedError, ValidationError } from '../lib/errors';
import { clientAddressOf } from '../modules/auth/rateLimit';
import {
  donePage,
  formPage,
  localeOfRequest,
  type PasswordProblem,
  refusedPage,
} from '../modules/passwordReset/page';
import { readResetToken, resetPassword } from '../modules/passwordReset/reset';

/**
 * /reset/<token>: the link of the password reset e-mail. GET shows the form (and changes nothing: link
 * scanners open links); POST sets the password. No login: the token is the credential. A token that does
 * not work gets a clear page (404 unknown, 410 expired or used) and nothing is written.
 */
export const passwordResetRoutes = new Hono<{ Bindings: Env }>();

const html = (body: string, status: 200 | 404 | 410 | 422 | 429 = 200) =>
  new Response(body, {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      // The token is in the URL: never send it on as a referrer, never frame the form.
      'referrer-policy': 'no-referrer',
      'content-security-policy':
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
      'x-content-type-options': 'nosniff',
    },
  });

passwordResetRoutes.get('/:token', async (c) => {
  const state = await readResetToken(c.env.DB, c.req.param('token'));
  if (!state.ok)
    return html(
      refusedPage(state.locale ?? localeOfRequest(c.req.header('accept-language')), state.reason),
      state.reason === 'UNKNOWN' ? 404 : 410,
    );
  return html(formPage(state.row.locale));
});

passwordResetRoutes.post('/:token', async (c) => {
  const token = c.req.param('token');
  const state = await readResetToken(c.env.DB, token);
  if (!state.ok)
    return html(
      refusedPage(state.locale ?? localeOfRequest(c.req.header('accept-language')), state.reason),
      state.reason === 'UNKNOWN' ? 404 : 410,
    );
  const locale = state.row.locale;
  const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  const password = typeof form.password === 'string' ? form.password : '';
  const confirm = typeof form.confirm === 'string' ? form.confirm : '';
  const problem: PasswordProblem | null =
    password.length < 10
      ? 'tooShort'
      : password.length > 200
        ? 'tooLong'
        : password !== confirm
          ? 'mismatch'
          : null;
  if (problem) return html(formPage(locale, problem), 422);
  try {
    await resetPassword(c.env, clientAddressOf(c.req.raw), { token, newPassword: password });
  } catch (e) {
    if (e instanceof RateLimitedError) return html(formPage(locale), 429);
    if (e instanceof ValidationError) {
      const reason = e.issues[0]?.params?.reason as 'UNKNOWN' | 'EXPIRED' | 'USED' | undefined;
      if (reason) return html(refusedPage(locale, reason), reason === 'UNKNOWN' ? 404 : 410);
      return html(formPage(locale, 'tooShort'), 422);
    }
    throw e;
  }
  return html(donePage(locale));
});
