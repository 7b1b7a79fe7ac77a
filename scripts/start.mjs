// `npm start`: migrate the local D1, serve the worker with GraphiQL, seed the demo company once, print logins.
// Safe to run again on the same state: it reads "seeded" from the database and the seed record, never guesses.

import { persistArgs, seedLogPath, seedState, stateDir, writeSeedRecord } from './demo-state.mjs';
import { startFakeMetaGraph } from './fake-meta-graph.mjs';
import { graphqlClient, login, startWranglerDev, waitForHealth, wranglerSync } from './lib.mjs';
import { ADMIN_EMAIL, DEMO_PASSWORD, ensureAdmin, seedNetwork } from './seed.mjs';
import { seedCommerce } from './seed-commerce.mjs';
import { seedCrm } from './seed-crm.mjs';
import { seedHistory } from './seed-history.mjs';
import { seedLeads } from './seed-leads.mjs';

const PORT = Number(process.env.PORT ?? 8787);
const GRAPH_PORT = Number(process.env.GRAPH_PORT ?? PORT + 1);
const base = `http://localhost:${PORT}`;
const graphBase = `http://127.0.0.1:${GRAPH_PORT}`;

console.log(`Applying migrations to the local D1 in ${stateDir()} ...`);
wranglerSync(['d1', 'migrations', 'apply', 'DB', '--local', ...persistArgs()]);
ensureAdmin(persistArgs());

const before = await seedState();
if (before.state === 'incomplete') {
  console.error(
    `The local database in ${stateDir()} holds ${before.members} distributors but no record of a finished demo seed
(an earlier start was stopped while seeding). Delete that directory and run npm start again for a fresh demo.`,
  );
  process.exit(1);
}

// Meta's Graph API cannot be reached from a demo: the worker fetches Meta leads from the local fake.
const graph = await startFakeMetaGraph(GRAPH_PORT);
const devArgs = ['--port', String(PORT), '--test-scheduled', '--var', `GRAPH_API_BASE:${graphBase}/v21.0`];
const dev = startWranglerDev([...devArgs, ...persistArgs()], {
  quietLog: before.state === 'fresh' ? seedLogPath() : null,
});
dev.on('exit', (code) => {
  graph.close();
  process.exit(code ?? 0);
});
await waitForHealth(base);

let record = before.record;
if (before.state === 'fresh') {
  const gql = graphqlClient(base);
  const admin = await login(gql, ADMIN_EMAIL, DEMO_PASSWORD);
  const progress = (text) => process.stdout.write(`\r\x1b[2KSeeding the demo company: ${text}`);
  const { logins, ids, members } = await seedNetwork(gql, admin, progress);
  const seeded = await seedCommerce(gql, admin, ids, progress);
  const history = await seedHistory(gql, admin, members, seeded.productIds, progress);
  const locale = { DK: 'da', PL: 'pl', DE: 'de' };
  const examples = [];
  for (const member of members.slice(0, 2))
    examples.push({
      member,
      token: await login(gql, member.email, DEMO_PASSWORD),
    });
  const runNightly = async () => {
    const res = await fetch(`${base}/__scheduled?cron=${encodeURIComponent('0 2 * * *')}`);
    if (!res.ok) throw new Error(`seed: the nightly cron answered ${res.status}`);
  };
  await seedCrm(gql, admin, examples, seeded.productIds, runNightly, progress);
  const owners = examples.map(({ member, token }) => ({
    id: member.id,
    token,
    locale: locale[member.country],
  }));
  const leads = await seedLeads(gql, admin, base, graphBase, owners, progress);
  process.stdout.write('\n');
  record = {
    seededAt: new Date().toISOString(),
    summary: `${ids.length} distributors, ${seeded.products} products, ${seeded.orders + history.orders} paid orders over three months (${history.paidPeriod} committed and paid, ${history.openPeriod} ready to close), CRM data for the first two members, ${leads.leads} leads and two plans`,
    logins,
  };
  writeSeedRecord(record);
  console.log(`Seeded ${record.summary}.\n(The worker's output while seeding is in ${seedLogPath()}.)`);
}
dev.showRequestLogs();

console.log(`
mlm-crm is running.
  GraphiQL:  ${base}/graphql
  Health:    ${base}/health
  Cron:      ${base}/__scheduled?cron=0+*+*+*+*
  Fake Meta Graph API (for the README's Meta webhook example): ${graphBase}

Demo logins (password for all: ${DEMO_PASSWORD}), use the "login" mutation and send
"Authorization: Bearer <token>":
  staff:        ${ADMIN_EMAIL}`);
for (const l of record.logins) console.log(`  distributor:  ${l.email} (${l.name}, ${l.country})`);
