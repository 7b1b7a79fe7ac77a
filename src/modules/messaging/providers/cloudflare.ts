// Cloudflare Email Service: the `send_email` binding, env.EMAIL.send({...}) -> { messageId }; errors carry a
// `code`. It has no idempotency key and no lookup, so a send that may have happened is never repeated.
import type { Env } from '../../../env';
import type { LookupResult, OutgoingMessage, ProviderAdapter, SendOutcome } from './types';
import { ProviderNotConfigured } from './types';

/** The part of the send_email binding the adapter uses. */
export interface EmailSendBinding {
  send(message: {
    to: string | string[];
    from: string;
    subject: string;
    text?: string;
    html?: string;
    headers?: Record<string, string>;
  }): Promise<{ messageId: string }>;
}

const RETRY_CODES: Record<string, number> = { E_RATE_LIMIT_EXCEEDED: 60, E_DAILY_LIMIT_EXCEEDED: 3600 };

export function cloudflareEmailAdapter(env: Env): ProviderAdapter {
  return {
    name: 'CLOUDFLARE',
    channel: 'EMAIL',
    idempotent: false,
    async send(m: OutgoingMessage): Promise<SendOutcome> {
      if (!env.EMAIL) throw new ProviderNotConfigured('The EMAIL send_email binding is not configured.');
      try {
        const { messageId } = await env.EMAIL.send({
          to: m.to,
          from: m.from,
          subject: m.subject ?? '',
          text: m.text,
          ...(m.html ? { html: m.html } : {}),
          ...(Object.keys(m.headers).length ? { headers: m.headers } : {}),
        });
        return { kind: 'accepted', providerMessageId: messageId, providerStatus: 'sent' };
      } catch (e) {
        const code = String((e as { code?: unknown }).code ?? '');
        const error = `Cloudflare Email ${code || 'error'}: ${(e as Error).message}`;
        if (code === 'E_RECIPIENT_SUPPRESSED')
          return { kind: 'rejected', status: 'SUPPRESSED', error, suppress: null };
        if (code in RETRY_CODES) return { kind: 'retry', retryAfterSeconds: RETRY_CODES[code], error };
        // Without a code we cannot tell whether it was sent: the caller treats a throw as "maybe sent".
        if (!code) throw e;
        return { kind: 'rejected', status: 'FAILED', error, suppress: null };
      }
    },
    async lookup(): Promise<LookupResult> {
      return { kind: 'unknown' };
    },
  };
}
