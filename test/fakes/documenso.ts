// A local fake of Documenso's API v2, bound to the worker as DOCUMENSO_API. `Authorization: api_...` (no
// Bearer) checked; POST /envelope/create (multipart payload + files), POST /envelope/distribute, GET
// /envelope/{id}, GET /envelope/item/{id}/download. Errors as {message} with the status; 5xx scripted per
// recipient e-mail. Webhook bodies for the tests come from /__fake/webhook.
//
//   POST /__fake/script {to, answers}
//   POST /__fake/complete {id}                 the recipient signed: COMPLETED with a signed file
//   POST /__fake/webhook {id, event}           -> {body} (DOCUMENT_SENT, DOCUMENT_OPENED, DOCUMENT_COMPLETED, ...)
import { FAKE_PROVIDERS } from './provider-credentials';
import { hex, json, Script, type ScriptedAnswer } from './scripted';

interface Envelope {
  id: string;
  externalId: string | null;
  title: string;
  status: 'DRAFT' | 'PENDING' | 'COMPLETED' | 'REJECTED';
  recipient: { email: string; name: string; token: string };
  itemId: string;
  source: Uint8Array;
  signed: Uint8Array | null;
}

const envelopes = new Map<string, Envelope>();
const script = new Script();

const err = (status: number, message: string) =>
  json({ message, code: status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST' }, status);

export async function fakeDocumenso(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const path = url.pathname.replace(/^\/api\/v2/, '');
  if (path === '/__fake/script' && request.method === 'POST') {
    const { to, answers } = (await request.json()) as { to: string; answers: ScriptedAnswer[] };
    script.set(to, answers);
    return json({ ok: true });
  }
  if (path === '/__fake/complete' && request.method === 'POST') {
    const { id } = (await request.json()) as { id: string };
    const e = envelopes.get(id);
    if (!e) return err(404, 'Envelope not found');
    e.status = 'COMPLETED';
    e.signed = new Uint8Array([
      ...e.source,
      ...new TextEncoder().encode(`\n% signed in documenso by ${e.recipient.email}\n`),
    ]);
    return json({ ok: true });
  }
  if (path === '/__fake/webhook' && request.method === 'POST') {
    const { id, event } = (await request.json()) as { id: string; event: string };
    const e = envelopes.get(id);
    if (!e) return err(404, 'Envelope not found');
    const signed = event === 'DOCUMENT_COMPLETED' || event === 'DOCUMENT_SIGNED';
    const body = {
      event,
      payload: {
        id: Number.parseInt(e.id.slice(-6), 16),
        envelopeId: e.id,
        externalId: e.externalId,
        status:
          event === 'DOCUMENT_COMPLETED'
            ? 'COMPLETED'
            : event === 'DOCUMENT_REJECTED'
              ? 'REJECTED'
              : 'PENDING',
        recipients: [
          {
            email: e.recipient.email,
            signingStatus: signed ? 'SIGNED' : event === 'DOCUMENT_REJECTED' ? 'REJECTED' : 'NOT_SIGNED',
            signedAt: signed ? new Date().toISOString() : null,
            rejectionReason: event === 'DOCUMENT_REJECTED' ? 'Not for me' : null,
          },
        ],
      },
      createdAt: new Date().toISOString(),
      webhookEndpoint: 'https://crm.example.test/webhooks/esign/documenso',
    };
    return json({ body: JSON.stringify(body), deliveryId: `whd_${hex(20)}` });
  }
  const auth = request.headers.get('authorization');
  if (auth !== FAKE_PROVIDERS.DOCUMENSO_API_KEY) return err(401, 'Unauthorized');
  if (path === '/envelope/create' && request.method === 'POST') {
    const form = await request.formData();
    const payloadRaw = form.get('payload');
    const file = form.get('files');
    if (typeof payloadRaw !== 'string' || !file || typeof file === 'string')
      return err(400, 'payload and files are required');
    const payload = JSON.parse(payloadRaw) as {
      type?: string;
      title?: string;
      externalId?: string;
      recipients?: {
        email?: string;
        name?: string;
        role?: string;
        fields?: { type?: string; positionX?: number }[];
      }[];
    };
    const r = payload.recipients?.[0];
    if (payload.type !== 'DOCUMENT' || !payload.title || !r?.email || r.role !== 'SIGNER')
      return err(400, 'Invalid payload');
    if (
      !r.fields?.some((f) => f.type === 'SIGNATURE' && typeof f.positionX === 'number' && f.positionX <= 100)
    )
      return err(400, 'A SIGNATURE field is required');
    const scripted = script.next(r.email);
    if (scripted) return err(scripted.status, scripted.message ?? 'Internal server error');
    const source = new Uint8Array(await file.arrayBuffer());
    if (new TextDecoder().decode(source.slice(0, 5)) !== '%PDF-') return err(400, 'Not a PDF');
    const id = `envelope_${hex(16)}`;
    envelopes.set(id, {
      id,
      externalId: payload.externalId ?? null,
      title: payload.title,
      status: 'DRAFT',
      recipient: { email: r.email, name: r.name ?? '', token: hex(20) },
      itemId: `envelope_item_${hex(12)}`,
      source,
      signed: null,
    });
    return json({ id });
  }
  if (path === '/envelope/distribute' && request.method === 'POST') {
    const { envelopeId } = (await request.json()) as { envelopeId?: string };
    const e = envelopeId ? envelopes.get(envelopeId) : undefined;
    if (!e) return err(404, 'Envelope not found');
    e.status = 'PENDING';
    return json({
      success: true,
      id: e.id,
      recipients: [
        {
          email: e.recipient.email,
          name: e.recipient.name,
          token: e.recipient.token,
          role: 'SIGNER',
          signingUrl: `https://documenso.fake.test/sign/${e.recipient.token}`,
        },
      ],
    });
  }
  const item = /^\/envelope\/item\/([^/]+)\/download$/.exec(path);
  if (item && request.method === 'GET') {
    const e = [...envelopes.values()].find((x) => x.itemId === item[1]);
    if (!e) return err(404, 'Item not found');
    const bytes = url.searchParams.get('version') === 'signed' ? e.signed : e.source;
    if (!bytes) return err(400, 'The document is not signed yet');
    return new Response(new Uint8Array(bytes), { headers: { 'content-type': 'application/pdf' } });
  }
  const one = /^\/envelope\/([^/]+)$/.exec(path);
  if (one && request.method === 'GET') {
    const e = envelopes.get(one[1]);
    if (!e) return err(404, 'Envelope not found');
    return json({
      id: e.id,
      externalId: e.externalId,
      title: e.title,
      status: e.status,
      envelopeItems: [{ id: e.itemId, title: e.title }],
    });
  }
  return err(404, 'Not found');
}
