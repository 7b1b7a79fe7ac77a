// A local fake of a Resend-compatible e-mail API, bound to the worker as RESEND_API. POST /emails with a
// Bearer key; Idempotency-Key kept: the same key with the same payload answers the first response and
// sends nothing, with another payload 409 invalid_idempotent_request; errors as {statusCode, name, message};
// 429 rate_limit_exceeded with Retry-After.
//
//   POST /__fake/script {to, answers}
//   GET  /__fake/accepted?to=<address>  -> {emails}
import { FAKE_PROVIDERS } from './provider-credentials';
import { hex, json, Script, type ScriptedAnswer } from './scripted';

interface Email {
  id: string;
  to: string[];
  from: string;
  subject: string;
  text?: string;
  html?: string;
  headers?: Record<string, string>;
}

const emails: Email[] = [];
const byKey = new Map<string, { payload: string; id: string }>();
const script = new Script();

const resendError = (
  statusCode: number,
  name: string,
  message: string,
  headers: Record<string, string> = {},
) => json({ statusCode, name, message }, statusCode, headers);

export async function fakeResend(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname === '/__fake/script' && request.method === 'POST') {
    const { to, answers } = (await request.json()) as { to: string; answers: ScriptedAnswer[] };
    script.set(to, answers);
    return json({ ok: true });
  }
  if (url.pathname === '/__fake/accepted')
    return json({ emails: emails.filter((e) => e.to.includes(url.searchParams.get('to') ?? '')) });
  if (url.pathname !== '/emails' || request.method !== 'POST')
    return resendError(404, 'not_found', 'Not found');
  const auth = request.headers.get('authorization');
  if (!auth) return resendError(401, 'missing_api_key', 'Missing API key in the authorization header.');
  if (auth !== `Bearer ${FAKE_PROVIDERS.RESEND_API_KEY}`)
    return resendError(403, 'invalid_api_key', 'API key is invalid');
  const payload = await request.text();
  let body: Partial<Email> & { to?: unknown };
  try {
    body = JSON.parse(payload);
  } catch {
    return resendError(422, 'validation_error', 'Invalid JSON');
  }
  const to = Array.isArray(body.to) ? (body.to as string[]) : typeof body.to === 'string' ? [body.to] : [];
  if (to.length === 0) return resendError(422, 'validation_error', 'The `to` field is missing.');
  if (!body.from) return resendError(422, 'validation_error', 'The `from` field is missing.');
  if (!body.subject) return resendError(422, 'validation_error', 'The `subject` field is missing.');
  const key = request.headers.get('idempotency-key');
  if (key && key.length > 256)
    return resendError(400, 'invalid_idempotency_key', 'The key must be 1-256 characters.');
  if (key) {
    const seen = byKey.get(key);
    if (seen && seen.payload !== payload)
      return resendError(
        409,
        'invalid_idempotent_request',
        'Same idempotency key used with a different request payload.',
      );
    if (seen) return json({ id: seen.id });
  }
  const scripted = script.next(to[0]);
  const email: Email = {
    id: `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`,
    to,
    from: body.from,
    subject: body.subject,
    text: body.text,
    html: body.html,
    headers: body.headers,
  };
  if (scripted) {
    if (scripted.acceptedAnyway) {
      emails.push(email);
      if (key) byKey.set(key, { payload, id: email.id });
    }
    const name = String(
      scripted.code ?? (scripted.status === 429 ? 'rate_limit_exceeded' : 'application_error'),
    );
    return resendError(
      scripted.status,
      name,
      scripted.message ??
        (scripted.status === 429
          ? 'Too many requests. You can only make 2 requests per second.'
          : 'An unexpected error occurred.'),
      scripted.retryAfter ? { 'retry-after': scripted.retryAfter } : {},
    );
  }
  emails.push(email);
  if (key) byKey.set(key, { payload, id: email.id });
  return json({ id: email.id });
}
