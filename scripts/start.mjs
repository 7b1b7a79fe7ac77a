// `npm start`: migrate the local D1, serve the worker with GraphiQL, seed the demo company once, print logins.

import { graphqlClient, startWranglerDev, waitForHealth, wranglerSync } from './lib.mjs';
import { ADMIN_EMAIL, DEMO_PASSWORD, ensureAdmin, seedNetwork } from './seed.mjs';
import { seedCommerce } from './seed-commerce.mjs';

const PORT = Number(process.env.PORT ?? 8787);
const base = `http://localhost:${PORT}`;

console.log('Applying migrations to the local D1 ...');
wranglerSync(['d1', 'migrations', 'apply', 'DB', '--local']);
ensureAdmin([]);

const dev = startWranglerDev(['--port', String(PORT), '--test-scheduled']);
dev.on('exit', (code) => process.exit(code ?? 0));
await waitForHealth(base);

const gql = graphqlClient(base);
const { admin, logins, ids } = await seedNetwork(gql);
if (ids) {
  const seeded = await seedCommerce(gql, admin, ids);
  console.log(
    `Seeded ${ids.length} distributors, ${seeded.products} products, ${seeded.orders} paid orders and two plans.`,
  );
}
console.log(`
mlm-crm is running.
  GraphiQL:  ${base}/graphql
  Health:    ${base}/health
  Cron:      ${base}/__scheduled?cron=0+*+*+*+*

Demo logins (password for all: ${DEMO_PASSWORD}), use the "login" mutation and send
"Authorization: Bearer <token>":
  staff:        ${ADMIN_EMAIL}`);
if (logins) {
  for (const l of logins) console.log(`  distributor:  ${l.email} (${l.name}, ${l.country})`);
} else {
  console.log('  distributors: the demo network was seeded earlier (see README for the logins).');
}
