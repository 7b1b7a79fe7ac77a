// Autenti, Document Process API v2 (../shared/INTEGRATIONS.md, "E-signature"): an OAuth2 client-credentials
// token (cached until shortly before it expires), then create a document process with the signer as a party,
// upload the PDF (multipart fileMeta + file), send (an action with X-ASSERTION). Status re-read from
// GET /document-processes/{id}; the signed file is the SIGNED_CONTENT_FILE of GET …/files (NDJSON).
import type { Env } from '../../env';
import {
  type FetchFn,
  fetcherOf,
  ProviderError,
  ProviderNotConfigured,
  type ProviderState,
  permanentStatus,
  type SignatureProvider,
  type StartInput,
} from './provider';

export const AUTENTI_PRODUCTION_BASE = 'https://api.autenti.com/api/v2';

const tokens = new Map<string, { token: string; expiresAt: number }>();

/** Forget cached tokens (tests). */
export function clearAutentiTokens(): void {
  tokens.clear();
}

async function fail(res: Response, what: string): Promise<never> {
  const text = (await res.text().catch(() => '')).slice(0, 300);
  throw new ProviderError(
    'AUTENTI',
    res.status,
    `${what}: ${text || res.statusText}`,
    permanentStatus(res.status),
  );
}

const SEND_ASSERTION = btoa(
  JSON.stringify({
    classifiers: ['CHALLENGE_CLASSIFIER-UNIQUE_TYPE:ACTION_SELECTION'],
    attributes: { selectedIds: ['EVENT_CLASSIFIER-UNIQUE_TYPE:DOCUMENT_SENT'] },
  }),
);

/** The last word of an Autenti classifier ("DOCUMENT_PROCESS_STATUS:COMPLETED" → "COMPLETED"). */
const word = (s: unknown) =>
  String(s ?? '')
    .split(':')
    .pop()!
    .toUpperCase();

export function autentiState(status: unknown): ProviderState['status'] {
  switch (word(status)) {
    case 'COMPLETED':
    case 'SIGNED':
      return 'COMPLETED';
    case 'REJECTED':
      return 'REJECTED';
    case 'WITHDRAWN':
    case 'CANCELLED':
    case 'CANCELED':
    case 'EXPIRED':
      return 'CANCELLED';
    default:
      return 'SENT';
  }
}

export function autentiProvider(env: Env): SignatureProvider {
  const id = env.AUTENTI_CLIENT_ID;
  const secret = env.AUTENTI_CLIENT_SECRET;
  if (!id || !secret) throw new ProviderNotConfigured('AUTENTI');
  const base = (env.AUTENTI_API_BASE ?? AUTENTI_PRODUCTION_BASE).replace(/\/+$/, '');
  const f: FetchFn = fetcherOf(env.AUTENTI_API);

  async function token(): Promise<string> {
    const key = `${base}|${id}`;
    const cached = tokens.get(key);
    if (cached && cached.expiresAt > Date.now()) return cached.token;
    const res = await f(`${base}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: id!, client_secret: secret! }),
    });
    if (!res.ok) await fail(res, 'token');
    const body = (await res.json()) as { access_token?: string; expires_in?: number };
    if (!body.access_token) throw new ProviderError('AUTENTI', 502, 'token: no access_token in the answer');
    const ttl = Math.max(0, (body.expires_in ?? 300) - 60) * 1000;
    tokens.set(key, { token: body.access_token, expiresAt: Date.now() + ttl });
    return body.access_token;
  }

  async function call(path: string, what: string, init: RequestInit = {}): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${await token()}`);
      const res = await f(`${base}${path}`, { ...init, headers });
      // A token expired or revoked before its time: drop it and try once more with a new one.
      if (res.status === 401 && attempt === 1) {
        tokens.delete(`${base}|${id}`);
        await res.body?.cancel();
        continue;
      }
      if (!res.ok) await fail(res, what);
      return res;
    }
  }

  const processPath = (pid: string) => `/document-processes/${encodeURIComponent(pid)}`;

  return {
    name: 'AUTENTI',
    async start(input: StartInput) {
      const created = await call('/document-processes', 'create', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          title: input.title,
          description: input.reference,
          processLanguage: input.language,
          parties: [
            {
              party: {
                firstName: input.signer.firstName,
                lastName: input.signer.lastName,
                contacts: [{ type: 'CONTACT-TYPE:EMAIL', attributes: { email: input.signer.email } }],
              },
              role: 'SIGNER',
              constraints: [],
            },
          ],
        }),
      });
      const { id: pid } = (await created.json()) as { id?: string };
      if (!pid) throw new ProviderError('AUTENTI', 502, 'create: no process id in the answer');
      const form = new FormData();
      form.append(
        'fileMeta',
        new Blob(
          [
            JSON.stringify({
              filename: input.filename,
              filePurpose: 'SOURCE_FILE',
              mimeType: 'application/pdf',
            }),
          ],
          {
            type: 'application/json',
          },
        ),
      );
      form.append('file', new Blob([new Uint8Array(input.pdf)], { type: 'application/pdf' }), input.filename);
      await call(`${processPath(pid)}/files`, 'upload', { method: 'POST', body: form });
      await call(`${processPath(pid)}/actions`, 'send', {
        method: 'POST',
        headers: { 'x-assertion': SEND_ASSERTION, 'content-type': 'application/json' },
        body: '{}',
      });
      return { externalId: pid, signingUrl: null };
    },
    async state(pid) {
      const res = await call(processPath(pid), 'status');
      const body = (await res.json()) as { status?: string };
      return { status: autentiState(body.status) };
    },
    async signedFile(pid) {
      const res = await call(`${processPath(pid)}/files`, 'files');
      const files = (await res.text())
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as { id: string; filePurpose?: string });
      const signed = files.find((x) => word(x.filePurpose) === 'SIGNED_CONTENT_FILE');
      if (!signed) throw new ProviderError('AUTENTI', 409, 'files: no signed file yet');
      const content = await call(
        `${processPath(pid)}/files/${encodeURIComponent(signed.id)}/content`,
        'download',
      );
      return new Uint8Array(await content.arrayBuffer());
    },
  };
}
