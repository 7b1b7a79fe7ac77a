// The timed requests: warm-up first, then `runs` sequential requests per measurement, each checked so
// that a fast wrong answer cannot pass for a fast right one.

import { globalId } from './client.mjs';
import { DOWNLINE, ENROLL, TEAM_STATISTICS, UPLINE } from './queries.mjs';
import { summarize } from './stats.mjs';

async function repeat(fn, { warmup, runs }) {
  for (let i = 0; i < warmup; i++) await fn(i);
  const times = [];
  for (let i = 0; i < runs; i++) times.push(await fn(warmup + i));
  return summarize(times);
}

function expectEqual(actual, expected, what) {
  if (actual !== expected) throw new Error(`${what}: expected ${expected}, got ${actual}`);
}

/**
 * `subjects`: { root, mid, leaf, deepest } as { id, depth, team } (database id, sponsor depth, team size).
 * `sponsors`: database ids of members to enroll under. `size`: members in the network.
 */
export async function measureAll(client, { subjects, sponsors, size, runs, warmup, log = () => {} }) {
  const results = {};
  const opts = { warmup, runs };
  const downline = (subject, label) => async () =>
    client.timed(DOWNLINE, { root: globalId(subject.id), first: 50 }, (d) =>
      expectEqual(d.downline.edges.length, Math.min(50, subject.team), `${label} page size`),
    );

  // Baselines: the HTTP stack with one D1 query, and an authenticated GraphQL request that touches no
  // genealogy data (token check + staff lookup). Everything above these is the resolvers' own cost.
  results.health = await repeat(async () => {
    const t0 = performance.now();
    const res = await fetch(`${client.base}/health`);
    await res.json();
    return performance.now() - t0;
  }, opts);
  log(`  GET /health       ${fmt(results.health)}`);
  results.viewerRole = await repeat(
    () => client.timed('{ viewerRole }', {}, (d) => expectEqual(d.viewerRole, 'ADMIN', 'viewerRole')),
    opts,
  );
  log(`  { viewerRole }    ${fmt(results.viewerRole)}`);

  results.downlineRoot = await repeat(downline(subjects.root, 'root downline'), opts);
  log(`  downline(root)    ${fmt(results.downlineRoot)}`);
  results.downlineMid = await repeat(downline(subjects.mid, 'mid downline'), opts);
  log(`  downline(mid)     ${fmt(results.downlineMid)}`);
  results.downlineLeaf = await repeat(downline(subjects.leaf, 'leaf downline'), opts);
  log(`  downline(leaf)    ${fmt(results.downlineLeaf)}`);
  results.uplineDeepest = await repeat(
    () =>
      client.timed(UPLINE, { id: globalId(subjects.deepest.id) }, (d) =>
        expectEqual(d.upline.length, subjects.deepest.depth, 'upline length'),
      ),
    opts,
  );
  log(`  upline(deepest)   ${fmt(results.uplineDeepest)}`);
  results.teamStatisticsRoot = await repeat(
    () =>
      client.timed(TEAM_STATISTICS, { id: globalId(subjects.root.id) }, (d) =>
        expectEqual(d.distributor.teamStatistics.teamSize, size - 1, 'root team size'),
      ),
    opts,
  );
  log(`  teamStats(root)   ${fmt(results.teamStatisticsRoot)}`);

  // Enrollments last: they change the network. Staff enroll under sponsors spread over the tree, with
  // the company's automatic placement (weaker leg, outermost position).
  const stamp = Date.now().toString(36);
  results.enroll = await repeat(
    (k) =>
      client.timed(
        ENROLL,
        {
          input: {
            firstName: 'Bench',
            lastName: `Enroll${k}`,
            email: `bench.enroll.${stamp}.${k}@example.dk`,
            country: 'DK',
            locale: 'da',
            sponsorId: globalId(sponsors[k % sponsors.length]),
          },
        },
        (d) => expectEqual(d.enrollDistributor.__typename, 'MutationEnrollDistributorSuccess', 'enroll'),
      ),
    opts,
  );
  log(`  enroll            ${fmt(results.enroll)}`);
  return results;
}

export function fmt(s) {
  return `median ${s.median.toFixed(1)} ms, p95 ${s.p95.toFixed(1)} ms (n=${s.n})`;
}
