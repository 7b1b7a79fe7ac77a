// Twilio Programmable Messaging: POST /2010-04-01/Accounts/{sid}/Messages.json, form-encoded, HTTP Basic
// (AccountSid:AuthToken). Twilio has no idempotency key for sends, so a send that may have happened is
// looked up (GET Messages.json filtered by To and From) before any second try.
import type { Env } from '../../../env';
import {
  fetchVia,
  jsonOf,
  type LookupResult,
  type OutgoingMessage,
  type ProviderAdapter,
  ProviderNotConfigured,
  type SendOutcome,
  transientOrRejected,
} from './types';

const DEFAULT_BASE = 'https://api.twilio.com';

/** Twilio error codes that say the number can never receive an SMS, or has opted out. */
const UNDELIVERABLE_CODES = new Set([21211, 21614, 21612, 21408, 30005, 30006]);
const OPTED_OUT = 21610;

function config(env: Env) {
  const sid = env.TWILIO_ACCOUNT_SID;
  const token = env.TWILIO_AUTH_TOKEN;
  if (!sid || !token)
    throw new ProviderNotConfigured('TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are not set.');
  const base = (env.TWILIO_API_BASE ?? DEFAULT_BASE).replace(/\/+$/, '');
  return { sid, token, url: `${base}/2010-04-01/Accounts/${encodeURIComponent(sid)}/Messages.json` };
}

const basic = (sid: string, token: string) => `Basic ${btoa(`${sid}:${token}`)}`;

export function twilioAdapter(env: Env): ProviderAdapter {
  return {
    name: 'TWILIO',
    channel: 'SMS',
    idempotent: false,
    async send(m: OutgoingMessage): Promise<SendOutcome> {
      const c = config(env);
      const form = new URLSearchParams({ To: m.to, From: m.from, Body: m.text });
      if (m.statusCallbackUrl) form.set('StatusCallback', m.statusCallbackUrl);
      const res = await fetchVia(env.TWILIO_API, c.url, {
        method: 'POST',
        headers: {
          authorization: basic(c.sid, c.token),
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: form.toString(),
      });
      const body = await jsonOf(res);
      if (res.status === 200 || res.status === 201) {
        if (typeof body?.sid === 'string')
          return {
            kind: 'accepted',
            providerMessageId: body.sid,
            providerStatus: String(body.status ?? 'queued'),
          };
        return { kind: 'retry', retryAfterSeconds: null, error: 'Twilio answered without a message sid.' };
      }
      const code = Number(body?.code);
      const error = `Twilio ${res.status}${code ? ` error ${code}` : ''}: ${String(body?.message ?? res.statusText)}`;
      if (res.status === 400 && code === OPTED_OUT)
        return { kind: 'rejected', status: 'SUPPRESSED', error, suppress: 'OPT_OUT' };
      if (res.status === 400 && UNDELIVERABLE_CODES.has(code))
        return { kind: 'rejected', status: 'UNDELIVERABLE', error, suppress: 'UNDELIVERABLE' };
      return transientOrRejected(res, error);
    },
    async lookup(m: OutgoingMessage, since: string): Promise<LookupResult> {
      const c = config(env);
      const url = new URL(c.url);
      url.searchParams.set('To', m.to);
      url.searchParams.set('From', m.from);
      url.searchParams.set('PageSize', '50');
      const res = await fetchVia(env.TWILIO_API, url, {
        headers: { authorization: basic(c.sid, c.token), accept: 'application/json' },
      });
      if (!res.ok) throw new Error(`Twilio message lookup answered ${res.status}.`);
      const body = await jsonOf(res);
      const messages = Array.isArray(body?.messages) ? (body.messages as Record<string, unknown>[]) : [];
      // Twilio's dates are RFC 2822 with second precision: allow a minute of clock difference.
      const from = Date.parse(since) - 60_000;
      const match = messages.find(
        (x) =>
          x.body === m.text &&
          x.to === m.to &&
          typeof x.sid === 'string' &&
          Date.parse(String(x.date_created)) >= from,
      );
      return match
        ? {
            kind: 'found',
            providerMessageId: match.sid as string,
            providerStatus: String(match.status ?? ''),
          }
        : { kind: 'not-found' };
    },
  };
}
