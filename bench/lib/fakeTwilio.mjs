// A local fake of Twilio's Messages API for benchmarks, in Twilio's formats (the tests use
// test/fakes/twilio.ts as a service binding instead; `wrangler dev` reaches this one over HTTP through
// TWILIO_API_BASE).
//
//   POST /2010-04-01/Accounts/<sid>/Messages.json   (form: To, From, Body)  -> 201 { sid, status: 'queued', ... }
//   GET  /2010-04-01/Accounts/<sid>/Messages.json?To=&From=                 -> { messages: [...] }
//
// Every send waits `latencyMs`, then, decided by a seeded random draw per request:
// - `rate429` of them: 429 with `Retry-After: 1` and Twilio's error 20429 body (nothing accepted);
// - `rate500` of them: 500 with Twilio's error body (nothing accepted);
// - `rateReset` of them: the message IS accepted and stored, then the connection is reset before the
//   answer. The worker cannot know the outcome, so its queue message is retried (redelivered) and the
//   worker must find the message by the lookup instead of sending it again: the crash-after-send case.
// - the rest: 201 with a fresh sid.
// `accepted` maps each To number to the sids accepted for it, so exactly-once can be checked.

import { createServer } from 'node:http';
import { createRandom } from './prng.mjs';

const json = (res, status, body, headers = {}) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
};

export async function startFakeTwilio({
  port,
  sid,
  latencyMs = 50,
  rate429 = 0.01,
  rate500 = 0.01,
  rateReset = 0.1,
  seed = 12,
}) {
  const random = createRandom(seed).next;
  const accepted = new Map(); // To -> [{ sid, to, from, body, date_created, status }]
  const counts = { posts: 0, accepted: 0, r429: 0, r500: 0, resets: 0, lookups: 0, lookupHits: 0 };
  let next = 0;
  const path = `/2010-04-01/Accounts/${sid}/Messages.json`;
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    if (url.pathname !== path) return json(res, 404, { code: 20404, message: 'Not found', status: 404 });
    if (req.method === 'GET') {
      counts.lookups++;
      const to = url.searchParams.get('To');
      const from = url.searchParams.get('From');
      const messages = (accepted.get(to) ?? []).filter((m) => !from || m.from === from);
      if (messages.length) counts.lookupHits++;
      return json(res, 200, { messages, page: 0, page_size: 50 });
    }
    if (req.method !== 'POST')
      return json(res, 405, { code: 20004, message: 'Method not allowed', status: 405 });
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      counts.posts++;
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const draw = random();
      setTimeout(() => {
        if (draw < rate429) {
          counts.r429++;
          return json(
            res,
            429,
            {
              code: 20429,
              message: 'Too Many Requests',
              more_info: 'https://www.twilio.com/docs/errors/20429',
              status: 429,
            },
            { 'retry-after': '1' },
          );
        }
        if (draw < rate429 + rate500) {
          counts.r500++;
          return json(res, 500, { code: 20500, message: 'Internal Server Error', status: 500 });
        }
        const to = form.get('To');
        const message = {
          sid: `SM${(next++).toString(16).padStart(32, '0')}`,
          account_sid: sid,
          to,
          from: form.get('From'),
          body: form.get('Body'),
          status: 'queued',
          date_created: new Date().toUTCString(),
          num_segments: '1',
          direction: 'outbound-api',
        };
        if (!accepted.has(to)) accepted.set(to, []);
        accepted.get(to).push(message);
        counts.accepted++;
        if (draw < rate429 + rate500 + rateReset) {
          counts.resets++;
          req.socket.destroy();
          return;
        }
        json(res, 201, message);
      }, latencyMs);
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    base: `http://127.0.0.1:${port}`,
    accepted,
    counts,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(resolve);
      }),
  };
}
