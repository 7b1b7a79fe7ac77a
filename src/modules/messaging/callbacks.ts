// Provider callbacks: verify the sender over the raw bytes, parse, and record the event. A missing
// signature is 401, a wrong one 403, and nothing is written for either; a redelivered callback is answered
// 200 and changes nothing; an unknown status is kept and logged.
import { jwtVerify } from 'jose';
import type { Env } from '../../env';
import { nowIso } from '../../lib/db';
import { BodyTooLargeError, decodeUtf8, readBodyLimited } from '../leads/body';
import { constantTimeEqual, timingSafeEqualBytes } from '../leads/crypto';
import { type ProviderEvent, recordProviderEvent, suppressionOf } from './events';
import { applyInboundSms } from './inbound';
import type { EventStatus } from './model';

/** A status callback is a few hundred bytes; this refuses abuse early. */
export const MAX_CALLBACK_BYTES = 64 * 1024;
/** Svix refuses timestamps further than this from now (replay protection). */
export const SVIX_TOLERANCE_SECONDS = 5 * 60;

export interface CallbackAnswer {
  status: 200 | 400 | 401 | 403 | 413 | 503;
  body: string;
  contentType?: string;
}

const answer = (status: CallbackAnswer['status'], body = ''): CallbackAnswer => ({ status, body });

async function readRaw(request: Request): Promise<Uint8Array<ArrayBuffer> | CallbackAnswer> {
  try {
    return await readBodyLimited(request, MAX_CALLBACK_BYTES);
  } catch (e) {
    return e instanceof BodyTooLargeError ? answer(413, 'Too large.') : answer(400, 'Unreadable body.');
  }
}

const encoder = new TextEncoder();

function base64(bytes: ArrayBuffer): string {
  let s = '';
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s);
}

function base64Bytes(text: string): Uint8Array<ArrayBuffer> | null {
  try {
    const bin = atob(text);
    const out = new Uint8Array(new ArrayBuffer(bin.length));
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

async function hmac(
  hash: 'SHA-1' | 'SHA-256',
  key: Uint8Array<ArrayBuffer>,
  data: string,
): Promise<ArrayBuffer> {
  const k = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash }, false, ['sign']);
  return crypto.subtle.sign('HMAC', k, encoder.encode(data));
}

// ---- Twilio ----

/** The URL Twilio signed: the public one when configured, as requested otherwise. */
function publicUrl(env: Env, request: Request): string {
  const url = new URL(request.url);
  const base = env.PUBLIC_BASE_URL?.replace(/\/+$/, '');
  return base ? `${base}${url.pathname}${url.search}` : request.url;
}

/** The URL with and without its scheme's default port (twilio-node accepts both). */
function urlVariants(url: string): string[] {
  const u = new URL(url);
  const port = u.protocol === 'https:' ? '443' : '80';
  if (u.port) return [url, url.replace(`:${u.port}`, '')];
  const withPort = `${u.protocol}//${u.username ? `${u.username}${u.password ? `:${u.password}` : ''}@` : ''}${u.hostname}:${port}${u.pathname}${u.search}`;
  return [url, withPort];
}

/** X-Twilio-Signature: base64(HMAC-SHA1(auth token, URL + each POST parameter's name and value, sorted by name)). */
export async function twilioSignature(
  authToken: string,
  url: string,
  params: URLSearchParams,
): Promise<string> {
  const pairs = [...params.entries()].sort(([a, av], [b, bv]) =>
    a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0,
  );
  const data = url + pairs.map(([k, v]) => k + v).join('');
  return base64(await hmac('SHA-1', encoder.encode(authToken), data));
}

const TWILIO_STATUS: Record<string, EventStatus | null> = {
  accepted: null,
  scheduled: null,
  queued: null,
  sending: null,
  sent: 'SENT',
  delivered: 'DELIVERED',
  undelivered: 'FAILED',
  failed: 'FAILED',
  canceled: 'FAILED',
  read: null,
  receiving: null,
  received: null,
  partially_delivered: null,
};
/** Error codes that say the number can never receive an SMS (not a phone switched off: 30003). */
const TWILIO_UNDELIVERABLE = new Set(['21211', '21614', '30005', '30006']);

