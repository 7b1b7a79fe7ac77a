// A local fake of the Meta Graph API lead endpoint, bound to the worker as GRAPH_API in test/vitest.config.ts.
// It runs in the Node process (a function service binding), so its state is shared by every test file:
// tests use their own leadgen ids.
//
//   GET  /<version>/<leadgen_id>?access_token=...&fields=...  -> the lead, in Graph's own format
//   POST /__fake/leads    {id, token, lead, failTimes?, failWith?: "transient" | "token" | "missing"}
//   GET  /__fake/calls/<leadgen_id>                            -> {calls}

interface FakeLead {
  token: string;
  lead: Record<string, unknown>;
  failTimes: number;
  failWith: 'transient' | 'token' | 'missing';
  calls: number;
}

const leads = new Map<string, FakeLead>();

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=UTF-8' },
  });

function graphError(status: number, code: number, message: string, extra: Record<string, unknown> = {}) {
  return json(
    { error: { message, type: 'OAuthException', code, ...extra, fbtrace_id: 'AfakeTraceId' } },
    status,
  );
}

export async function fakeMetaGraph(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname === '/__fake/leads' && request.method === 'POST') {
    const body = (await request.json()) as {
      id: string;
      token: string;
      lead: Record<string, unknown>;
      failTimes?: number;
      failWith?: FakeLead['failWith'];
    };
    leads.set(body.id, {
      token: body.token,
      lead: body.lead,
      failTimes: body.failTimes ?? 0,
      failWith: body.failWith ?? 'transient',
      calls: 0,
    });
    return json({ ok: true });
  }
  const calls = /^\/__fake\/calls\/(\d+)$/.exec(url.pathname);
  if (calls) return json({ calls: leads.get(calls[1])?.calls ?? 0 });

  const m = /^\/v\d+\.\d+\/(\d+)\/?$/.exec(url.pathname);
  if (!m || request.method !== 'GET') return graphError(400, 100, 'Unknown path components');
  const entry = leads.get(m[1]);
  if (entry) entry.calls++;
  const token = url.searchParams.get('access_token');
  if (!token) return graphError(400, 104, 'An access token is required to request this resource.');
  if (!entry)
    return graphError(
      400,
      100,
      `Unsupported get request. Object with ID '${m[1]}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
      { error_subcode: 33 },
    );
  if (token !== entry.token)
    return graphError(400, 190, 'Invalid OAuth access token - Cannot parse access token');
  if (entry.failTimes > 0 || entry.failTimes < 0) {
    if (entry.failTimes > 0) entry.failTimes--;
    if (entry.failWith === 'token')
      return graphError(400, 190, 'Error validating access token: Session has expired.');
    if (entry.failWith === 'missing')
      return graphError(400, 100, 'Object does not exist', { error_subcode: 33 });
    return graphError(500, 2, 'An unexpected error has occurred. Please retry your request later.', {
      is_transient: true,
    });
  }
  return json(entry.lead);
}
