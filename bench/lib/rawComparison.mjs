// GraphQL's overhead over a hand-written route: `downline(first: 50)` of the root through /graphql against
// POST /bench/raw-downline (bench/worker/rawDownline.ts, only in the benchmark's worker build: same
// authentication, same D1 batch, same JSON), both on the worker's own socket, alternating request by
// request so that load from elsewhere hits both alike. The two answers must be identical.

import { globalId } from './client.mjs';
import { DOWNLINE } from './queries.mjs';
import { summarize } from './stats.mjs';

async function timedJson(url, token, body) {
  const t0 = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify(body),
  });
  const json = await res.json();
  const ms = performance.now() - t0;
  if (!res.ok || json.errors)
    throw new Error(`${url}: HTTP ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
  return { ms, json };
}

export async function compareWithRaw({ base, token, rootId, first = 50, runs, warmup }) {
  const root = globalId(rootId);
  const graphql = () => timedJson(`${base}/graphql`, token, { query: DOWNLINE, variables: { root, first } });
  const raw = () => timedJson(`${base}/bench/raw-downline`, token, { root, first });
  const g = await graphql();
  const r = await raw();
  if (JSON.stringify(g.json) !== JSON.stringify(r.json))
    throw new Error(
      `the raw route answers differently:\n${JSON.stringify(g.json).slice(0, 400)}\n${JSON.stringify(r.json).slice(0, 400)}`,
    );
  if (g.json.data.downline.edges.length !== first)
    throw new Error('the root has fewer than 50 in its downline');
  const times = { graphql: [], raw: [] };
  for (let round = 0; round < warmup + runs; round++) {
    // Alternate which goes first, so that neither always follows the other.
    const pair =
      round % 2
        ? [
            ['raw', raw],
            ['graphql', graphql],
          ]
        : [
            ['graphql', graphql],
            ['raw', raw],
          ];
    for (const [name, fn] of pair) {
      const { ms } = await fn();
      if (round >= warmup) times[name].push(ms);
    }
  }
  const graphqlStats = summarize(times.graphql);
  const rawStats = summarize(times.raw);
  return {
    graphql: graphqlStats,
    raw: rawStats,
    ratioMedian: +(graphqlStats.median / rawStats.median).toFixed(3),
    ratioMin: +(graphqlStats.min / rawStats.min).toFixed(3),
  };
}
