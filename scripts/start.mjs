// `npm start`: migrate the local D1, serve the worker with GraphiQL, seed the demo company once, print logins.
// Safe to run again on the same state: it reads "seeded" from the database and the seed record, never guesses.

import { persistArgs, seedState, stateDir, writeSeedRecord } from './demo-state.mjs';
import { graphqlClient, login, startWranglerDev, waitForHealth, wranglerSync } from './lib.mjs';
import { ADMIN_EMAIL, DEMO_PASSWORD, ensureAdmin, seedNetwork } from './seed.mjs';
import { seedCommerce } from './seed-commerce.mjs';

const PORT = Number(process.env.PORT ?? 8787);
const base = `http://localhost:${PORT}`;

console.log(`Applying migrations to the local D1 in ${stateDir()} ...`);
wranglerSync(['d1', 'migrations', 'apply', 'DB', '--local', ...persistArgs()]);
ensureAdmin(persistArgs());

const before = seedState();
if (before.state === 'incomplete') {
  console.error(
    `The local database in ${stateDir()} holds ${before.members} distributors but no record of a finished demo seed
(an earlier start was stopped while seeding). Delete that directory and run npm start again for a fresh demo.`,
  );
  process.exit(1);
}

const dev = startWranglerDev(['--port', String(PORT), '--test-scheduled', ...persistArgs()], {
  hideRequestLogs: before.state === 'fresh',
});
dev.on('exit', (code) => process.exit(code ?? 0));
await waitForHealth(base);

let record = before.record;
if (before.state === 'fresh') {
  const gql = graphqlClient(base);
  const admin = await login(gql, ADMIN_EMAIL, DEMO_PASSWORD);
  const progress = (text) => process.stdout.write(`\r\x1b[2KSeeding the demo company: ${text}`);
  const { logins, ids } = await seedNetwork(gql, admin, progress);
  const seeded = await seedCommerce(gql, admin, ids, progress);
  process.stdout.write('\n');
  record = {
    seededAt: new Date().toISOString(),
    summary: `${ids.length} distributors, ${seeded.products} products, ${seeded.orders} paid orders and two plans`,
    logins,
  };
  writeSeedRecord(record);
  console.log(`Seeded ${record.summary}.`);
}
dev.showRequestLogs();

console.log(`
mlm-crm is running.
  GraphiQL:  ${base}/graphql
  Health:    ${base}/health
  Cron:      ${base}/__scheduled?cron=0+*+*+*+*

Demo logins (password for all: ${DEMO_PASSWORD}), use the "login" mutation and send
"Authorization: Bearer <token>":
  staff:        ${ADMIN_EMAIL}`);
for (const l of record.logins) console.log(`  distributor:  ${l.email} (${l.name}, ${l.country})`);
