// A local fake of GatewayAPI's SMS API, bound to the worker as GATEWAYAPI_API. POST /rest/mtsms with token
// auth and a JSON body; answers {ids, usage}; errors as {code, message, incident_uuid}; 429 with Retry-After.
//
//   POST /__fake/script {to: msisdn as digits, answers}
//   GET  /__fake/accepted?to=<msisdn digits>  -> {messages}
import { FAKE_PROVIDERS } from './provider-credentials';
import { hex, json, Script, type ScriptedAnswer } from './scripted';

interface Mt {
  id: number;
  msisdn: string;
  sender: string;
  message: string;
  userref: string | null;
  encoding: string;
  callback_url: string | null;
}

const sent: Mt[] = [];
const script = new Script();
let nextId = 1_000_000;

const gwError = (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
  json(
    { code, message, incident_uuid: `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}` },
    status,
    headers,
  );

export async function fakeGatewayApi(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname === '/__fake/script' && request.method === 'POST') {
    const { to, answers } = (await request.json()) as { to: string; answers: ScriptedAnswer[] };
    script.set(to, answers);
    return json({ ok: true });
  }
  if (url.pathname === '/__fake/accepted')
    return json({ messages: sent.filter((m) => m.msisdn === url.searchParams.get('to')) });
  if (url.pathname !== '/rest/mtsms' || request.method !== 'POST') return gwError(404, '0x0404', 'Not found');
  if (request.headers.get('authorization') !== `Token ${FAKE_PROVIDERS.GATEWAYAPI_TOKEN}`)
    return gwError(401, '0x0213', 'Unauthorized: invalid or missing API token');
  let body: Record<string, unknown>;
  try {
    body = (await request.json()) as Record<string, unknown>;
  } catch {
    return gwError(400, '0x0210', 'Invalid JSON');
  }
  const recipients = body.recipients as { msisdn?: unknown }[] | undefined;
  const msisdn = recipients?.[0]?.msisdn;
  if (!Array.isArray(recipients) || typeof msisdn !== 'number')
    return gwError(422, '0x0216', 'recipients: msisdn must be a number');
  if (typeof body.message !== 'string' || body.message === '')
    return gwError(422, '0x0216', 'message is required');
  if (typeof body.sender !== 'string' || body.sender.length > 15)
    return gwError(422, '0x0216', 'sender is invalid');
  const scripted = script.next(String(msisdn));
  const mt: Mt = {
    id: nextId++,
    msisdn: String(msisdn),
    sender: body.sender,
    message: body.message,
    userref: typeof body.userref === 'string' ? body.userref : null,
    encoding: typeof body.encoding === 'string' ? body.encoding : 'UTF8',
    callback_url: typeof body.callback_url === 'string' ? body.callback_url : null,
  };
  if (scripted) {
    if (scripted.acceptedAnyway) sent.push(mt);
    return gwError(
      scripted.status,
      String(scripted.code ?? (scripted.status === 429 ? '0x0429' : '0x0500')),
      scripted.message ?? (scripted.status === 429 ? 'Too many requests' : 'Internal server error'),
      scripted.retryAfter ? { 'Retry-After': scripted.retryAfter } : {},
    );
  }
  sent.push(mt);
  return json({ ids: [mt.id], usage: { countries: { DK: 1 }, currency: 'DKK', total_cost: 0.25 } });
}
