// An open-loop HTTP load generator: request i is due at start + i / rate seconds whether or not earlier
// ones have answered, so a slow server cannot slow the offered load down (no coordinated omission).
// Latency is measured from the moment a request was due, so time spent waiting for a free connection
// counts; the time from writing the request to the last byte of the answer is kept too.

import { Agent, request as httpRequest } from 'node:http';

/**
 * requests: [{ method, path, headers, body }] in the order they are due.
 * Returns per-request results { status, body, dueMs, latencyMs, serviceMs, error } and the wall times.
 */
export async function runOpenLoop({ base, requests, rate, connections, timeoutMs = 30_000, onTick }) {
  const url = new URL(base);
  const agent = new Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  const results = new Array(requests.length);
  let sent = 0;
  let done = 0;
  const start = performance.now();
  let lastAnswer = start;

  const send = (i) => {
    const r = requests[i];
    const due = start + (i * 1000) / rate;
    let written = null;
    const finish = (status, body, error) => {
      const now = performance.now();
      lastAnswer = Math.max(lastAnswer, now);
      results[i] = {
        status,
        body,
        error,
        dueMs: due - start,
        latencyMs: now - due,
        serviceMs: written == null ? null : now - written,
      };
      done++;
    };
    const req = httpRequest(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method: r.method ?? 'POST',
        path: r.path,
        headers: { ...r.headers, 'content-length': Buffer.byteLength(r.body) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => finish(res.statusCode, Buffer.concat(chunks).toString('utf8'), null));
        res.on('error', (e) => finish(0, '', String(e)));
      },
    );
    req.on('socket', (socket) => {
      const mark = () => {
        written = performance.now();
      };
      if (socket.connecting) socket.once('connect', mark);
      else mark();
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => {
      if (results[i] == null) finish(0, '', String(e?.message ?? e));
    });
    req.end(r.body);
  };

  await new Promise((resolve) => {
    let lastTick = 0;
    const tick = () => {
      const now = performance.now();
      const due = Math.min(requests.length, Math.floor(((now - start) * rate) / 1000) + 1);
      while (sent < due) send(sent++);
      if (onTick && now - lastTick >= 5_000) {
        lastTick = now;
        onTick({ sent, done, elapsedMs: now - start });
      }
      if (sent < requests.length) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  const sendEnd = performance.now();
  // Everything is sent; wait for the answers (each request has its own time-out).
  while (done < requests.length) await new Promise((r) => setTimeout(r, 20));
  agent.destroy();
  return { results, sendMs: sendEnd - start, wallMs: lastAnswer - start };
}
