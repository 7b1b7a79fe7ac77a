// Results: kept per size in bench/results/genealogy.json (so sizes can be run separately) and rendered as
// a markdown table with the sizes as columns.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const ROWS = [
  ['Members imported', (r) => r.network.size.toLocaleString('en-US'), ''],
  [
    'Max sponsor depth / placement depth',
    (r) => `${r.network.maxSponsorDepth} / ${r.network.maxPlacementDepth}`,
    '',
  ],
  ['Root: personally sponsored', (r) => String(r.network.rootRecruits), ''],
  ['NDJSON parts (MB)', (r) => `${r.parts.count} (${(r.parts.bytes / 1e6).toFixed(0)})`, ''],
  ['Import: create → DONE (s)', (r) => sec(r.load.totalMs), '≤ 60'],
  ['  of which uploading parts (s)', (r) => sec(r.load.uploadMs), ''],
  ['  of which start → DONE (s)', (r) => sec(r.load.processMs), ''],
  ['Baseline: GET of an unknown path (no D1)', (r) => ms(r.measure.notFound), ''],
  ['Baseline: GET /health (1 D1 query)', (r) => ms(r.measure.health), ''],
  ['Baseline: `{ viewerRole }` as staff', (r) => ms(r.measure.viewerRole), ''],
  ['downline(first: 50), root', (r) => ms(r.measure.downlineRoot), '≤ 20'],
  ['downline(first: 50), mid-level node', (r) => ms(r.measure.downlineMid), '≤ 20'],
  ['downline(first: 50), leaf', (r) => ms(r.measure.downlineLeaf), '≤ 20'],
  ['upline of the deepest node', (r) => ms(r.measure.uplineDeepest), '≤ 10'],
  ['teamStatistics of the root', (r) => ms(r.measure.teamStatisticsRoot), ''],
  [
    'team statistics + volumes + first 50 legs (legsConnection), root',
    (r) => ms(r.measure.teamLegsPageRoot),
    '≤ 50',
  ],
  [
    'team statistics + volumes + all legs (deprecated legs list), root',
    (r) => ms(r.measure.teamLegsListRoot),
    '',
  ],
  ['enrollDistributor', (r) => ms(r.measure.enroll), '≤ 20'],
  ['Worker socket: downline(first: 50), root, GraphQL', (r) => ms(r.raw?.graphql), ''],
  ['Worker socket: the same page, raw Hono + SQL route', (r) => ms(r.raw?.raw), ''],
  [
    'GraphQL / raw route (medians; minimums)',
    (r) => (r.raw ? `${r.raw.ratioMedian.toFixed(2)}× (${r.raw.ratioMin.toFixed(2)}×)` : '–'),
    '≤ 1.25×',
  ],
];

function sec(v) {
  return v == null ? '–' : (v / 1000).toFixed(1);
}

function ms(s) {
  return s ? `${s.median.toFixed(1)} / ${s.p95.toFixed(1)} (${s.min?.toFixed(1) ?? '?'})` : '–';
}

export function loadResults(file) {
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : { sizes: {} };
}

export function saveResults(file, results) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
}

export function renderTable(results) {
  const runs = Object.values(results.sizes).sort((a, b) => a.network.size - b.network.size);
  const head = ['', ...runs.map((r) => r.network.size.toLocaleString('en-US')), 'Target at 1M'];
  const lines = [
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
  ];
  for (const [label, cell, target] of ROWS)
    lines.push(`| ${[label, ...runs.map(cell), target].join(' | ')} |`);
  return lines.join('\n');
}

export function renderMarkdown(results) {
  const runs = Object.values(results.sizes).sort((a, b) => a.network.size - b.network.size);
  const env = runs
    .map(
      (r) =>
        `- ${r.network.size.toLocaleString('en-US')}: ${r.ranAt}, code ${r.commit}, ${r.machine}, 1-min load average before/after measuring ${r.load1m?.join(' / ') ?? '?'}`,
    )
    .join('\n');
  return `# Genealogy benchmark

Produced by \`npm run bench:genealogy\` (bench/genealogy.mjs). Each network is generated deterministically
(preferential attachment with a few 40+ deep legs, binary placement by the weaker leg; see
bench/lib/network.mjs), imported through the bulk import API of the worker running in \`wrangler dev\`
(local D1), then measured through HTTP on loopback: sequential GraphQL requests after warm-up, timed on
the client from sending the request to the parsed answer. Latencies are **median / p95 (minimum) in
ms**; the minimum shows the cost when nothing else competed for the CPU.

${renderTable(results)}

Requests per measurement: ${runs.map((r) => `${r.runs}`).join(', ')} (after ${runs[0]?.warmup ?? '?'} warm-up requests).
Enrollments use the company's automatic placement (weaker leg, outermost) under sponsors picked at random
over the whole network; the other queries ask for ten fields of each member.

The last three rows compare GraphQL with a hand-written Hono + SQL route serving the same
\`downline(first: 50)\` page of the root (bench/worker/rawDownline.ts: same authentication, same D1 batch,
same JSON, checked identical), built only into the benchmark's own worker (never served by the product),
both on the worker's own socket (without wrangler's dev proxy), alternating request by request; the ratio is
GraphQL's median over the raw route's (and of the minimums). \`node bench/graphql-cpu.mjs\` measures the
same two in Node with D1 replaced by canned rows: the CPU each spends per request (and \`--profile\`).

Reading the numbers: every request pays the baselines (the HTTP stack of \`wrangler dev\`, then one local
D1 round trip per query the resolvers make, one after another); a genealogy row minus \`{ viewerRole }\`
is roughly what its resolvers add. The machine is shared: compare the load average below with the CPU
count before trusting a median, and prefer the minimum when the load was high.

Network shape (sponsor depth = levels below the root; leaf share = members who sponsored nobody):
${runs.map((r) => `- ${r.network.size.toLocaleString('en-US')}: ${JSON.stringify(r.network)}`).join('\n')}

Import steps (seconds after startGenealogyImport when each was first seen, polling every 200 ms):
${runs.map((r) => `- ${r.network.size.toLocaleString('en-US')}: ${(r.load.steps ?? []).map((s) => `${s.step} @ ${s.atS}`).join(' → ')}`).join('\n')}

Runs:
${env}
`;
}
