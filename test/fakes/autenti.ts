// A local fake of Autenti's Document Process API v2, bound to the worker as AUTENTI_API. It checks the OAuth2
// client credentials and the Bearer token, keeps document processes (create with a SIGNER party, upload
// multipart fileMeta + file, send with X-ASSERTION), answers status and NDJSON file lists, serves its JWKS,
// and signs callbacks with a detached RS256 JWS (x-jws-signature) as Autenti does. Errors as Autenti's:
// 401, 403, 422, 429 with Retry-After, 5xx (scripted per signer e-mail).
//
//   POST /__fake/script {to, answers}                     the next create calls for that signer fail so
//   POST /__fake/complete {id, lagReads?}                 the signer signed: COMPLETED, a signed file; the
//                                                         next `lagReads` status reads still say PROCESSING
//   POST /__fake/callback {id, eventType, eventId?, forge?}  -> {body, signature} to post to the worker
//   GET  /__fake/stats                                    -> {tokenRequests, apiCalls, processes}
//   POST /__fake/revoke-tokens                            every token issued so far is refused (401)
import { CompactSign, exportJWK, generateKeyPair } from 'jose';
import { FAKE_PROVIDERS } from './provider-credentials';
import { hex, json, Script, type ScriptedAnswer } from './scripted';

interface Process {
  id: string;
  title: string;
  status: 'DRAFT' | 'PROCESSING' | 'COMPLETED' | 'REJECTED';
  signer: string;
  files: { id: string; filePurpose: string; filename: string; bytes: Uint8Array }[];
  lagReads: number;
}

const processes = new Map<string, Process>();
const tokens = new Set<string>();
const script = new Script();
let tokenRequests = 0;
let apiCalls = 0;

type Keys = { kid: string; privateKey: CryptoKey; jwk: Record<string, unknown> };
let keys: Promise<Keys> | null = null;
let forger: Promise<Keys> | null = null;
async function makeKeys(kid: string): Promise<Keys> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return {
    kid,
    privateKey: privateKey as CryptoKey,
    jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' },
  };
}

function ownKeys(): Promise<Keys> {
  if (!keys) keys = makeKeys('autenti-webhook-1');
  return keys;
}
function forgerKeys(): Promise<Keys> {
  if (!forger) forger = makeKeys('autenti-webhook-1');
  return forger;
}

const autentiError = (status: number, message: string, headers: Record<string, string> = {}) =>
  json({ error: { code: status, message } }, status, headers);

async function detachedJws(body: string, forge: boolean): Promise<string> {
  // A forger knows the kid but not the key.
  const k = await (forge ? forgerKeys() : ownKeys());
  const jws = await new CompactSign(new TextEncoder().encode(body))
    .setProtectedHeader({ alg: 'RS256', kid: k.kid })
    .sign(k.privateKey);
  const [h, , s] = jws.split('.');
  return `${h}..${s}`;
}

