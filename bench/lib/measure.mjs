// The timed requests: warm-up first, then `runs` rounds in which every measurement sends one request
// (round-robin, so that load from elsewhere on the machine hits all of them alike). Every answer is
// checked, so that a fast wrong answer cannot pass for a fast right one.

import { globalId } from './client.mjs';
import { DOWNLINE, ENROLL, TEAM_LEGS_LIST, TEAM_LEGS_PAGE, TEAM_STATISTICS, UPLINE } from './queries.mjs';
import { summarize } from './stats.mjs';

function expect(ok, what) {
  if (!ok) throw new Error(what);
}

/**
 * `subjects`: { root, mid, leaf, deepest } as { id, depth, team } (database id, sponsor depth, team size).
 * `sponsors`: database ids of members to enroll under (at least runs + warmup). `size`: members imported.
 * `rootLegs`: members the root sponsored in the generated network.
 */
export function measurements(client, { subjects, sponsors, size, rootLegs }) {
  const stamp = Date.now().toString(36);
  const downline = (subject, label) => () =>
    client.timed(DOWNLINE, { root: globalId(subject.id), first: 50 }, (d) =>
      expect(
        d.downline.edges.length === Math.min(50, subject.team),
        `${label}: ${d.downline.edges.length} edges, expected ${Math.min(50, subject.team)}`,
      ),
    );
  return {
    // Baselines: the HTTP stack alone (a 404), the HTTP stack with one D1 query, and an authenticated GraphQL request that reads no
    // genealogy data (token check + staff lookup). The genealogy requests cost this plus their own work.
    notFound: async () => {
      const t0 = performance.now();
      const res = await fetch(`${client.base}/bench-not-found`);
      await res.arrayBuffer();
      const ms = performance.now() - t0;
      expect(res.status === 404, `/bench-not-found: HTTP ${res.status}`);
      return ms;
    },
    health: async () => {
      const t0 = performance.now();
      const body = await (await fetch(`${client.base}/health`)).json();
      const ms = performance.now() - t0;
      expect(body.status === 'ok', `/health: ${JSON.stringify(body)}`);
      return ms;
    },
    viewerRole: () =>
      client.timed('{ viewerRole }', {}, (d) =>
        expect(d.viewerRole === 'ADMIN', `viewerRole ${d.viewerRole}`),
      ),
    downlineRoot: downline(subjects.root, 'root downline'),
    downlineMid: downline(subjects.mid, 'mid downline'),
    downlineLeaf: downline(subjects.leaf, 'leaf downline'),
    uplineDeepest: () =>
      client.timed(UPLINE, { id: globalId(subjects.deepest.id) }, (d) =>
        expect(d.upline.length === subjects.deepest.depth, `upline: ${d.upline.length} members`),
      ),
    // Enrollments made in earlier rounds add to the root's team.
    teamStatisticsRoot: () =>
      client.timed(TEAM_STATISTICS, { id: globalId(subjects.root.id) }, (d) =>
        expect(d.distributor.teamStatistics.teamSize >= size - 1, 'root team size below the import'),
      ),
    // The team screen: statistics, volumes and the first page of legs; and the same with all legs in one list
    // (the deprecated field) for comparison. Enrollments may add legs to the root.
    teamLegsPageRoot: () =>
      client.timed(TEAM_LEGS_PAGE, { id: globalId(subjects.root.id) }, (d) =>
        expect(
          d.distributor.legsConnection.edges.length === Math.min(50, rootLegs),
          `legs page: ${d.distributor.legsConnection.edges.length} legs`,
        ),
      ),
    teamLegsListRoot: () =>
      client.timed(TEAM_LEGS_LIST, { id: globalId(subjects.root.id) }, (d) =>
        expect(d.distributor.legs.length >= rootLegs, `legs list: ${d.distributor.legs.length} legs`),
      ),
    // Staff enroll under sponsors spread over the tree, with the company's automatic placement (binary:
    // weaker leg, outermost position).
    enroll: (k) =>
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
        (d) =>
          expect(
            d.enrollDistributor.__typename === 'MutationEnrollDistributorSuccess',
            `enroll: ${JSON.stringify(d.enrollDistributor)}`,
          ),
      ),
  };
}

export async function measureAll(
  client,
  { subjects, sponsors, size, rootLegs, runs, warmup, log = () => {} },
) {
  const fns = measurements(client, { subjects, sponsors, size, rootLegs });
  const times = Object.fromEntries(Object.keys(fns).map((k) => [k, []]));
  for (let round = 0; round < warmup + runs; round++)
    for (const [name, fn] of Object.entries(fns)) {
      const ms = await fn(round);
      if (round >= warmup) times[name].push(ms);
    }
  const results = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, summarize(v)]));
  for (const [k, s] of Object.entries(results)) log(`  ${k.padEnd(20)} ${fmt(s)}`);
  return results;
}

export function fmt(s) {
  return `median ${s.median.toFixed(1)} ms, p95 ${s.p95.toFixed(1)} ms, min ${s.min.toFixed(1)} ms (n=${s.n})`;
}