/** Reads and verifies a Twilio webhook: its form parameters and text, or the refusal. */
async function verifiedTwilio(
  env: Env,
  request: Request,
): Promise<{ params: URLSearchParams; text: string } | CallbackAnswer> {
  if (!env.TWILIO_AUTH_TOKEN) return answer(503, 'Twilio is not configured.');
  const raw = await readRaw(request);
  if (!(raw instanceof Uint8Array)) return raw;
  const presented = request.headers.get('x-twilio-signature');
  if (!presented) return answer(401, 'Missing X-Twilio-Signature.');
  const text = decodeUtf8(raw);
  if (text === null) return answer(400, 'Not UTF-8.');
  const params = new URLSearchParams(text);
  let valid = false;
  for (const url of urlVariants(publicUrl(env, request)))
    if (await constantTimeEqual(await twilioSignature(env.TWILIO_AUTH_TOKEN, url, params), presented))
      valid = true;
  if (!valid) return answer(403, 'Bad X-Twilio-Signature.');
  return { params, text };
}

export async function twilioStatusCallback(env: Env, request: Request): Promise<CallbackAnswer> {
  const verified = await verifiedTwilio(env, request);
  if (!('params' in verified)) return verified;
  const { params, text } = verified;
  const sid = params.get('MessageSid') ?? params.get('SmsSid');
  const rawStatus = (params.get('MessageStatus') ?? params.get('SmsStatus') ?? '').toLowerCase();
  if (!sid || !rawStatus) return answer(400, 'MessageSid and MessageStatus are required.');
  const errorCode = params.get('ErrorCode') || null;
  const known = Object.hasOwn(TWILIO_STATUS, rawStatus);
  let mapped = known ? TWILIO_STATUS[rawStatus] : null;
  if (
    (rawStatus === 'undelivered' || rawStatus === 'failed') &&
    errorCode &&
    TWILIO_UNDELIVERABLE.has(errorCode)
  )
    mapped = 'UNDELIVERABLE';
  await record(env, {
    provider: 'TWILIO',
    dedupeKey: `${sid}:${rawStatus}:${errorCode ?? ''}`,
    providerMessageId: sid,
    outboxHint: null,
    rawStatus,
    mapped,
    known,
    errorCode,
    suppress: mapped ? suppressionOf(mapped) : null,
    payload: text,
  });
  return answer(200);
}

/** Inbound SMS (Twilio's messaging webhook): its effects are applyInboundSms's; an empty TwiML answer. */
export async function twilioInbound(env: Env, request: Request): Promise<CallbackAnswer> {
  const verified = await verifiedTwilio(env, request);
  if (!('params' in verified)) return verified;
  const { params, text } = verified;
  const sid = params.get('MessageSid') ?? params.get('SmsSid');
  const from = params.get('From');
  if (!sid || !from) return answer(400, 'MessageSid and From are required.');
  await applyInboundSms(env.DB, {
    provider: 'TWILIO',
    messageId: sid,
    from,
    body: params.get('Body') ?? '',
    payload: text,
  });
  // An empty TwiML answer: no automatic reply from us (Twilio sends its own STOP/START confirmations).
  return {
    status: 200,
    body: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>',
    contentType: 'text/xml',
  };
}

// ---- GatewayAPI ----

const GATEWAYAPI_STATUS: Record<string, EventStatus | null> = {
  UNKNOWN: null,
  SCHEDULED: null,
  BUFFERED: 'SENT',
  ENROUTE: 'SENT',
  ACCEPTED: 'SENT',
  DELIVERED: 'DELIVERED',
  EXPIRED: 'FAILED',
  DELETED: 'FAILED',
  SKIPPED: 'FAILED',
  REJECTED: 'FAILED',
  UNDELIVERABLE: 'UNDELIVERABLE',
};

