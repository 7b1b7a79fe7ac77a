// node bench/graphql-cpu.mjs [--n 3000] [--which both|graphql|raw] [--profile] [--engine yoga|graphql-js]
//                            [--query downline|upline]
//
// The worker's own CPU per request for `downline(first: 50)` through GraphQL and through the raw route of
// the benchmark build, in Node with D1 replaced by canned rows (bench/profile/harness.ts): the part of
// GraphQL's overhead that does not depend on D1 or the network. --profile writes a .cpuprofile of the
// GraphQL requests to bench/.state/ (open it in Chrome DevTools).

import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '3000' },
    which: { type: 'string', default: 'both' },
    profile: { type: 'boolean', default: false },
    // Experiment: execute with graphql-js's execute instead of yoga's default executor.
    engine: { type: 'string', default: 'yoga' },
    // upline: GraphQL's CPU for the 90 members above a deep one (no raw route for it: --which graphql).
    query: { type: 'string', default: 'downline' },
  },
});
const dir = resolve('bench/.state/graphql-cpu');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
cpSync('src', `${dir}/src`, { recursive: true });
cpSync('bench/worker', `${dir}/src/bench`, { recursive: true });
cpSync('bench/profile/harness.ts', `${dir}/src/bench/harness.ts`);
cpSync('bench/lib/queries.mjs', `${dir}/lib/queries.mjs`);
if (args.engine === 'graphql-js') {
  const yoga = `${dir}/src/graphql/yoga.ts`;
  const text = readFileSync(yoga, 'utf8').replace(
    '  plugins: [\n',
    '  plugins: [\n    { onExecute: ({ setExecuteFn }) => setExecuteFn(graphqlExecute as never) },\n',
  );
  writeFileSync(yoga, `import { execute as graphqlExecute } from 'graphql';\n${text}`);
}
await build({
  entryPoints: [`${dir}/src/bench/harness.ts`],
  bundle: true,
  // As wrangler bundles it (workerd conditions: the fetch ponyfills resolve to the built-in globals).
  platform: 'browser',
  format: 'esm',
  conditions: ['workerd', 'worker', 'browser'],
  nodePaths: [resolve('node_modules')],
  outfile: `${dir}/harness.mjs`,
  logLevel: 'error',
  external: ['node:*', 'crypto'],
  // The offer PDFs' fonts are not needed here.
  loader: { '.ttf': 'empty' },
});
const { run } = await import(`${dir}/harness.mjs`);
const n = Number(args.n);
let session;
if (args.profile) {
  session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
}
const out = await run(n, args.which, args.query);
if (session) {
  const { profile } = await session.post('Profiler.stop');
  const file = `${dir}.cpuprofile`;
  writeFileSync(file, JSON.stringify(profile));
  console.log(`profile: ${file}`);
}
for (const [k, v] of Object.entries(out))
  console.log(`${k.padEnd(8)} ${(v * 1000).toFixed(0)} µs per request`);
if (out.graphql && out.raw) console.log(`ratio    ${(out.graphql / out.raw).toFixed(2)}× (CPU only, no D1)`);
