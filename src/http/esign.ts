import { Hono } from 'hono';
import type { Env } from '../env';
import { type CallbackOutcome, takeAutentiCallback, takeDocumensoWebhook } from '../modules/esign/callbacks';

// Signature provider callbacks: POST /webhooks/esign/autenti (detached JWS), /webhooks/esign/documenso
// (X-Documenso-Secret). The body is read within a limit; the module verifies before it reads anything.
export const esignWebhooks = new Hono<{ Bindings: Env }>();

const MAX_BODY = 256 * 1024;

async function bodyOf(request: Request): Promise<Uint8Array | null> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > MAX_BODY) return null;
  const bytes = new Uint8Array(await request.arrayBuffer());
  return bytes.byteLength > MAX_BODY ? null : bytes;
}

const answer = (o: CallbackOutcome) =>
  new Response(JSON.stringify(o.body), { status: o.status, headers: { 'content-type': 'application/json' } });

esignWebhooks.post('/autenti', async (c) => {
  const body = await bodyOf(c.req.raw);
  if (!body) return c.json({ error: 'Body too large.' }, 413);
  return answer(await takeAutentiCallback(c.env, body, c.req.header('x-jws-signature') ?? null));
});

esignWebhooks.post('/documenso', async (c) => {
  const body = await bodyOf(c.req.raw);
  if (!body) return c.json({ error: 'Body too large.' }, 413);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(body);
  return answer(
    await takeDocumensoWebhook(
      c.env,
      text,
      c.req.header('x-documenso-secret') ?? null,
      c.req.header('x-documenso-delivery-id') ?? null,
    ),
  );
});
