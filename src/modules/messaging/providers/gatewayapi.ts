// GatewayAPI (Denmark): POST /rest/mtsms with a JSON body and token auth. It has no idempotency key and no
// lookup by our reference, so a send that may have happened is never repeated; its delivery notice carries
// our `userref` (the outbox id) and settles the message when it arrives.
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

const DEFAULT_BASE = 'https://gatewayapi.eu';

export function gatewayApiAdapter(env: Env): ProviderAdapter {
  return {
    name: 'GATEWAYAPI',
    channel: 'SMS',
    idempotent: false,
    async send(m: OutgoingMessage): Promise<SendOutcome> {
      const token = env.GATEWAYAPI_TOKEN;
      if (!token) throw new ProviderNotConfigured('GATEWAYAPI_TOKEN is not set.');
      const base = (env.GATEWAYAPI_BASE ?? DEFAULT_BASE).replace(/\/+$/, '');
      const payload: Record<string, unknown> = {
        sender: m.from,
        message: m.text,
        // MSISDNs are numbers without the plus.
        recipients: [{ msisdn: Number(m.to.replace(/^\+/, '')) }],
        userref: String(m.outboxId),
      };
      if (m.smsEncoding === 'UCS2') payload.encoding = 'UCS2';
      if (m.statusCallbackUrl) payload.callback_url = m.statusCallbackUrl;
      const res = await fetchVia(env.GATEWAYAPI_API, `${base}/rest/mtsms`, {
        method: 'POST',
        headers: {
          authorization: `Token ${token}`,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: JSON.stringify(payload),
      });
      const body = await jsonOf(res);
      if (res.ok) {
        const id = Array.isArray(body?.ids) ? body.ids[0] : undefined;
        if (id !== undefined && id !== null)
          return { kind: 'accepted', providerMessageId: String(id), providerStatus: 'ACCEPTED' };
        return { kind: 'retry', retryAfterSeconds: null, error: 'GatewayAPI answered without a message id.' };
      }
      const error = `GatewayAPI ${res.status}${body?.code ? ` ${String(body.code)}` : ''}: ${String(body?.message ?? res.statusText)}`;
      return transientOrRejected(res, error);
    },
    async lookup(): Promise<LookupResult> {
      return { kind: 'unknown' };
    },
  };
}