/**
 * GatewayAPI delivery notices: the JSON body, and an HS256 JWT of the same notice in X-Gwapi-Signature. The
 * JWT's claims are what is trusted; a body that disagrees with them is refused.
 */
export async function gatewayApiCallback(env: Env, request: Request): Promise<CallbackAnswer> {
  const verified = await verifiedGatewayApi(env, request);
  if (!('claims' in verified)) return verified;
  const { claims, body, text } = verified;
  if (claims.id === undefined || String(claims.id) !== String(body.id) || claims.status !== body.status)
    return answer(403, 'The body is not the signed notice.');
  const rawStatus = String(claims.status ?? '').toUpperCase();
  if (!rawStatus) return answer(400, 'status is required.');
  const known = Object.hasOwn(GATEWAYAPI_STATUS, rawStatus);
  const mapped = known ? GATEWAYAPI_STATUS[rawStatus] : null;
  const hint = Number(claims.userref);
  const errorCode = claims.code == null ? null : String(claims.code);
  await record(env, {
    provider: 'GATEWAYAPI',
    dedupeKey: `${String(claims.id)}:${rawStatus}`,
    providerMessageId: String(claims.id),
    outboxHint: Number.isSafeInteger(hint) && hint > 0 ? hint : null,
    rawStatus,
    mapped,
    known,
    errorCode,
    suppress: mapped ? suppressionOf(mapped) : null,
    payload: text,
  });
  return answer(200);
}

/** Verifies X-Gwapi-Signature (HS256 JWT with the webhook secret) and reads the JSON body it signs. */
async function verifiedGatewayApi(
  env: Env,
  request: Request,
): Promise<
  { claims: Record<string, unknown>; body: Record<string, unknown>; text: string } | CallbackAnswer
> {
  if (!env.GATEWAYAPI_WEBHOOK_SECRET) return answer(503, 'GatewayAPI is not configured.');
  const raw = await readRaw(request);
  if (!(raw instanceof Uint8Array)) return raw;
  const token = request.headers.get('x-gwapi-signature');
  if (!token) return answer(401, 'Missing X-Gwapi-Signature.');
  let claims: Record<string, unknown>;
  try {
    ({ payload: claims } = await jwtVerify(token, encoder.encode(env.GATEWAYAPI_WEBHOOK_SECRET), {
      algorithms: ['HS256'],
    }));
  } catch {
    return answer(403, 'Bad X-Gwapi-Signature.');
  }
  const text = decodeUtf8(raw);
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text ?? '');
  } catch {
    return answer(400, 'Not JSON.');
  }
  if (typeof body !== 'object' || body === null) return answer(400, 'Not a JSON object.');
  return { claims, body, text: text ?? '' };
}

/**
 * GatewayAPI inbound SMS (its MO webhook): JSON {id, msisdn, receiver, message, senttime, ...} with the
 * same fields as the claims of the HS256 JWT in X-Gwapi-Signature. The claims are what is trusted; a body
 * that disagrees with them is refused. Effects: applyInboundSms's, once per MO id.
 */
export async function gatewayApiInbound(env: Env, request: Request): Promise<CallbackAnswer> {
  const verified = await verifiedGatewayApi(env, request);
  if (!('claims' in verified)) return verified;
  const { claims, body, text } = verified;
  if (
    claims.id === undefined ||
    String(claims.id) !== String(body.id) ||
    String(claims.msisdn) !== String(body.msisdn) ||
    (claims.message !== undefined && claims.message !== body.message)
  )
    return answer(403, 'The body is not the signed message.');
  const msisdn = String(claims.msisdn ?? '');
  if (!/^\d{6,15}$/.test(msisdn)) return answer(400, 'msisdn is required.');
  await applyInboundSms(env.DB, {
    provider: 'GATEWAYAPI',
    messageId: String(claims.id),
    // MSISDNs are international numbers without the plus: our addresses are E.164.
    from: `+${msisdn}`,
    body: String(claims.message ?? body.message ?? ''),
    payload: text,
  });
  return answer(200);
}

