import { type Context, Hono } from 'hono';
import type { Env } from '../env';
import {
  BodyTooLargeError,
  decodeUtf8,
  MAX_LEAD_BODY_BYTES,
  MAX_META_BODY_BYTES,
  readBodyLimited,
} from '../modules/leads/body';
import { googleFormKeyHash, sourceByName } from '../modules/leads/config';
import { constantTimeEqual, matchesSha256, sha256Hex, verifyHmacSignature } from '../modules/leads/crypto';
import { genericExternalId, parseGenericBody } from '../modules/leads/generic';
import { parseGoogleBody } from '../modules/leads/google';
import { acceptDelivery, logRejection } from '../modules/leads/intake';
import { parseMetaNotification } from '../modules/leads/meta';

/**
 * Lead webhooks. Each one verifies the sender, hands the raw delivery to the queue and the lead inbox
 * together with the deliveries arriving at the same time (group commit, modules/leads/groupCommit.ts), or,
 * when too big for a message, keeps it in D1 and enqueues its intakes, and answers once that is durable; a refused delivery writes only a
 * rejection record. Whether a lead was new is settled by the consumer, so a redelivery is answered
 * "accepted" too and adds nothing.
 */
export const webhooks = new Hono<{ Bindings: Env }>();

type C = Context<{ Bindings: Env }>;

async function refuse(
  c: C,
  endpoint: string,
  status: Status,
  reason: string,
  bytes: number | null,
  publicReason: string = reason,
) {
  await logRejection(c.env, endpoint, reason, status, bytes);
  // The console and the rejection record keep the whole reason; the sender gets one it can act on that
  // never says which secret was wrong, nor whether a form exists.
  return c.json({ error: publicReason, code: REFUSAL_CODE[status] }, status);
}

const REFUSAL_CODE = {
  400: 'BAD_REQUEST',
  401: 'BAD_SIGNATURE',
  403: 'UNKNOWN_FORM_OR_KEY',
  404: 'UNKNOWN_SOURCE',
  413: 'TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  503: 'NOT_CONFIGURED',
} as const;

/** The body within the limit, or the refusal to send. */
async function readBody(c: C, endpoint: string, limit: number): Promise<Uint8Array<ArrayBuffer> | Response> {
  try {
    return await readBodyLimited(c.req.raw, limit);
  } catch (e) {
    if (e instanceof BodyTooLargeError)
      return refuse(
        c,
        endpoint,
        413,
        `Body larger than ${limit} bytes.`,
        Number(c.req.header('content-length')) || null,
      );
    return refuse(c, endpoint, 400, 'The body could not be read.', null);
  }
}

type Status = 400 | 401 | 403 | 404 | 413 | 415 | 503;

/** Why a delivery is refused: the full reason is logged, `publicReason` (default: reason) is answered. */
interface Refusal {
  refused: true;
  status: Status;
  reason: string;
  publicReason?: string;
}
const refusal = (status: Status, reason: string, publicReason?: string): Refusal => ({
  refused: true,
  status,
  reason,
  publicReason,
});

/**
 * The one path of every lead webhook: read the body within its limit → verify the sender over the raw
 * bytes → decode UTF-8 → parse (and any check that needs the parsed body) → accept. Each route supplies
 * the steps that differ.
 */
async function receive<P>(
  c: C,
  endpoint: string,
  steps: {
    limit: number;
    verify?: (raw: Uint8Array<ArrayBuffer>) => Promise<Refusal | null>;
    parse: (text: string) => Promise<P | Refusal>;
    accept: (parsed: P, text: string, bytes: number) => Promise<Response>;
  },
): Promise<Response> {
  const raw = await readBody(c, endpoint, steps.limit);
  if (raw instanceof Response) return raw;
  const refuseWith = (r: Refusal) => refuse(c, endpoint, r.status, r.reason, raw.byteLength, r.publicReason);
  const unverified = steps.verify ? await steps.verify(raw) : null;
  if (unverified) return refuseWith(unverified);
  const text = decodeUtf8(raw);
  if (text == null) return refuse(c, endpoint, 400, 'The body is not UTF-8.', raw.byteLength);
  const parsed = await steps.parse(text);
  if (isRefusal(parsed)) return refuseWith(parsed);
  return steps.accept(parsed, text, raw.byteLength);
}

function isRefusal(v: unknown): v is Refusal {
  return typeof v === 'object' && v !== null && (v as Refusal).refused === true;
}

// ---- Google Ads lead forms ----

webhooks.post('/google-ads', (c) =>
  receive(c, '/webhooks/google-ads', {
    limit: MAX_LEAD_BODY_BYTES,
    parse: async (text) => {
      const parsed = parseGoogleBody(text);
      if (!parsed.ok) return refusal(parsed.status, parsed.reason);
      const { envelope } = parsed;
      // The key is inside the body. Unknown form and wrong key get the same answer; the hash comparison
      // runs either way.
      const stored = await googleFormKeyHash(c.env.DB, envelope.formId);
      const keyOk = await matchesSha256(envelope.googleKey, stored ?? '0'.repeat(64));
      if (!stored || !keyOk)
        return refusal(
          403,
          stored ? `Wrong google_key for form ${envelope.formId}.` : `Unknown form ${envelope.formId}.`,
          'Unknown form or wrong key: the google_key must be the webhook key configured for this form_id.',
        );
      return envelope;
    },
    accept: async (envelope, text, bytes) => {
      await acceptDelivery(
        c.env,
        c.executionCtx,
        'GOOGLE_ADS',
        null,
        c.req.header('content-type') ?? null,
        text,
        bytes,
        [{ externalId: envelope.leadId, ref: { formId: envelope.formId } }],
      );
      return c.json({ status: 'accepted' }, 200);
    },
  }),
);

