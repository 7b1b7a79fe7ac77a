import { createExecutionContext, createMessageBatch, env, getQueueResult } from 'cloudflare:test';
import worker from '../../src/index';
import type { JobMessage } from '../../src/jobs/messages';
import type { OutboxRow } from '../../src/modules/messaging/tables';
import { FAKE_PROVIDERS } from '../fakes/provider-credentials';

export const JOBS_QUEUE = 'mlm-crm-jobs';
export const DLQ = 'mlm-crm-jobs-dlq';

/** Through the worker's real queue handler. */
export async function deliver(bodies: JobMessage[], queue = JOBS_QUEUE, attempts = 1, workerEnv = env) {
  const batch = createMessageBatch<JobMessage>(
    queue,
    bodies.map((body, i) => ({ id: `m${i}-${Math.random()}`, timestamp: new Date(), attempts, body })),
  );
  // The test harness records retries without their options: keep each retry's delay here.
  const delays = new Map<string, number | undefined>();
  for (const m of batch.messages) {
    const retry = m.retry.bind(m);
    Object.defineProperty(m, 'retry', {
      value: (options?: QueueRetryOptions) => {
        delays.set(m.id, options?.delaySeconds);
        retry(options);
      },
    });
  }
  const ctx = createExecutionContext();
  await worker.queue(batch, workerEnv, ctx);
  const result = await getQueueResult(batch, ctx);
  return {
    ...result,
    retryMessages: result.retryMessages.map((r) => ({ ...r, delaySeconds: delays.get(r.msgId) })),
  };
}

export const send = (outboxId: number): JobMessage => ({ kind: 'outbox.send', outboxId });

/**
 * The worker's env whose Twilio connection drops where the fake says so (a `reset` script answer), and, with
 * `lookupsFail`, on every lookup (GET) as well.
 */
export function withResets(opts: { lookupsFail?: boolean } = {}): typeof env {
  const twilio = env.TWILIO_API!;
  const fetcher = {
    async fetch(input: RequestInfo | URL, init?: RequestInit) {
      const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
      if (opts.lookupsFail && method === 'GET') throw new Error('Network connection lost.');
      const res = await twilio.fetch(input as Request, init);
      if (res.headers.get('x-fake-reset')) throw new Error('Network connection lost.');
      return res;
    },
  };
  return { ...env, TWILIO_API: fetcher as unknown as Fetcher };
}

/**
 * The providers messages leave through. Quiet hours are off unless a test names them: the default window
 * (21:00–08:00 local) would hold a marketing SMS back whenever the suite happens to run in the evening.
 */
export async function setProviders(p: {
  sms?: 'TWILIO' | 'GATEWAYAPI' | null;
  email?: 'RESEND' | 'CLOUDFLARE' | null;
  quietHours?: { start: string; end: string };
}): Promise<void> {
  const quiet = p.quietHours ?? { start: '00:00', end: '00:00' };
  await env.DB.prepare(
    `UPDATE messaging_settings SET sms_provider = ?, email_provider = ?, sms_sender = '+4570000000',
       email_from = 'Shop <shop@example.com>', quiet_hours_start = ?, quiet_hours_end = ? WHERE id = 1`,
  )
    .bind(p.sms ?? null, p.email ?? null, quiet.start, quiet.end)
    .run();
}

/** A fresh Danish mobile number per call: the fakes' state is shared by every test file. */
export function uniquePhone(): string {
  const [a, b, c] = crypto.getRandomValues(new Uint32Array(3));
  // +45 2x yz zz zz with y not 0: numbers whose fifth digit is 0 are not allocated to mobiles.
  return `+452${a % 10}${1 + (b % 9)}${String(c % 100_000).padStart(5, '0')}`;
}
export function uniqueEmail(): string {
  return `p-${crypto.randomUUID()}@example.com`;
}

/** An outbox row as the enqueue step writes it (no queue message sent: tests deliver it themselves). */
export async function queuedMessage(m: {
  channel: 'SMS' | 'EMAIL';
  address: string;
  body?: string;
  subject?: string | null;
  recipientId?: number;
}): Promise<number> {
  const now = new Date().toISOString();
  const row = await env.DB.prepare(
    `INSERT INTO message_outbox (recipient_type, recipient_id, address, channel, purpose, locale, subject, body, html,
       sms_encoding, sms_segments, sender_kind, sender, idempotency_key, created_at, updated_at)
     VALUES ('CUSTOMER', ?, ?, ?, 'TRANSACTIONAL', 'da', ?, ?, ?, ?, ?, 'STAFF', 'staff:1', ?, ?, ?) RETURNING id`,
  )
    .bind(
      m.recipientId ?? 1,
      m.address,
      m.channel,
      m.channel === 'EMAIL' ? (m.subject ?? 'Hej') : null,
      m.body ?? `Hej, din ordre er sendt (${Math.random()})`,
      m.channel === 'EMAIL' ? '<p>Hej</p>' : null,
      m.channel === 'SMS' ? 'GSM7' : null,
      m.channel === 'SMS' ? 1 : null,
      `outbox-${crypto.randomUUID()}`,
      now,
      now,
    )
    .first<{ id: number }>();
  return row!.id;
}

export async function outbox(id: number): Promise<OutboxRow> {
  return (await env.DB.prepare('SELECT * FROM message_outbox WHERE id = ?').bind(id).first<OutboxRow>())!;
}

