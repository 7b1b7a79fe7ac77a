// A local fake of Twilio's Messages API, bound to the worker as TWILIO_API in test/vitest.config.ts. It speaks
// Twilio's formats: form-encoded create with HTTP Basic auth, 201 with the Message resource, errors as
// {code, message, more_info, status}, 429 with Retry-After, and the Messages list filtered by To/From.
// State is shared by every test file (it runs in the Node process): tests use their own numbers.
//
//   POST /2010-04-01/Accounts/{sid}/Messages.json     create
//   GET  /2010-04-01/Accounts/{sid}/Messages.json     list (To, From, PageSize)
//   POST /__fake/script {to, answers: ScriptedAnswer[]}
//   GET  /__fake/accepted?to=...                      -> {messages} the fake accepted for that number
import { FAKE_PROVIDERS } from './provider-credentials';
import { hex, json, Script, type ScriptedAnswer } from './scripted';

interface TwilioMessage {
  sid: string;
  account_sid: string;
  to: string;
  from: string;
  body: string;
  status: string;
  date_created: string;
  status_callback: string | null;
  num_segments: string;
}

const messages: TwilioMessage[] = [];
const script = new Script();

function twilioError(status: number, code: number, message: string, headers: Record<string, string> = {}) {
  return json(
    { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
    status,
    headers,
  );
}

function resource(m: TwilioMessage) {
  return {
    account_sid: m.account_sid,
    api_version: '2010-04-01',
    body: m.body,
    date_created: m.date_created,
    date_sent: null,
    date_updated: m.date_created,
    direction: 'outbound-api',
    error_code: null,
    error_message: null,
    from: m.from,
    messaging_service_sid: null,
    num_media: '0',
    num_segments: m.num_segments,
    price: null,
    price_unit: 'USD',
    sid: m.sid,
    status: m.status,
    subresource_uris: { media: `/2010-04-01/Accounts/${m.account_sid}/Messages/${m.sid}/Media.json` },
    to: m.to,
    uri: `/2010-04-01/Accounts/${m.account_sid}/Messages/${m.sid}.json`,
  };
}

/** What the fake keeps beyond the resource (for tests): the StatusCallback it was asked to use. */
function kept(m: TwilioMessage) {
  return { ...resource(m), status_callback: m.status_callback };
}

function answerScripted(a: ScriptedAnswer) {
  const code = Number(a.code ?? (a.status === 429 ? 20429 : a.status >= 500 ? 20500 : 21211));
  const message =
    a.message ??
    (a.status === 429 ? 'Too Many Requests' : a.status >= 500 ? 'Internal Server Error' : 'Invalid request');
  return twilioError(a.status, code, message, a.retryAfter ? { 'Retry-After': a.retryAfter } : {});
}

export async function fakeTwilio(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname === '/__fake/script' && request.method === 'POST') {
    const { to, answers } = (await request.json()) as { to: string; answers: ScriptedAnswer[] };
    script.set(to, answers);
    return json({ ok: true });
  }
  if (url.pathname === '/__fake/accepted') {
    const to = url.searchParams.get('to');
    return json({ messages: messages.filter((m) => m.to === to).map(kept) });
  }
  const m = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(url.pathname);
  if (!m) return twilioError(404, 20404, 'The requested resource was not found');
  const expected = `Basic ${btoa(`${FAKE_PROVIDERS.TWILIO_ACCOUNT_SID}:${FAKE_PROVIDERS.TWILIO_AUTH_TOKEN}`)}`;
  if (m[1] !== FAKE_PROVIDERS.TWILIO_ACCOUNT_SID || request.headers.get('authorization') !== expected)
    return twilioError(401, 20003, 'Authenticate');

  if (request.method === 'GET') {
    const to = url.searchParams.get('To');
    const from = url.searchParams.get('From');
    const size = Number(url.searchParams.get('PageSize') ?? 50);
    const found = messages
      .filter((x) => (!to || x.to === to) && (!from || x.from === from))
      .reverse()
      .slice(0, size);
    return json({
      messages: found.map(resource),
      end: found.length - 1,
      first_page_uri: `${url.pathname}?PageSize=${size}&Page=0`,
      next_page_uri: null,
      page: 0,
      page_size: size,
      previous_page_uri: null,
      start: 0,
      uri: `${url.pathname}${url.search}`,
    });
  }
  if (request.method !== 'POST') return twilioError(405, 20004, 'Method not allowed');
  if (!(request.headers.get('content-type') ?? '').startsWith('application/x-www-form-urlencoded'))
    return twilioError(400, 21601, 'The request must be form-encoded.');
  const form = new URLSearchParams(await request.text());
  const to = form.get('To');
  const from = form.get('From');
  const body = form.get('Body');
  if (!to) return twilioError(400, 21604, "A 'To' phone number is required.");
  if (!from) return twilioError(400, 21603, "A 'From' phone number is required.");
  if (!body) return twilioError(400, 21602, 'Message body is required.');
  const scripted = script.next(to);
  const message: TwilioMessage = {
    sid: `SM${hex(32)}`,
    account_sid: m[1],
    to,
    from,
    body,
    status: 'queued',
    date_created: new Date().toUTCString().replace('GMT', '+0000'),
    status_callback: form.get('StatusCallback'),
    num_segments: '1',
  };
  if (scripted) {
    if (scripted.acceptedAnyway || scripted.reset) messages.push(message);
    // A binding cannot drop a connection: the test's wrapper (withResets) turns this answer into a throw.
    if (scripted.reset) return new Response(null, { status: 599, headers: { 'x-fake-reset': '1' } });
    return answerScripted(scripted);
  }
  if (!/^\+[1-9]\d{6,14}$/.test(to))
    return twilioError(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
  messages.push(message);
  return json(resource(message), 201);
}
