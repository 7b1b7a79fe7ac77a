import { Hono } from 'hono';
import type { Env } from '../env';
import { ConflictError, ExpectedError } from '../lib/errors';
import { authenticate } from '../modules/auth/authenticate';
import { clientAddressOf } from '../modules/auth/rateLimit';
import { requestOf } from '../modules/esign/repository';
import { offerSignatureStart } from '../modules/esign/signatures';
import {
  acceptOffer,
  declineOffer,
  formToken,
  formTokenValid,
  linkState,
  recordView,
} from '../modules/offers/decisions';
import { brandOf, offerDocument } from '../modules/offers/document';
import { publicPath } from '../modules/offers/offers';
import { noticePage, offerPage } from '../modules/offers/page';
import { offerPdfFile } from '../modules/offers/pdfStore';
import { requireOffer } from '../modules/offers/repository';
import { jsonRefusal } from './refusal';

// The public offer link (no login): GET /o/:token shows the offer, POST …/accept and …/decline answer it with
// the form's token, GET …/pdf downloads it. Unknown, revoked, expired and replaced links get a page that shows
// nothing of the offer. Owners and staff download the PDF at GET /offers/:id/pdf.
export const offerLinks = new Hono<{ Bindings: Env }>();
export const offerFiles = new Hono<{ Bindings: Env }>();

const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-robots-tag': 'noindex',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'",
};

function language(request: Request): string {
  const m = /\b(da|pl|de|en)\b/i.exec(request.headers.get('accept-language') ?? '');
  return m ? m[1].toLowerCase() : 'en';
}

async function notice(
  db: D1Database,
  request: Request,
  kind: 'UNKNOWN' | 'REVOKED' | 'EXPIRED' | 'REPLACED' | 'FAILED',
  status: number,
  newLink: string | null = null,
): Promise<Response> {
  return new Response(noticePage(language(request), kind, await brandOf(db), newLink), {
    status,
    headers: HEADERS,
  });
}

async function show(env: Env, request: Request, token: string, status = 200): Promise<Response> {
  const state = await linkState(env.DB, token);
  switch (state.kind) {
    case 'UNKNOWN':
      return notice(env.DB, request, 'UNKNOWN', 404);
    case 'REVOKED':
      return notice(env.DB, request, 'REVOKED', 410);
    case 'EXPIRED':
      return notice(env.DB, request, 'EXPIRED', 410);
    case 'REPLACED':
      return notice(env.DB, request, 'REPLACED', 410, state.newToken ? publicPath(state.newToken) : null);
  }
  // A HEAD request or a browser's prefetch is not the recipient reading the offer.
  const prefetch = /prefetch|prerender/i.test(
    request.headers.get('sec-purpose') ?? request.headers.get('purpose') ?? '',
  );
  if (state.kind === 'OPEN' && request.method === 'GET' && !prefetch) await recordView(env.DB, state.offer);
  const d = await offerDocument(env.DB, state.offer);
  const sig =
    state.offer.status === 'ACCEPTED' && state.offer.order_id == null
      ? await requestOf(env.DB, 'OFFER', state.offer.id)
      : null;
  const html = offerPage(
    {
      ...d,
      path: publicPath(token),
      formToken: await formToken(env.JWT_SECRET, state.offer),
      orderId: state.offer.order_id,
      signature: sig
        ? { pending: !['COMPLETED', 'REJECTED', 'CANCELLED'].includes(sig.status), url: sig.signing_url }
        : null,
    },
    d.brand,
  );
  return new Response(html, { status, headers: HEADERS });
}

offerLinks.get('/:token', (c) => show(c.env, c.req.raw, c.req.param('token')));

async function decide(
  env: Env,
  request: Request,
  token: string,
  kind: 'accept' | 'decline',
): Promise<Response> {
  const state = await linkState(env.DB, token);
  if (state.kind !== 'OPEN') return show(env, request, token, state.kind === 'UNKNOWN' ? 404 : 409);
  const form = await request.formData().catch(() => null);
  const posted = form?.get('t');
  if (typeof posted !== 'string' || !(await formTokenValid(env.JWT_SECRET, state.offer, posted)))
    return notice(env.DB, request, 'UNKNOWN', 403);
  const decision = { ip: clientAddressOf(request), userAgent: request.headers.get('user-agent') };
  try {
    if (kind === 'accept')
      await acceptOffer(
        env.DB,
        state.offer,
        decision,
        (await offerSignatureStart(env, state.offer)) ?? undefined,
      );
    else await declineOffer(env.DB, state.offer, decision);
  } catch (e) {
    if (e instanceof ConflictError) return show(env, request, token, 409);
    if (e instanceof ExpectedError) {
      console.error(`offer ${state.offer.id}: ${kind} failed: ${e.message}`);
      return notice(env.DB, request, 'FAILED', 409);
    }
    throw e;
  }
  // Post/redirect/get: a reload shows the answer and does not post again.
  return new Response(null, {
    status: 303,
    headers: { location: publicPath(token), 'cache-control': 'no-store' },
  });
}

offerLinks.post('/:token/accept', (c) => decide(c.env, c.req.raw, c.req.param('token'), 'accept'));
offerLinks.post('/:token/decline', (c) => decide(c.env, c.req.raw, c.req.param('token'), 'decline'));

function pdfResponse(pdf: { bytes: Uint8Array; sha256: string }, id: number): Response {
  return new Response(new Uint8Array(pdf.bytes), {
    headers: {
      'content-type': 'application/pdf',
      'content-disposition': `inline; filename="offer-${id}.pdf"`,
      'cache-control': 'private, no-store',
      'x-content-sha256': pdf.sha256,
    },
  });
}

offerLinks.get('/:token/pdf', async (c) => {
  const state = await linkState(c.env.DB, c.req.param('token'));
  if (state.kind !== 'OPEN' && state.kind !== 'ACCEPTED' && state.kind !== 'DECLINED')
    return show(c.env, c.req.raw, c.req.param('token'));
  return pdfResponse(await offerPdfFile(c.env.DB, c.env.FILES, state.offer), state.offer.id);
});

offerFiles.get('/:id/pdf', async (c) => {
  const auth = await authenticate(c.env, c.req.raw);
  if (auth.refusal) return jsonRefusal(auth.refusal);
  if (auth.viewer.kind === 'ANONYMOUS') return c.json({ error: 'Sign in first.' }, 401);
  const id = Number(c.req.param('id'));
  if (!Number.isSafeInteger(id) || id <= 0) return c.json({ error: 'Offer not found.' }, 404);
  const offer = await requireOffer(c.env.DB, auth.viewer, id).catch(() => null);
  if (!offer) return c.json({ error: 'Offer not found.' }, 404);
  return pdfResponse(await offerPdfFile(c.env.DB, c.env.FILES, offer), offer.id);
});
