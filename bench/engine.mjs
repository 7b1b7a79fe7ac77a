// npx node --expose-gc bench/engine.mjs [--members 1000000] [--orders 3] [--plan unilevelRanks|binaryFastStart|all]
//
// Times the pure commission engine (no D1, no worker) on a generated network and reports engine-only time
// and memory. Each plan runs in its own child process so that peak RSS (maxRSS) belongs to that plan alone.
// Memory: "inputs" = the typed arrays handed to the engine; "engine heap+buffers" = heapUsed + arrayBuffers
// growth while the engine runs (sampled after finish and during lines()); "peak RSS" = the process maximum.
// The members are prepared as the period close does (periods/members.ts, periods/compute.ts): only the arrays
// the plan reads, plus the id map, handed over with reuseInputs (no other reference kept); "whole" figures
// count inputs + engine + result from the RSS of Node and the bundle alone.

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const { values: args } = parseArgs({
  options: {
    members: { type: 'string', default: '1000000' },
    orders: { type: 'string', default: '3' },
    plan: { type: 'string', default: 'all' },
    child: { type: 'boolean', default: false },
  },
});

const root = fileURLToPath(new URL('..', import.meta.url));

if (!args.child) {
  const plans = args.plan === 'all' ? ['unilevelRanks', 'binaryFastStart'] : [args.plan];
  for (const plan of plans) {
    execFileSync(
      process.execPath,
      [
        '--expose-gc',
        fileURLToPath(import.meta.url),
        '--child',
        '--plan',
        plan,
        '--members',
        args.members,
        '--orders',
        args.orders,
      ],
      { stdio: 'inherit', cwd: root },
    );
  }
  process.exit(0);
}

const out = await build({
  stdin: {
    contents: `
      export * from './src/modules/commissions/engine/index.ts';
      export { checkPlan } from './src/modules/commissions/plan/index.ts';
      export { EXAMPLE_PLANS } from './src/modules/commissions/plans/examples/index.ts';
    `,
    resolveDir: root,
    loader: 'ts',
  },
  bundle: true,
  platform: 'neutral',
  mainFields: ['module', 'main'],
  format: 'esm',
  write: false,
  logLevel: 'error',
});
const mod = await import(
  `data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`
);
const { PeriodEngine, checkPlan, EXAMPLE_PLANS } = mod;

const N = Number(args.members);
const ORDERS = Number(args.orders);
const check = checkPlan(EXAMPLE_PLANS[args.plan]);
if (!check.ok) throw new Error(JSON.stringify(check.issues));
const plan = check.plan;

// Deterministic generator (mulberry32).
let seed = 20261201;
const rnd = () => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const START = Date.UTC(2026, 10, 1);
const END = Date.UTC(2026, 11, 1);
const DAY = 86_400_000;

// Members: sponsor = a random earlier member, skewed toward recent ones (deep, realistic trees); binary
// placement = outermost free position of a random leg below the sponsor's placement, approximated by a
// random walk down from the sponsor to a free slot.
globalThis.gc();
const rssStart = process.memoryUsage().rss;
const memStart = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
const makeMembers = () => {
  const sponsor = new Int32Array(N);
  const placementParent = new Int32Array(N).fill(-1);
  const placementPosition = new Uint8Array(N);
  const left = new Int32Array(N).fill(-1);
  const right = new Int32Array(N).fill(-1);
  const status = new Uint8Array(N);
  const joinedAt = new Float64Array(N);
  sponsor[0] = -1;
  for (let i = 1; i < N; i++) {
    const back = Math.floor(rnd() ** 3 * i) + 1;
    const s = i - back;
    sponsor[i] = s;
    let p = s;
    for (;;) {
      const side = rnd() < 0.5 ? 0 : 1;
      const arr = side === 0 ? left : right;
      if (arr[p] === -1) {
        arr[p] = i;
        placementParent[i] = p;
        placementPosition[i] = side;
        break;
      }
      p = arr[p];
    }
    status[i] = rnd() < 0.95 ? 0 : rnd() < 0.7 ? 1 : 2;
    joinedAt[i] = START - 400 * DAY + Math.floor(((i / N) * 430 + rnd()) * DAY);
  }
  const placed = Boolean(plan.binary || plan.matrix);
  return {
    count: N,
    sponsor,
    placementParent: placed ? placementParent : undefined,
    placementPosition: placed ? placementPosition : undefined,
    status,
    joinedAt: plan.fastStart ? joinedAt : undefined,
    forcedRank: new Int8Array(N).fill(-1),
    lifetimeRankBefore: new Int8Array(N).fill(-1),
    carryInLeft: plan.binary ? new Float64Array(N) : undefined,
    carryInRight: plan.binary ? new Float64Array(N) : undefined,
    balanceIn: new Float64Array(N),
  };
};
const members = makeMembers();
const ids = Int32Array.from({ length: N }, (_, i) => i + 1); // the I/O layer's index → distributor id map
const inputBytes = Object.values(members).reduce((s, a) => s + (a?.byteLength ?? 0), 0) + ids.byteLength;