/** Moves a message's clock back: its claim or its not_before lies `seconds` further in the past. */
export async function age(id: number, seconds: number): Promise<void> {
  await env.DB.prepare(
    `UPDATE message_outbox SET
       claimed_at = CASE WHEN claimed_at IS NULL THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%fZ', claimed_at, ?) END,
       not_before = CASE WHEN not_before IS NULL THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%fZ', not_before, ?) END
     WHERE id = ?`,
  )
    .bind(`-${seconds} seconds`, `-${seconds} seconds`, id)
    .run();
}

type Fake = 'TWILIO_API' | 'GATEWAYAPI_API' | 'RESEND_API';
async function fake(binding: Fake, path: string, body?: unknown): Promise<any> {
  const res = await env[binding]!.fetch(`https://fake.test${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return res.json();
}

export interface Scripted {
  status: number;
  code?: string | number;
  message?: string;
  retryAfter?: string;
  acceptedAnyway?: boolean;
  reset?: boolean;
}
export const script = (binding: Fake, to: string, answers: Scripted[]) =>
  fake(binding, '/__fake/script', { to, answers });

export async function twilioAccepted(
  to: string,
): Promise<{ sid: string; body: string; from: string; status_callback: string | null }[]> {
  return (await fake('TWILIO_API', `/__fake/accepted?to=${encodeURIComponent(to)}`)).messages;
}
export async function gatewayAccepted(
  msisdn: string,
): Promise<
  { id: number; userref: string; encoding: string; message: string; callback_url: string | null }[]
> {
  return (await fake('GATEWAYAPI_API', `/__fake/accepted?to=${msisdn.replace('+', '')}`)).messages;
}
export async function resendAccepted(
  to: string,
): Promise<{ id: string; subject: string; text: string; html: string; headers?: Record<string, string> }[]> {
  return (await fake('RESEND_API', `/__fake/accepted?to=${encodeURIComponent(to)}`)).emails;
}

// ---- Callback signing, written from the providers' documentation (independent of src/) ----

const enc = new TextEncoder();
const b64 = (buf: ArrayBuffer) => btoa(String.fromCharCode(...new Uint8Array(buf)));
async function hmacB64(hash: string, key: Uint8Array<ArrayBuffer>, data: string) {
  const k = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash }, false, ['sign']);
  return b64(await crypto.subtle.sign('HMAC', k, enc.encode(data)));
}

/** A Twilio status callback to our public URL: form body and its X-Twilio-Signature. */
export async function twilioCallback(
  params: Record<string, string>,
  token: string = FAKE_PROVIDERS.TWILIO_AUTH_TOKEN,
  path = '/webhooks/messaging/twilio',
) {
  const url = `${FAKE_PROVIDERS.PUBLIC_BASE_URL}${path}`;
  const data =
    url +
    Object.keys(params)
      .sort()
      .map((k) => k + params[k])
      .join('');
  const signature = await hmacB64('SHA-1', enc.encode(token), data);
  return { body: new URLSearchParams(params).toString(), signature };
}

export function postTwilio(body: string, signature: string | null, path = '/webhooks/messaging/twilio') {
  return worker.fetch(
    new Request(`http://localhost${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(signature ? { 'x-twilio-signature': signature } : {}),
      },
      body,
    }),
    env,
    createExecutionContext(),
  );
}

/** HS256 JWT by hand: base64url(header).base64url(claims).base64url(HMAC-SHA256). */
export async function gwapiJwt(
  claims: Record<string, unknown>,
  secret: string = FAKE_PROVIDERS.GATEWAYAPI_WEBHOOK_SECRET,
) {
  const url = (s: string) => s.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  const part = (o: unknown) => url(btoa(String.fromCharCode(...enc.encode(JSON.stringify(o)))));
  const head = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${head}.${url(await hmacB64('SHA-256', enc.encode(secret), head))}`;
}

export function postGatewayApi(body: string, jwt: string | null, path = '/webhooks/messaging/gatewayapi') {
  return worker.fetch(
    new Request(`http://localhost${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(jwt ? { 'x-gwapi-signature': jwt } : {}) },
      body,
    }),
    env,
    createExecutionContext(),
  );
}

/** A Svix-signed webhook: v1 signature over `${id}.${timestamp}.${body}` with the decoded whsec_ secret. */
export async function svixHeaders(
  body: string,
  opts: { id?: string; timestamp?: number; secret?: string } = {},
) {
  const id = opts.id ?? `msg_${crypto.randomUUID()}`;
  const ts = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  const secret = (opts.secret ?? FAKE_PROVIDERS.RESEND_WEBHOOK_SECRET).slice('whsec_'.length);
  const key = Uint8Array.from(atob(secret), (c) => c.charCodeAt(0));
  const sig = await hmacB64('SHA-256', key, `${id}.${ts}.${body}`);
  return { 'svix-id': id, 'svix-timestamp': ts, 'svix-signature': `v1,bm90IHRoaXMgb25l v1,${sig}` };
}

export function postResend(body: string, headers: Record<string, string>) {
  return worker.fetch(
    new Request('http://localhost/webhooks/messaging/resend', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    }),
    env,
    createExecutionContext(),
  );
}

export async function eventCount(): Promise<number> {
  return (await env.DB.prepare('SELECT count(*) AS n FROM message_event').first<{ n: number }>())!.n;
}