// ---- Resend (Svix-signed) ----

/** Svix: base64 HMAC-SHA256 of `${id}.${timestamp}.${body}`, keyed with the base64 secret after `whsec_`. */
export async function svixSignature(
  secret: string,
  id: string,
  timestamp: string,
  body: string,
): Promise<string | null> {
  const key = base64Bytes(secret.replace(/^whsec_/, ''));
  if (!key) return null;
  return base64(await hmac('SHA-256', key, `${id}.${timestamp}.${body}`));
}

const RESEND_STATUS: Record<string, EventStatus | null> = {
  'email.sent': 'SENT',
  'email.delivered': 'DELIVERED',
  'email.delivery_delayed': null,
  'email.bounced': null, // BOUNCED for a permanent bounce, below
  'email.complained': null, // suppresses, the status stays
  'email.failed': 'FAILED',
  'email.suppressed': 'UNDELIVERABLE',
  'email.opened': null,
  'email.clicked': null,
  'email.scheduled': null,
  'email.received': null,
};

export async function resendWebhook(env: Env, request: Request, now = Date.now()): Promise<CallbackAnswer> {
  if (!env.RESEND_WEBHOOK_SECRET) return answer(503, 'The e-mail provider is not configured.');
  const raw = await readRaw(request);
  if (!(raw instanceof Uint8Array)) return raw;
  const id = request.headers.get('svix-id');
  const timestamp = request.headers.get('svix-timestamp');
  const signatures = request.headers.get('svix-signature');
  if (!id || !timestamp || !signatures) return answer(401, 'Missing svix headers.');
  if (!/^\d+$/.test(timestamp) || Math.abs(now / 1000 - Number(timestamp)) > SVIX_TOLERANCE_SECONDS)
    return answer(403, 'svix-timestamp too old or in the future.');
  const text = decodeUtf8(raw);
  if (text === null) return answer(403, 'Bad signature.');
  const expected = await svixSignature(env.RESEND_WEBHOOK_SECRET, id, timestamp, text);
  const valid =
    expected !== null &&
    signatures
      .split(' ')
      .map((s) => s.split(','))
      .some(([version, sig]) => {
        if (version !== 'v1' || !sig) return false;
        const a = encoder.encode(sig);
        const b = encoder.encode(expected);
        return timingSafeEqualBytes(a, b);
      });
  if (!valid) return answer(403, 'Bad signature.');
  let event: { type?: unknown; data?: { email_id?: unknown; bounce?: { type?: unknown } } };
  try {
    event = JSON.parse(text);
  } catch {
    return answer(400, 'Not JSON.');
  }
  const type = String(event.type ?? '');
  const emailId = event.data?.email_id;
  if (!type || typeof emailId !== 'string') return answer(400, 'type and data.email_id are required.');
  const known = Object.hasOwn(RESEND_STATUS, type);
  let mapped = known ? RESEND_STATUS[type] : null;
  const permanent =
    type === 'email.bounced' && String(event.data?.bounce?.type ?? '').toLowerCase() === 'permanent';
  if (permanent) mapped = 'BOUNCED';
  await record(env, {
    provider: 'RESEND',
    dedupeKey: id,
    providerMessageId: emailId,
    outboxHint: null,
    rawStatus: type,
    mapped,
    known,
    errorCode: permanent ? 'permanent' : null,
    suppress: type === 'email.complained' ? 'COMPLAINT' : mapped ? suppressionOf(mapped) : null,
    payload: text,
  });
  return answer(200);
}

async function record(env: Env, ev: ProviderEvent): Promise<void> {
  await recordProviderEvent(env.DB, ev, nowIso());
}
