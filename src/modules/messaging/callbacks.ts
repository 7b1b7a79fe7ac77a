// Provider callbacks: verify the sender over the raw bytes, parse, and record the event. A missing
// signature is 401, a wrong one 403, and nothing is written for either; a redelivered callback is answered
// 200 and changes nothing; an unknown status is kept and logged.
import { jwtVerify } from 'jose';
import type { Env } from '../../env';
import { atomic, nowIso } from '../../lib/db';
import { BodyTooLargeError, decodeUtf8, readBodyLimited } from '../leads/body';
import { constantTimeEqual, timingSafeEqualBytes } from '../leads/crypto';
import { notificationsFromSelect } from '../notifications/statements';
import { type ProviderEvent, recordProviderEvent, suppressionOf } from './events';
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

/** Twilio's own opt-out words and the local ones (da AFMELD, de STOPP/ABMELDEN, pl WYPISZ). */
export const STOP_WORDS = new Set([
  'STOP',
  'STOPALL',
  'UNSUBSCRIBE',
  'END',
  'QUIT',
  'REVOKE',
  'OPTOUT',
  'CANCEL',
  'AFMELD',
  'STOPP',
  'ABMELDEN',
  'WYPISZ',
]);
export const START_WORDS = new Set(['START', 'UNSTOP', 'YES', 'TILMELD', 'ANMELDEN']);

export function smsKeyword(body: string): 'STOP' | 'START' | null {
  const word = body
    .trim()
    .replace(/[.!]+$/, '')
    .toUpperCase();
  return STOP_WORDS.has(word) ? 'STOP' : START_WORDS.has(word) ? 'START' : null;
}

/**
 * Inbound SMS (Twilio's messaging webhook): STOP and its local equivalents suppress the number and withdraw
 * the SMS marketing consent of everyone we texted at it; START lifts the opt-out and records the consent;
 * anything else is a reply, kept in the contact history of the person last texted at that number. Each
 * inbound message acts once (its MessageSid is kept).
 */
export async function twilioInbound(env: Env, request: Request): Promise<CallbackAnswer> {
  const verified = await verifiedTwilio(env, request);
  if (!('params' in verified)) return verified;
  const { params, text } = verified;
  const sid = params.get('MessageSid') ?? params.get('SmsSid');
  const from = params.get('From');
  if (!sid || !from) return answer(400, 'MessageSid and From are required.');
  const body = params.get('Body') ?? '';
  const keyword = smsKeyword(body);
  const db = env.DB;
  const now = nowIso();
  const key = `inbound:${sid}`;
  // Each effect runs only while this inbound message is not yet applied (bound last in every statement).
  const fresh = `(SELECT applied FROM message_event WHERE provider = 'TWILIO' AND dedupe_key = ?) = 0`;
  const people = `SELECT DISTINCT recipient_type, recipient_id FROM message_outbox WHERE channel = 'SMS' AND address = ?`;
  const statements = [
    db
      .prepare(
        `INSERT INTO message_event (provider, dedupe_key, provider_message_id, raw_status, applied, payload, received_at)
         VALUES ('TWILIO', ?, ?, ?, 0, ?, ?) ON CONFLICT (provider, dedupe_key) DO NOTHING`,
      )
      .bind(key, sid, keyword ? `inbound:${keyword}` : 'inbound', text, now),
  ];
  if (keyword === 'STOP')
    statements.push(
      db
        .prepare(
          `INSERT INTO message_suppression (channel, address, reason, detail, created_at)
           SELECT 'SMS', ?, 'OPT_OUT', ?, ? WHERE ${fresh}
           ON CONFLICT (channel, address) DO UPDATE SET reason = 'OPT_OUT', detail = excluded.detail`,
        )
        .bind(from, `SMS "${body.trim().slice(0, 20)}"`, now, key),
    );
  if (keyword === 'START')
    statements.push(
      db
        .prepare(
          `DELETE FROM message_suppression WHERE channel = 'SMS' AND address = ? AND reason = 'OPT_OUT' AND ${fresh}`,
        )
        .bind(from, key),
    );
  if (keyword)
    statements.push(
      db
        .prepare(
          `INSERT INTO message_consent (subject_type, subject_id, channel, action, source, recorded_by, recorded_at,
             purpose, text_shown)
           SELECT recipient_type, recipient_id, 'SMS', ?, ?, 'recipient', ?, 'MARKETING', ? FROM (${people}) WHERE ${fresh}`,
        )
        .bind(
          keyword === 'STOP' ? 'WITHDRAWN' : 'GRANTED',
          `sms:${body.trim().toUpperCase().slice(0, 20)}`,
          now,
          // What the person wrote (no text was shown: the keyword is their whole statement).
          body.trim().slice(0, 160),
          from,
          key,
        ),
    );
  else
    statements.push(
      db
        .prepare(
          `INSERT INTO activity (subject_type, subject_id, kind, body, occurred_at, author_distributor_id, author, created_at)
           SELECT recipient_type, recipient_id, 'SMS', ?, ?, NULL, 'inbound:sms', ? FROM message_outbox
           WHERE channel = 'SMS' AND address = ? AND ${fresh} ORDER BY id DESC LIMIT 1`,
        )
        .bind(`Reply from ${from}:\n\n${body}`.slice(0, 10_000), now, now, from, key),
      // The owner of that person's thread hears of the reply in the same batch.
      notificationsFromSelect(
        db,
        'REPLY_RECEIVED',
        `SELECT owner_distributor_id AS distributor_id, recipient_type AS subject_type,
           CAST(recipient_id AS TEXT) AS subject_id,
           json_object('from', ?, 'text', substr(?, 1, 200), 'outboxId', id) AS payload,
           'reply:' || ? AS dedupe_key
         FROM message_outbox WHERE channel = 'SMS' AND address = ? AND recipient_type != 'STAFF' AND ${fresh}
         ORDER BY id DESC LIMIT 1`,
        [from, body, sid, from, key],
        now,
      ),
    );
  statements.push(
    db.prepare("UPDATE message_event SET applied = 1 WHERE provider = 'TWILIO' AND dedupe_key = ?").bind(key),
  );
  await atomic(db, statements);
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
    payload: text ?? '',
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