// ---- Meta lead ads ----

webhooks.get('/meta', async (c) => {
  const mode = c.req.query('hub.mode');
  const token = c.req.query('hub.verify_token') ?? '';
  const challenge = c.req.query('hub.challenge') ?? '';
  const expected = c.env.META_VERIFY_TOKEN;
  if (mode === 'subscribe' && expected && (await constantTimeEqual(token, expected)) && challenge !== '')
    return c.text(challenge, 200);
  await logRejection(
    c.env,
    '/webhooks/meta (verify)',
    expected ? 'Wrong verify token or mode.' : 'META_VERIFY_TOKEN is not set.',
    403,
    null,
  );
  return c.text('Forbidden', 403);
});

webhooks.post('/meta', async (c) => {
  const endpoint = '/webhooks/meta';
  const secret = c.env.META_APP_SECRET;
  if (!secret)
    return refuse(
      c,
      endpoint,
      503,
      'META_APP_SECRET is not set.',
      null,
      'Not configured: no app secret is set.',
    );
  return receive(c, endpoint, {
    limit: MAX_META_BODY_BYTES,
    // The signature covers the bytes as sent (Meta escapes non-ASCII); check it before any parsing.
    verify: async (raw) =>
      (await verifyHmacSignature(secret, raw, c.req.header('x-hub-signature-256')))
        ? null
        : refusal(
            401,
            'Bad or missing X-Hub-Signature-256.',
            'Bad signature: X-Hub-Signature-256 must be sha256=<HMAC-SHA256 of the raw body with the app secret>.',
          ),
    parse: async (text) => {
      const parsed = parseMetaNotification(text);
      return parsed.ok ? parsed.changes : refusal(400, parsed.reason);
    },
    accept: async (changes, text, bytes) => {
      await acceptDelivery(
        c.env,
        c.executionCtx,
        'META',
        null,
        c.req.header('content-type') ?? null,
        text,
        bytes,
        changes.map((ch) => ({ externalId: ch.leadgenId, ref: { ...ch } })),
      );
      return c.json({ status: 'accepted', leads: changes.length }, 200);
    },
  });
});

// ---- Generic senders ----

webhooks.post('/leads/:source', async (c) => {
  const name = c.req.param('source').slice(0, 64);
  const endpoint = `/webhooks/leads/${name}`;
  const source = /^[A-Za-z0-9_-]+$/.test(name) ? await sourceByName(c.env.DB, name) : null;
  if (!source)
    return refuse(c, endpoint, 404, 'Unknown lead source.', null, `Unknown lead source "${name}".`);
  if (!source.active) return refuse(c, endpoint, 404, 'The lead source is disabled.', null);
  const contentType = c.req.header('content-type') ?? null;
  return receive(c, endpoint, {
    limit: MAX_LEAD_BODY_BYTES,
    verify: async (raw) => {
      let authentic: boolean;
      if (source.auth === 'HMAC') {
        authentic = await verifyHmacSignature(
          source.hmacSecret ?? '',
          raw,
          c.req.header(source.signatureHeader),
        );
      } else {
        const bearer = /^Bearer\s+(.+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
        const token = bearer ?? c.req.header('x-webhook-token') ?? '';
        authentic = token !== '' && (await matchesSha256(token.trim(), source.tokenSha256 ?? ''));
      }
      if (authentic) return null;
      return refusal(
        401,
        `Bad ${source.auth === 'HMAC' ? 'signature' : 'token'}.`,
        source.auth === 'HMAC'
          ? `Bad signature: ${source.signatureHeader} must carry the HMAC-SHA256 of the raw body with this source's secret.`
          : 'Bad token: send this source’s token as "Authorization: Bearer <token>" or X-Webhook-Token.',
      );
    },
    parse: async (text) => {
      const parsed = parseGenericBody(contentType, text);
      if (!parsed.ok) return refusal(parsed.status, parsed.reason);
      if (parsed.fields.length === 0) return refusal(400, 'The body has no fields.');
      return parsed.fields;
    },
    accept: async (fields, text, bytes) => {
      // The sender's id when the mapping names one; otherwise identical bodies are the same lead.
      const externalId = `${source.name}:${genericExternalId(fields, source.mapping) ?? `sha256:${await sha256Hex(text)}`}`;
      await acceptDelivery(c.env, c.executionCtx, 'GENERIC', source.name, contentType, text, bytes, [
        { externalId, ref: {} },
      ]);
      return c.json({ status: 'accepted' }, 200);
    },
  });
});
