// node --expose-gc bench/lib/closeEngine.mjs --tree <dir> --db <file.sqlite> --period YYYY-MM
//
// The engine-only floor of a closed period, on the very data the worker closed: reads the period's frozen
// snapshot, volume lines and plan version from the local D1 file (node:sqlite behind a minimal D1 shim) with
// the worker's own loadPeriodInputs (bundled from the same source tree), then times the engine alone:
// the engine's work plus draining every commission line, as the compute step does while writing. When the
// worker streams lines into the engine (loadPeriodMembers), so does this, and only the engine's calls are timed.
// Prints one JSON line: load/engine wall and CPU times and memory (heapUsed + arrayBuffers above a baseline,
// sampled from the first read to the last line; peak RSS).

import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { d1Shim } from './d1Shim.mjs';

const { values: args } = parseArgs({
  options: {
    tree: { type: 'string' },
    db: { type: 'string' },
    period: { type: 'string' },
  },
});

const out = await build({
  stdin: {
    contents: `
      export { computePeriod, PeriodEngine } from './src/modules/commissions/engine/index.ts';
      export { compilePlan } from './src/modules/commissions/plan/index.ts';
      export * from './src/modules/commissions/periods/inputs.ts';
      export { readVolumeLines } from './src/modules/commissions/periods/volumeLines.ts';
      export { periodById } from './src/modules/commissions/periods/repository.ts';
      export * from './src/modules/commissions/periods/writeResults.ts';
      export { requirePlanVersion, planOf } from './src/modules/commissions/versions/repository.ts';
    `,
    resolveDir: args.tree,
    loader: 'ts',
  },
  bundle: true,
  platform: 'node',
  format: 'esm',
  write: false,
  logLevel: 'error',
});
const mod = await import(
  `data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`
);

const db = d1Shim(args.db);
const period = await mod.periodById(db, args.period);
if (!period?.plan_version_id || period.member_count == null)
  throw new Error(`period ${args.period} has no snapshot: ${JSON.stringify(period)}`);
const plan = mod.compilePlan(mod.planOf(await mod.requirePlanVersion(db, period.plan_version_id)));

const mem = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
const cpuMs = (c) => (c.user + c.system) / 1000;

globalThis.gc();
const baseline = mem();
const rssBefore = process.memoryUsage().rss;
// Two readings: `peak` = heap + buffers as sampled (garbage included); `live` = the same right after a full
// GC (what must fit the isolate's limit). The GC pauses are left out of every time below.
let peak = 0;
let live = 0;
let gcMs = 0;
const sample = () => {
  peak = Math.max(peak, mem() - baseline);
};
const liveSample = () => {
  sample();
  const t = performance.now();
  globalThis.gc();
  live = Math.max(live, mem() - baseline);
  gcMs += performance.now() - t;
};
// Engine time and CPU, summed over the parts that run the engine (lines may stream in between reads).
let engineMs = 0;
let engineCpuMs = 0;
const timed = (fn) => {
  const t = performance.now();
  const c = process.cpuUsage();
  const r = fn();
  engineMs += performance.now() - t;
  engineCpuMs += cpuMs(process.cpuUsage(c));
  return r;
};
const l0 = performance.now();
let result;
let volumeLines = 0;
let members;
let mode;
if (mod.loadPeriodMembers) {
  // The close's own path: members first, then the lines stream into the engine page by page.
  mode = 'streamed lines, reuseInputs';
  const m = await mod.loadPeriodMembers(db, args.period, plan);
  members = m.members.count;
  liveSample();
  const engine = timed(() => new mod.PeriodEngine(plan, m.members, m.bounds, { reuseInputs: true }));
  let pages = 0;
  await mod.readVolumeLines(db, args.period, m.bounds, m.ids, (chunk) => {
    volumeLines += chunk.count;
    timed(() => engine.addLines(chunk));
    if (++pages % 10 === 0) liveSample();
  });
  liveSample();
  result = timed(() => engine.finish());
} else {
  mode = 'all lines in memory';
  const inputs = await mod.loadPeriodInputs(db, args.period, plan);
  members = inputs.members.count;
  volumeLines = inputs.lines.count;
  liveSample();
  result = timed(() =>
    mod.computePeriod({ plan, members: inputs.members, lines: inputs.lines, period: inputs.bounds }),
  );
  liveSample(); // inputs and result both held, as in the worker until the write ends
}
const engineComputeMs = engineMs;
const loadMs = performance.now() - l0 - engineMs - gcMs;
liveSample();
let lineCount = 0;
let sum = 0;
let chunks = 0;
const producer = result.lines(12_000);
for (;;) {
  const next = timed(() => producer.next());
  if (next.done) break;
  const c = next.value;
  lineCount += c.length;
  for (let i = 0; i < c.length; i++) sum += c.amount[i];
  if (++chunks % 20 === 0) liveSample();
}
liveSample();
// The write holds a range of lines at a time to insert them in key order (not engine time: memory only).
let writePasses = 0;
if (mod.linesInKeyOrder)
  for (const _ of mod.linesInKeyOrder(result)) {
    writePasses++;
    liveSample();
  }
if (sum !== result.totals.total) throw new Error('the lines do not add up to the total');
if (lineCount !== result.totals.lines) throw new Error('line count differs from the totals');

console.log(
  JSON.stringify({
    mode,
    members,
    volumeLines,
    commissionLines: lineCount,
    total: result.totals.total,
    loadMs: Math.round(loadMs),
    engineMs: Math.round(engineMs),
    engineComputeMs: Math.round(engineComputeMs),
    engineLinesMs: Math.round(engineMs - engineComputeMs),
    engineCpuMs: Math.round(engineCpuMs),
    writePasses,
    memory: {
      liveMb: +(live / 2 ** 20).toFixed(1),
      peakMb: +(peak / 2 ** 20).toFixed(1),
      peakRssAboveStartMb: +((process.resourceUsage().maxRSS * 1024 - rssBefore) / 2 ** 20).toFixed(1),
    },
  }),
);