// Lines are produced in chunks of CHUNK into reused buffers, as the I/O layer would read them from D1.
const CHUNK = 50_000;
const buf = {
  member: new Int32Array(CHUNK),
  qv: new Float64Array(CHUNK),
  cv: new Float64Array(CHUNK),
  kind: new Uint8Array(CHUNK),
  at: new Float64Array(CHUNK),
  retailProfit: new Float64Array(CHUNK),
  starterKit: new Uint8Array(CHUNK),
};
const TOTAL_LINES = N * ORDERS;
function fillChunk(from) {
  const count = Math.min(CHUNK, TOTAL_LINES - from);
  for (let i = 0; i < count; i++) {
    const m = Math.floor(rnd() * N);
    const claw = rnd() < 0.02 ? -1 : 1;
    const qv = claw * (20 + Math.floor(rnd() * 100));
    buf.member[i] = m;
    buf.qv[i] = qv;
    buf.cv[i] = qv * 80;
    buf.kind[i] = rnd() < 0.4 ? 1 : 0;
    buf.at[i] = START + Math.floor(rnd() * (END - START));
    buf.retailProfit[i] = claw * Math.floor(rnd() * 2000);
    buf.starterKit[i] = rnd() < 0.01 ? 1 : 0;
  }
  return { count, ...buf };
}

const mem = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
const mb = (b) => `${(b / 1048576).toFixed(1)} MB`;

globalThis.gc();
const baseline = mem();
const rssBefore = process.memoryUsage().rss;
let genMs = 0;
let genCpu = 0;
const cpu0 = process.cpuUsage();
let feedMs = 0;
const t0 = performance.now();
// Live memory (after a full GC) at the engine's fullest points: the peak a 128 MB isolate must hold.
const live = {};
const sampleLive = (step) => {
  globalThis.gc();
  live[step] = Math.max(live[step] ?? 0, mem() - memStart);
};
const engine = new PeriodEngine(
  plan,
  members,
  { start: START, end: END },
  { reuseInputs: true, onStep: sampleLive },
);
for (let from = 0; from < TOTAL_LINES; from += CHUNK) {
  const g = performance.now();
  const c0 = process.cpuUsage();
  const chunk = fillChunk(from);
  const c1 = process.cpuUsage(c0);
  genCpu += (c1.user + c1.system) / 1000;
  const f = performance.now();
  genMs += f - g;
  engine.addLines(chunk);
  feedMs += performance.now() - f;
}
const t1 = performance.now();
const result = engine.finish();
const t2 = performance.now();
const afterFinish = mem() - baseline;
let peakLines = 0;
let lineCount = 0;
let sum = 0;
for (const c of result.lines(5000)) {
  lineCount += c.length;
  for (let i = 0; i < c.length; i++) sum += c.amount[i];
  if (lineCount <= 5000 || (lineCount & 0x3ffff) < 5000) {
    peakLines = Math.max(peakLines, mem() - baseline);
    sampleLive('result.lines()');
  }
}
const t3 = performance.now();
const cpu = process.cpuUsage(cpu0);
const engineCpuMs = (cpu.user + cpu.system) / 1000 - genCpu;
globalThis.gc();
const retained = mem() - baseline;
if (sum !== result.totals.total) throw new Error('lines do not add up to the total');
void ids;

const engineMs = t3 - t0 - genMs;
console.log(
  [
    `plan ${args.plan}: ${N.toLocaleString('en')} members, ${TOTAL_LINES.toLocaleString('en')} volume lines, ${lineCount.toLocaleString('en')} commission lines`,
    `  engine-only CPU time ${(engineCpuMs / 1000).toFixed(2)} s; wall ${(engineMs / 1000).toFixed(2)} s (addLines ${(feedMs / 1000).toFixed(2)} s, finish ${((t2 - t1) / 1000).toFixed(2)} s, lines() ${((t3 - t2) / 1000).toFixed(2)} s; line generation excluded: ${(genMs / 1000).toFixed(2)} s)`,
    `  inputs ${mb(inputBytes)} (members) + ${mb(Object.values(buf).reduce((s, a) => s + a.byteLength, 0))} (one line chunk)`,
    `  engine heap+buffers: after finish ${mb(afterFinish)}, during lines() ${mb(peakLines)}, retained result ${mb(retained)}`,
    `  peak RSS ${mb(process.resourceUsage().maxRSS * 1024)}: ${mb(process.resourceUsage().maxRSS * 1024 - rssBefore)} above the RSS before the engine started (inputs, bundle and Node excluded)`,
    `  whole (inputs + engine + result, as the period close holds them): peak RSS ${mb(process.resourceUsage().maxRSS * 1024 - rssStart)} above Node + bundle; heap+buffers after finish ${mb(afterFinish + baseline - memStart)}, during lines() ${mb(peakLines + baseline - memStart)}, retained ${mb(retained + baseline - memStart)}`,
    `  live after GC (inputs + engine + result) at the fullest points: ${Object.entries(live)
      .map(([k, v]) => `${k} ${mb(v)}`)
      .join(', ')}; peak ${mb(Math.max(...Object.values(live)))}`,
    `  totals: before cap ${result.totals.beforeCap.toLocaleString('en')}, cap applied ${result.totals.capApplied}, paid ${result.totals.payout.toLocaleString('en')}`,
  ].join('\n'),
);
