// Provider callbacks. Each is verified before anything is read from it (Autenti: a detached RS256 JWS over the
// body, checked against Autenti's JWKS; Documenso: the shared secret, compared in constant time), then taken:
// every event is recorded once per delivery id (the audit trail), and a status moves forward only. A delivery
// taken before is refused as a replay, with nothing written.
import { createLocalJWKSet, decodeProtectedHeader, flattenedVerify, type JSONWebKeySet } from 'jose';
import type { Env } from '../../env';
import { atomic, nowIso } from '../../lib/db';
import { recordJob } from '../jobs/repository';
import { sendFirstStep } from '../jobs/start';
import { constantTimeEqual } from '../leads/crypto';
import type { SignatureStatus } from './model';
import { fetcherOf } from './provider';
import { eventSeen, eventStatement, moveStatement, requestByExternal } from './repository';
import { applyStatus, syncJob } from './signatures';

export const AUTENTI_PRODUCTION_JWKS = 'https://autenti.com/developers/keys/webhook.jwks';

export type CallbackOutcome =
  | { status: 200; body: { status: 'accepted' | 'ignored'; events: number } }
  | { status: 400 | 401 | 403 | 503; body: { error: string } };

const refuse = (status: 400 | 401 | 403 | 503, error: string): CallbackOutcome => ({
  status,
  body: { error },
});

// ---- Autenti -------------------------------------------------------------------------------------------

let jwksCache: { url: string; keys: JSONWebKeySet; at: number } | null = null;
const JWKS_TTL_MS = 10 * 60_000;
const JWKS_REFRESH_MIN_MS = 30_000;

/** Forget the cached JWKS (tests that rotate the fake's key). */
export function clearAutentiJwks(): void {
  jwksCache = null;
}

async function autentiJwks(env: Env, fresh: boolean): Promise<JSONWebKeySet> {
  const url = env.AUTENTI_JWKS_URL ?? AUTENTI_PRODUCTION_JWKS;
  const now = Date.now();
  if (jwksCache && jwksCache.url === url) {
    const age = now - jwksCache.at;
    if (age < JWKS_TTL_MS && (!fresh || age < JWKS_REFRESH_MIN_MS)) return jwksCache.keys;
  }
  const res = await fetcherOf(env.AUTENTI_API)(url, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`Autenti JWKS: ${res.status}`);
  const keys = (await res.json()) as JSONWebKeySet;
  if (!Array.isArray(keys?.keys)) throw new Error('Autenti JWKS: no keys');
  jwksCache = { url, keys, at: now };
  return keys;
}

const b64url = (bytes: Uint8Array) =>
  btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(''))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

/**
 * Verifies the detached JWS of `x-jws-signature` (`<protected>..<signature>`, RS256) over the raw body.
 * 'missing' (no or malformed header), 'invalid' (does not verify), 'unavailable' (the JWKS could not be read).
 */
export async function verifyAutentiSignature(
  env: Env,
  body: Uint8Array,
  header: string | null,
): Promise<'ok' | 'missing' | 'invalid' | 'unavailable'> {
  const m = header ? /^([A-Za-z0-9_-]+)\.\.([A-Za-z0-9_-]+)$/.exec(header.trim()) : null;
  if (!m) return 'missing';
  let alg: string | undefined;
  let b64 = true;
  try {
    const h = decodeProtectedHeader(`${m[1]}..${m[2]}`);
    alg = h.alg;
    b64 = h.b64 !== false;
  } catch {
    return 'missing';
  }
  if (alg !== 'RS256') return 'invalid';
  const jws = {
    protected: m[1],
    signature: m[2],
    payload: b64 ? b64url(body) : new TextDecoder().decode(body),
  };
  for (const fresh of [false, true]) {
    let keys: JSONWebKeySet;
    try {
      keys = await autentiJwks(env, fresh);
    } catch (e) {
      console.error('Autenti JWKS could not be read', e);
      return 'unavailable';
    }
    try {
      await flattenedVerify(jws, createLocalJWKSet(keys), { algorithms: ['RS256'] });
      return 'ok';
    } catch (e) {
      // A key we do not have yet (Autenti rotated it): read the JWKS again once.
      if ((e as { code?: string }).code === 'ERR_JWKS_NO_MATCHING_KEY' && !fresh) continue;
      return 'invalid';
    }
  }
  return 'invalid';
}

interface AutentiEvent {
  id: string;
  eventType: string;
  object: { id: string };
}

function autentiEvents(text: string): AutentiEvent[] | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  const ok = list.every(
    (e) =>
      e &&
      typeof e === 'object' &&
      typeof (e as AutentiEvent).id === 'string' &&
      typeof (e as AutentiEvent).eventType === 'string' &&
      typeof (e as AutentiEvent).object?.id === 'string',
  );
  return ok && list.length > 0 && list.length <= 100 ? (list as AutentiEvent[]) : null;
}

