// node --expose-gc bench/lib/whatifExplain.mjs --tree <dir> --db <file.sqlite> --period YYYY-MM
//
// Memory of a what-if and of the heaviest explain of a closed period, measured the way bench:close measures
// the compute step's (closeEngine.mjs): the worker's own code (bundled from the same source tree) on the local
// D1 file in Node (node:sqlite behind a D1 shim), JS heap + array buffers above a baseline, sampled at every D1
// call and after a full GC every few calls (what must fit the isolate's 128 MB). The DB is written to (the
// what-if's run and result rows): run it on a benchmark's copy.
// - what-if: runWhatIf of the period under its own plan version (a period in review: the base is its stored
//   results, the draft is computed);
// - explain: the non-retail commission line with the largest volume (the biggest subtree: the root's), its
//   members and volumes loaded and explained as the CommissionLine.explain resolver does.
// Prints one JSON line.

import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { d1Shim } from './d1Shim.mjs';

const { values: args } = parseArgs({
  options: { tree: { type: 'string' }, db: { type: 'string' }, period: { type: 'string' } },
});

const out = await build({
  stdin: {
    contents: `
      export { runWhatIf } from './src/modules/commissions/whatif/run.ts';
      export { compilePlan } from './src/modules/commissions/plan/index.ts';
      export { BONUS } from './src/modules/commissions/engine/index.ts';
      export { explainLine, linesOf, membersNeeded } from './src/modules/commissions/explain/index.ts';
      export { loadPeriodMembers } from './src/modules/commissions/periods/inputs.ts';
      export { readVolumeLines } from './src/modules/commissions/periods/volumeLines.ts';
      export { periodById } from './src/modules/commissions/periods/repository.ts';
      export { requirePlanVersion, planOf } from './src/modules/commissions/versions/repository.ts';
      export * from './src/modules/commissions/periods/explainInputs.ts';
    `,
    resolveDir: args.tree,
    loader: 'ts',
  },
  bundle: true,
  platform: 'node',
  format: 'esm',
  write: false,
  logLevel: 'silent',
}).catch(async () =>
  // A tree from before explainInputs.ts: the resolver then read every volume line (the same calls below).
  build({
    stdin: {
      contents: `
        export { runWhatIf } from './src/modules/commissions/whatif/run.ts';
        export { compilePlan } from './src/modules/commissions/plan/index.ts';
        export { BONUS } from './src/modules/commissions/engine/index.ts';
        export { explainLine, linesOf, membersNeeded } from './src/modules/commissions/explain/index.ts';
        export { loadPeriodMembers } from './src/modules/commissions/periods/inputs.ts';
        export { readVolumeLines } from './src/modules/commissions/periods/volumeLines.ts';
        export { periodById } from './src/modules/commissions/periods/repository.ts';
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
  }),
);
const mod = await import(
  `data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`
);

const mem = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
let baseline = 0;
let peak = 0;
let live = 0;
let calls = 0;
const liveSample = () => {
  globalThis.gc();
  live = Math.max(live, mem() - baseline);
};
const onCall = () => {
  peak = Math.max(peak, mem() - baseline);
  if (++calls % 4 === 0) liveSample();
};
const db = d1Shim(args.db, { writable: true, onCall });
const mb = (b) => +(b / 2 ** 20).toFixed(1);

async function measure(fn) {
  globalThis.gc();
  baseline = mem();
  peak = 0;
  live = 0;
  calls = 0;
  const t = performance.now();
  const detail = await fn();
  liveSample();
  return {
    ms: Math.round(performance.now() - t),
    liveMb: mb(live),
    sampledMb: mb(peak),
    d1Calls: calls,
    ...detail,
  };
}

const period = await mod.periodById(db, args.period);
if (!period?.plan_version_id || period.member_count == null)
  throw new Error(`period ${args.period} has no snapshot: ${JSON.stringify(period)}`);

const whatIf = await measure(async () => {
  const runId = Number(
    (
      await db
        .prepare(
          "INSERT INTO whatif_run (period_id, plan_version_id, status, created_at) VALUES (?, ?, 'QUEUED', ?)",
        )
        .bind(args.period, period.plan_version_id, new Date().toISOString())
        .run()
    ).meta.last_row_id,
  );
  await mod.runWhatIf(db, runId);
  const run = await db
    .prepare('SELECT status, error, summary FROM whatif_run WHERE id = ?')
    .bind(runId)
    .first();
  if (run.status !== 'DONE') throw new Error(`what-if ${run.status}: ${run.error}`);
  return { status: run.status };
});

const line = await db
  .prepare(
    "SELECT * FROM commission_line WHERE period_id = ? AND bonus != 'retail' ORDER BY volume DESC, distributor_id LIMIT 1",
  )
  .bind(args.period)
  .first();
const explain = await measure(async () => {
  const plan = mod.compilePlan(mod.planOf(await mod.requirePlanVersion(db, period.plan_version_id)));
  const m = await mod.loadPeriodMembers(db, args.period, plan);
  const find = (id) => m.ids.indexOf(id);
  const ref = {
    earner: find(line.distributor_id),
    bonus: mod.BONUS[line.bonus],
    level: line.level,
    source: line.source_id ? find(line.source_id) : -1,
  };
  let lines;
  if (mod.explainVolumes) lines = await mod.explainVolumes(db, args.period, plan, m, ref);
  else {
    const need = mod.membersNeeded(m.members, ref);
    lines = [];
    await mod.readVolumeLines(db, args.period, m.bounds, m.ids, (chunk) => {
      const mine = mod.linesOf(chunk, need);
      if (mine.count > 0) lines.push(mine);
    });
  }
  onCall();
  const e = mod.explainLine({ plan, members: m.members, lines, period: m.bounds }, ref);
  onCall();
  if (e.beforeCap !== line.before_cap)
    throw new Error(`explained ${e.beforeCap}, the line says ${line.before_cap}`);
  return {
    line: `${line.bonus} level ${line.level} of ${line.distributor_id}`,
    volumeRows: lines.reduce((s, c) => s + c.count, 0),
    contributions: e.contributions.length ?? e.contributions.count,
  };
});

console.log(JSON.stringify({ whatIf, explain }));
