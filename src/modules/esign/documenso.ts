// Documenso, API v2 (../shared/INTEGRATIONS.md, "E-signature"): header `Authorization: api_...` (no Bearer);
// POST /envelope/create (multipart payload + files), POST /envelope/distribute {envelopeId}. Status re-read
// with GET /envelope/{id}; the signed PDF from GET /envelope/item/{itemId}/download.
import type { Env } from '../../env';
import {
  type FetchFn,
  fetcherOf,
  ProviderError,
  ProviderNotConfigured,
  type ProviderState,
  permanentStatus,
  type SignatureProvider,
} from './provider';

export const DOCUMENSO_CLOUD_BASE = 'https://app.documenso.com/api/v2';

export function documensoState(status: unknown): ProviderState['status'] {
  switch (String(status ?? '').toUpperCase()) {
    case 'COMPLETED':
      return 'COMPLETED';
    case 'REJECTED':
      return 'REJECTED';
    case 'CANCELLED':
    case 'DELETED':
      return 'CANCELLED';
    default:
      return 'SENT';
  }
}

export function documensoProvider(env: Env): SignatureProvider {
  const key = env.DOCUMENSO_API_KEY;
  if (!key) throw new ProviderNotConfigured('DOCUMENSO');
  const base = (env.DOCUMENSO_API_BASE ?? DOCUMENSO_CLOUD_BASE).replace(/\/+$/, '');
  const f: FetchFn = fetcherOf(env.DOCUMENSO_API);

  async function call(path: string, what: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('authorization', key!);
    const res = await f(`${base}${path}`, { ...init, headers });
    if (!res.ok) {
      const text = (await res.text().catch(() => '')).slice(0, 300);
      throw new ProviderError(
        'DOCUMENSO',
        res.status,
        `${what}: ${text || res.statusText}`,
        permanentStatus(res.status),
      );
    }
    return res;
  }

  async function envelope(id: string) {
    const res = await call(`/envelope/${encodeURIComponent(id)}`, 'status');
    return (await res.json()) as { status?: string; envelopeItems?: { id: string }[] };
  }

  return {
    name: 'DOCUMENSO',
    async start(input) {
      const form = new FormData();
      form.append(
        'payload',
        JSON.stringify({
          type: 'DOCUMENT',
          title: input.title,
          externalId: input.reference,
          recipients: [
            {
              email: input.signer.email,
              name: `${input.signer.firstName} ${input.signer.lastName}`.trim(),
              role: 'SIGNER',
              // The signature box at the foot of the first page (positions in percent).
              fields: [{ type: 'SIGNATURE', page: 1, positionX: 60, positionY: 85, width: 30, height: 8 }],
            },
          ],
        }),
      );
      form.append(
        'files',
        new Blob([new Uint8Array(input.pdf)], { type: 'application/pdf' }),
        input.filename,
      );
      const created = (await (
        await call('/envelope/create', 'create', { method: 'POST', body: form })
      ).json()) as {
        id?: string;
      };
      if (!created.id) throw new ProviderError('DOCUMENSO', 502, 'create: no envelope id in the answer');
      const distributed = (await (
        await call('/envelope/distribute', 'distribute', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ envelopeId: created.id }),
        })
      ).json()) as { recipients?: { email: string; signingUrl?: string }[] };
      const mine = distributed.recipients?.find((r) => r.email === input.signer.email);
      return { externalId: created.id, signingUrl: mine?.signingUrl ?? null };
    },
    async state(id) {
      return { status: documensoState((await envelope(id)).status) };
    },
    async signedFile(id) {
      const e = await envelope(id);
      const item = e.envelopeItems?.[0];
      if (!item) throw new ProviderError('DOCUMENSO', 409, 'download: the envelope has no document');
      const res = await call(
        `/envelope/item/${encodeURIComponent(item.id)}/download?version=signed`,
        'download',
      );
      return new Uint8Array(await res.arrayBuffer());
    },
  };
}