/** The status an Autenti event announces (what the re-read must at least show), when it announces one. */
function announced(eventType: string): SignatureStatus | null {
  const w = eventType.split(':').pop()!.toUpperCase();
  if (w.includes('COMPLETED')) return 'COMPLETED';
  if (w.includes('REJECTED')) return 'REJECTED';
  if (w.includes('WITHDRAWN') || w.includes('CANCELLED')) return 'CANCELLED';
  return null;
}

/** An Autenti callback: verified, each new event recorded with a sync job (the status is re-read there). */
export async function takeAutentiCallback(
  env: Env,
  body: Uint8Array,
  signature: string | null,
): Promise<CallbackOutcome> {
  const verdict = await verifyAutentiSignature(env, body, signature);
  if (verdict === 'missing') return refuse(401, 'Missing or malformed x-jws-signature.');
  if (verdict === 'invalid') return refuse(403, 'The signature does not verify.');
  if (verdict === 'unavailable') return refuse(503, 'The signing keys cannot be read now; try again.');
  const events = autentiEvents(new TextDecoder().decode(body));
  if (!events) return refuse(400, 'Not an Autenti callback body.');
  let seen = 0;
  let taken = 0;
  for (const e of events) {
    if (await eventSeen(env.DB, 'AUTENTI', e.id)) {
      seen++;
      continue;
    }
    const r = await requestByExternal(env.DB, 'AUTENTI', e.object.id);
    if (!r) continue; // a process of the same account that is not ours
    const job = syncJob(r, e.id, announced(e.eventType));
    const now = nowIso();
    const [inserted] = await atomic(env.DB, [
      eventStatement(env.DB, r.id, 'AUTENTI', e.id, e.eventType, null, now),
      recordJob(env.DB, job, now, false),
    ]);
    if ((inserted.meta?.changes ?? 0) === 1) {
      taken++;
      await sendFirstStep(env, job);
    } else seen++;
  }
  if (seen === events.length) return refuse(403, 'Replayed delivery: already taken.');
  return { status: 200, body: { status: taken > 0 ? 'accepted' : 'ignored', events: taken } };
}

// ---- Documenso -----------------------------------------------------------------------------------------

const DOCUMENSO_EVENTS: Record<string, SignatureStatus> = {
  DOCUMENT_SENT: 'SENT',
  DOCUMENT_OPENED: 'OPENED',
  DOCUMENT_SIGNED: 'SIGNED',
  DOCUMENT_RECIPIENT_COMPLETED: 'SIGNED',
  DOCUMENT_COMPLETED: 'COMPLETED',
  DOCUMENT_REJECTED: 'REJECTED',
  DOCUMENT_CANCELLED: 'CANCELLED',
};

interface DocumensoWebhook {
  event: string;
  payload: { id?: string | number; envelopeId?: string; externalId?: string | null; status?: string };
  createdAt?: string;
}

function documensoBody(text: string): DocumensoWebhook | null {
  try {
    const b = JSON.parse(text) as DocumensoWebhook;
    if (typeof b?.event !== 'string' || typeof b.payload !== 'object' || b.payload === null) return null;
    return b;
  } catch {
    return null;
  }
}

/** A Documenso webhook: the secret checked in constant time, the event recorded once, the status moved forward. */
export async function takeDocumensoWebhook(
  env: Env,
  text: string,
  secret: string | null,
  deliveryId: string | null,
): Promise<CallbackOutcome> {
  const expected = env.DOCUMENSO_WEBHOOK_SECRET;
  if (!expected) return refuse(503, 'Documenso webhooks are not configured.');
  if (!secret) return refuse(401, 'Missing X-Documenso-Secret.');
  if (!(await constantTimeEqual(secret, expected))) return refuse(403, 'Wrong X-Documenso-Secret.');
  const b = documensoBody(text);
  if (!b) return refuse(400, 'Not a Documenso webhook body.');
  const status = DOCUMENSO_EVENTS[b.event];
  const envelopeId = String(b.payload.envelopeId ?? b.payload.id ?? '');
  const delivery = (deliveryId ?? '').trim() || `${b.event}:${envelopeId}:${b.createdAt ?? ''}`;
  if (delivery.length > 200) return refuse(400, 'Delivery id too long.');
  if (await eventSeen(env.DB, 'DOCUMENSO', delivery)) return refuse(403, 'Replayed delivery: already taken.');
  const r = envelopeId ? await requestByExternal(env.DB, 'DOCUMENSO', envelopeId) : null;
  if (!r || !status) return { status: 200, body: { status: 'ignored', events: 0 } };
  const now = nowIso();
  const event = eventStatement(env.DB, r.id, 'DOCUMENSO', delivery, b.event, b.payload.status ?? null, now);
  if (status === 'COMPLETED') {
    // The signed PDF is downloaded by a job (re-reading the envelope first); the event is recorded now.
    const job = syncJob(r, delivery, 'COMPLETED');
    const [inserted] = await atomic(env.DB, [
      event,
      moveStatement(env.DB, r.id, 'SIGNED', now),
      recordJob(env.DB, job, now, false),
    ]);
    if ((inserted.meta?.changes ?? 0) === 1) await sendFirstStep(env, job);
  } else await applyStatus(env.DB, r, status, now, [event]);
  return { status: 200, body: { status: 'accepted', events: 1 } };
}
