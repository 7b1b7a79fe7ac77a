// Runs every block of the README's tour (between <!-- tour:start --> and <!-- tour:end -->) against a
// running demo, as written: GraphQL blocks as the person their "# as <who>" line names, shell blocks with
// bash. The example months and ports are replaced by the demo's own. Used by the restart smoke test.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { login } from './lib.mjs';
import { ADMIN_EMAIL, DEMO_PASSWORD } from './seed.mjs';
import { monthFromNow, sleep } from './seed-api.mjs';

const WHO = {
  admin: ADMIN_EMAIL,
  mia: 'mia.weber.1@demo.mlm-crm.dev',
  line: 'line.jensen.0@demo.mlm-crm.dev',
};

export function tourBlocks(readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')) {
  const tour = readme.slice(readme.indexOf('<!-- tour:start -->'), readme.indexOf('<!-- tour:end -->'));
  return [...tour.matchAll(/```(graphql|sh)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], text: m[2] }));
}

/** Typed errors anywhere in a result (a mutation payload that is an Error type). */
function typedErrors(data, out = []) {
  if (Array.isArray(data)) for (const v of data) typedErrors(v, out);
  else if (data && typeof data === 'object') {
    if (typeof data.__typename === 'string' && /Error$/.test(data.__typename)) out.push(data);
    for (const v of Object.values(data)) typedErrors(v, out);
  }
  return out;
}

export async function checkTour(base, graphBase) {
  const localize = (text) =>
    text
      .replaceAll('2026-10', monthFromNow(-2))
      .replaceAll('2026-11', monthFromNow(-1))
      .replaceAll('localhost:8787', base.replace(/^https?:\/\//, ''))
      .replaceAll('127.0.0.1:8788', graphBase.replace(/^https?:\/\//, ''));
  const raw = async (query, variables, token) => {
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return res.json();
  };
  const gqlThrowing = async (query, variables) => {
    const body = await raw(query, variables);
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data;
  };
  const tokens = {};
  for (const [who, email] of Object.entries(WHO))
    tokens[who] = await login(gqlThrowing, email, DEMO_PASSWORD);
  const blocks = tourBlocks();
  for (const [i, block] of blocks.entries()) {
    const text = localize(block.text);
    const label = `tour block ${i + 1} (${block.lang}): ${block.text.split('\n')[0]}`;
    if (block.lang === 'sh') {
      const r = spawnSync('bash', ['-euo', 'pipefail', '-c', text], { encoding: 'utf8' });
      if (r.status !== 0 || /"error"/.test(r.stdout))
        throw new Error(`${label} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
      continue;
    }
    const who = /^# as (\w+)/.exec(text)?.[1];
    if (!tokens[who]) throw new Error(`${label}: no "# as <who>" line`);
    const until = /# repeat until status is (\w+)/.exec(text)?.[1];
    let body;
    for (let attempt = 0; attempt < (until ? 240 : 1); attempt++) {
      body = await raw(text, {}, tokens[who]);
      if (!until || JSON.stringify(body).includes(`"status":"${until}"`)) break;
      await sleep(500);
    }
    const problems = [...(body.errors ?? []), ...typedErrors(body.data)];
    if (!body.data || problems.length)
      throw new Error(`${label} failed:\n${JSON.stringify(body).slice(0, 2000)}`);
    if (until && !JSON.stringify(body).includes(`"status":"${until}"`))
      throw new Error(`${label}: status never became ${until}:\n${JSON.stringify(body).slice(0, 1000)}`);
  }
  return blocks.length;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.env.PORT ?? 8787);
  const n = await checkTour(
    `http://localhost:${port}`,
    `http://127.0.0.1:${Number(process.env.GRAPH_PORT ?? port + 1)}`,
  );
  console.log(`README tour: ${n} blocks ran without errors`);
}
