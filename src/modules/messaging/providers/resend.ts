// A Resend-compatible HTTP e-mail API: POST /emails with a Bearer key and an Idempotency-Key header (kept
// 24 hours by the provider): sending the same message again with the same key returns the first answer and
// sends nothing, so a send that may have happened is simply repeated.
import type { Env } from '../../../env';
import {
  fetchVia,
  jsonOf,
  type LookupResult,
  type OutgoingMessage,
  type ProviderAdapter,
  ProviderNotConfigured,
  retryAfterSeconds,
  type SendOutcome,
  transientOrRejected,
} from './types';

const DEFAULT_BASE = 'https://api.resend.com';

export function resendAdapter(env: Env): ProviderAdapter {
  return {
    name: 'RESEND',
    channel: 'EMAIL',
    idempotent: true,
    async send(m: OutgoingMessage): Promise<SendOutcome> {
      const key = env.RESEND_API_KEY;
      if (!key) throw new ProviderNotConfigured('RESEND_API_KEY is not set.');
      const base = (env.RESEND_API_BASE ?? DEFAULT_BASE).replace(/\/+$/, '');
      const res = await fetchVia(env.RESEND_API, `${base}/emails`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
          'idempotency-key': m.idempotencyKey,
        },
        body: JSON.stringify({
          from: m.from,
          to: [m.to],
          subject: m.subject ?? '',
          text: m.text,
          ...(m.html ? { html: m.html } : {}),
          ...(Object.keys(m.headers).length ? { headers: m.headers } : {}),
          tags: [{ name: 'outbox_id', value: String(m.outboxId) }],
        }),
      });
      const body = await jsonOf(res);
      if (res.ok && typeof body?.id === 'string')
        return { kind: 'accepted', providerMessageId: body.id, providerStatus: 'sent' };
      const name = String(body?.name ?? '');
      const error = `Resend ${res.status}${name ? ` ${name}` : ''}: ${String(body?.message ?? res.statusText)}`;
      // Another request with this key is still running: its answer will settle the message.
      if (res.status === 409 && name === 'concurrent_idempotent_requests')
        return {
          kind: 'retry',
          retryAfterSeconds: retryAfterSeconds(res.headers.get('retry-after')) ?? 5,
          error,
        };
      return transientOrRejected(res, error);
    },
    async lookup(): Promise<LookupResult> {
      // Never needed: sending again with the same Idempotency-Key is the lookup.
      return { kind: 'not-found' };
    },
  };
}
