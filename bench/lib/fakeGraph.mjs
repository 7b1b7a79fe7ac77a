// A local fake of the Meta Graph API lead endpoint for benchmarks, in the real response format (the tests
// use test/fakes/meta-graph.ts as a service binding instead). Every leadgen id exists: its answers are
// derived from the id by `leadFor`, so the load generator and the checker agree without registering leads.
//
//   GET /<version>/<leadgen_id>?access_token=...&fields=...  -> the lead, as Graph answers it
//
// `failFor(ms)` makes every lead request fail for that long from now (HTTP 500 with Graph's transient
// error body, as during a Graph outage); `failed` counts the requests answered that way.

import { createServer } from 'node:http';

const json = (res, status, body) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};

/**
 * Starts the fake on 127.0.0.1:port. `leadFor(id)` gives `{ fields: {name: value}, formId, adId }`.
 * Returns `{ base, calls, close, failFor, failed }`; `calls` counts GET requests per leadgen id.
 */
export async function startFakeGraph({ port, token, leadFor }) {
  const calls = new Map();
  let failUntil = 0;
  let failed = 0;
  const server = createServer((req, res) => {
    if (Date.now() < failUntil) {
      failed++;
      return json(res, 500, {
        error: {
          message: 'An unexpected error has occurred. Please retry your request later.',
          type: 'OAuthException',
          is_transient: true,
          code: 2,
          fbtrace_id: 'AbenchFakeOutage',
        },
      });
    }
    const url = new URL(req.url, 'http://localhost');
    const m = /^\/v\d+\.\d+\/(\d+)\/?$/.exec(url.pathname);
    if (!m || req.method !== 'GET')
      return json(res, 400, {
        error: {
          message: 'Unknown path components',
          type: 'OAuthException',
          code: 100,
          fbtrace_id: 'AbenchFake',
        },
      });
    const id = m[1];
    calls.set(id, (calls.get(id) ?? 0) + 1);
    if (url.searchParams.get('access_token') !== token)
      return json(res, 400, {
        error: {
          message: 'Invalid OAuth access token - Cannot parse access token',
          type: 'OAuthException',
          code: 190,
          fbtrace_id: 'AbenchFake',
        },
      });
    const lead = leadFor(id);
    const fieldData = Object.entries(lead.fields).map(([name, value]) => ({ name, values: [value] }));
    // Ids as Graph sends them: strings; the leadgen id written as the digits it was asked for.
    json(
      res,
      200,
      `{"created_time":"${lead.createdTime}","id":"${id}","ad_id":"${lead.adId}","form_id":"${lead.formId}",` +
        `"field_data":${JSON.stringify(fieldData)}}`,
    );
  });
  server.keepAliveTimeout = 30_000;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    base: `http://127.0.0.1:${port}/v21.0`,
    calls,
    failFor: (ms) => {
      failUntil = Date.now() + ms;
    },
    get failed() {
      return failed;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections();
      }),
  };
}