export async function fakeAutenti(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const path = url.pathname.replace(/^\/api\/v2/, '');
  if (path === '/__fake/script' && request.method === 'POST') {
    const { to, answers } = (await request.json()) as { to: string; answers: ScriptedAnswer[] };
    script.set(to, answers);
    return json({ ok: true });
  }
  if (path === '/__fake/revoke-tokens' && request.method === 'POST') {
    tokens.clear();
    return json({ ok: true });
  }
  if (path === '/__fake/stats')
    return json({
      tokenRequests,
      apiCalls,
      processes: [...processes.values()].map((p) => ({
        ...p,
        files: p.files.map((f) => ({ ...f, bytes: f.bytes.byteLength })),
      })),
    });
  if (path === '/__fake/complete' && request.method === 'POST') {
    const { id, lagReads } = (await request.json()) as { id: string; lagReads?: number };
    const p = processes.get(id);
    if (!p) return autentiError(404, 'No such process');
    const source = p.files.find((f) => f.filePurpose === 'SOURCE_FILE')!;
    p.status = 'COMPLETED';
    p.lagReads = lagReads ?? 0;
    const signed = new Uint8Array([
      ...source.bytes,
      ...new TextEncoder().encode(`\n% signed by ${p.signer}\n`),
    ]);
    p.files.push({
      id: `FILE:${hex(12)}`,
      filePurpose: 'SIGNED_CONTENT_FILE',
      filename: `signed-${source.filename}`,
      bytes: signed,
    });
    return json({ ok: true });
  }
  if (path === '/__fake/callback' && request.method === 'POST') {
    const { id, eventType, eventId, forge } = (await request.json()) as {
      id: string;
      eventType: string;
      eventId?: string;
      forge?: boolean;
    };
    const body = JSON.stringify([
      {
        id: eventId ?? `EVENT:${hex(16)}`,
        eventType: `EVENT_CLASSIFIER-UNIQUE_TYPE:${eventType}`,
        object: { id },
      },
    ]);
    return json({ body, signature: await detachedJws(body, !!forge) });
  }
  if (path === '/developers/keys/webhook.jwks') return json({ keys: [(await ownKeys()).jwk] });

  if (path === '/auth/token' && request.method === 'POST') {
    tokenRequests++;
    const form = new URLSearchParams(await request.text());
    if (form.get('grant_type') !== 'client_credentials')
      return json({ error: 'unsupported_grant_type' }, 400);
    if (
      form.get('client_id') !== FAKE_PROVIDERS.AUTENTI_CLIENT_ID ||
      form.get('client_secret') !== FAKE_PROVIDERS.AUTENTI_CLIENT_SECRET
    )
      return json({ error: 'invalid_client' }, 401);
    const token = `at-${hex(24)}`;
    tokens.add(token);
    return json({ access_token: token, token_type: 'Bearer', expires_in: 3600 });
  }
  const auth = request.headers.get('authorization') ?? '';
  if (!auth.startsWith('Bearer ')) return autentiError(401, 'Full authentication is required');
  if (!tokens.has(auth.slice(7))) return autentiError(401, 'Invalid access token');
  apiCalls++;

  if (path === '/document-processes' && request.method === 'POST') {
    let body: {
      title?: string;
      parties?: {
        party?: {
          firstName?: string;
          lastName?: string;
          contacts?: { type?: string; attributes?: { email?: string } }[];
        };
        role?: string;
      }[];
    };
    try {
      body = await request.json();
    } catch {
      return autentiError(400, 'Malformed JSON');
    }
    const signer = body.parties?.find((p) => p.role === 'SIGNER');
    const email = signer?.party?.contacts?.find((c) => c.type === 'CONTACT-TYPE:EMAIL')?.attributes?.email;
    if (!body.title || !signer?.party?.firstName || !email)
      return autentiError(422, 'title and a SIGNER party with an e-mail are required');
    const scripted = script.next(email);
    if (scripted)
      return autentiError(
        scripted.status,
        scripted.message ?? 'Service unavailable',
        scripted.retryAfter ? { 'retry-after': scripted.retryAfter } : {},
      );
    const id = `DOCUMENT_PROCESS:${hex(16)}`;
    processes.set(id, { id, title: body.title, status: 'DRAFT', signer: email, files: [], lagReads: 0 });
    return json({ id }, 201);
  }
  const m = /^\/document-processes\/([^/]+)(\/files(?:\/([^/]+)\/content)?|\/actions)?$/.exec(path);
  const p = m ? processes.get(decodeURIComponent(m[1])) : undefined;
  if (!m || !p) return autentiError(404, 'Not found');
  if (!m[2] && request.method === 'GET') {
    if (p.lagReads > 0) {
      p.lagReads--;
      return json({ id: p.id, title: p.title, status: 'PROCESSING' });
    }
    return json({ id: p.id, title: p.title, status: p.status });
  }
  if (m[2] === '/files' && request.method === 'POST') {
    const form = await request.formData();
    const meta = form.get('fileMeta');
    const file = form.get('file');
    if (!meta || !file || typeof file === 'string')
      return autentiError(422, 'fileMeta and file are required');
    const parsed = JSON.parse(typeof meta === 'string' ? meta : await meta.text()) as {
      filename?: string;
      filePurpose?: string;
      mimeType?: string;
    };
    if (parsed.filePurpose !== 'SOURCE_FILE' || parsed.mimeType !== 'application/pdf')
      return autentiError(422, 'Unsupported fileMeta');
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (new TextDecoder().decode(bytes.slice(0, 5)) !== '%PDF-') return autentiError(422, 'Not a PDF');
    const f = {
      id: `FILE:${hex(12)}`,
      filePurpose: 'SOURCE_FILE',
      filename: parsed.filename ?? 'file.pdf',
      bytes,
    };
    p.files.push(f);
    return json({ id: f.id }, 201);
  }
  if (m[2] === '/files' && request.method === 'GET')
    return new Response(
      p.files
        .map((f) => JSON.stringify({ id: f.id, filePurpose: f.filePurpose, filename: f.filename }))
        .join('\n'),
      {
        headers: { 'content-type': 'application/x-ndjson' },
      },
    );
  if (m[3] && request.method === 'GET') {
    const f = p.files.find((x) => x.id === decodeURIComponent(m[3]));
    return f
      ? new Response(new Uint8Array(f.bytes), { headers: { 'content-type': 'application/pdf' } })
      : autentiError(404, 'No such file');
  }
  if (m[2] === '/actions' && request.method === 'POST') {
    let assertion: { attributes?: { selectedIds?: string[] } } = {};
    try {
      assertion = JSON.parse(atob(request.headers.get('x-assertion') ?? ''));
    } catch {
      return autentiError(400, 'X-ASSERTION is required');
    }
    if (!assertion.attributes?.selectedIds?.includes('EVENT_CLASSIFIER-UNIQUE_TYPE:DOCUMENT_SENT'))
      return autentiError(422, 'Unknown action');
    if (!p.files.some((f) => f.filePurpose === 'SOURCE_FILE')) return autentiError(409, 'No file to send');
    p.status = 'PROCESSING';
    return json({ id: p.id, status: p.status });
  }
  return autentiError(405, 'Method not allowed');
}
