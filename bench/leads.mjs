// npm run bench:leads [-- --rate 1000] [--duration 60] [--duplicates 0.1] [--connections 256]
//                        [--port 8799] [--graph-port 8798] [--keep-state]
//                        [--noop-rate 3000] [--noop-duration 10]
//
// Lead webhooks under load. Serves a bundled snapshot of the worker with `wrangler dev` (real workerd,
// local D1, local queue and its consumer) with GRAPH_API_BASE pointed at a local fake Graph API, sets up
// a Google lead form, a Meta page, a small network with referral codes and country routing rules, then
// offers `rate` signed webhooks per second for `duration` seconds, open loop: half Google Ads lead-form
// posts, half Meta leadgen notifications, and a `duplicates` share of exact redeliveries (same bytes,
// same signature) of deliveries sent up to a few seconds earlier, some of them still in flight.
// Afterwards it waits for the queue to process every intake and checks that every unique lead exists
// exactly once (lead, intake, raw event, assignment) and nothing else does. Results go to stdout and
// bench/results/<--out, default leads>.{md,json}; the state directory is deleted unless --keep-state.
//
// The ceiling, in the same run: before the webhooks, a no-op route (/__bench/noop, added to the bench's own
// build of the worker only, never to the product: it answers a fixed JSON without any I/O) is offered
// `noop-rate` requests a second for `noop-duration` seconds on the same socket; what it answers is what the
// one workerd thread serves with nothing else to do. The 1-minute load average is read before and after.

import { createHmac } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createClient, globalId, pbkdf2Hash } from './lib/client.mjs';
import { startFakeGraph } from './lib/fakeGraph.mjs';
import { enrollNetwork } from './lib/load.mjs';
import { load1 } from './lib/machine.mjs';
import { asciiFold, countryPicker } from './lib/names.mjs';
import { writeParts } from './lib/ndjson.mjs';
import { buildNetwork } from './lib/network.mjs';
import { runOpenLoop } from './lib/openLoop.mjs';
import { createRandom } from './lib/prng.mjs';
import { LOGIN } from './lib/queries.mjs';
import { median, percentile } from './lib/stats.mjs';
import { applyMigrations, d1Query, directWorkerUrl, snapshotWorker, startWorker } from './lib/wrangler.mjs';

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '1000' },
    duration: { type: 'string', default: '60' },
    duplicates: { type: 'string', default: '0.1' },
    connections: { type: 'string', default: '256' },
    members: { type: 'string', default: '300' },
    port: { type: 'string', default: '8799' },
    'graph-port': { type: 'string', default: '8798' },
    'noop-rate': { type: 'string', default: '3000' },
    'noop-duration': { type: 'string', default: '10' },
    'drain-timeout': { type: 'string', default: '1800' },
    // direct: the worker's own socket inside wrangler dev; proxy: wrangler's public port (its dev proxy).
    via: { type: 'string', default: 'direct' },
    // Bundle the files as they are instead of the last commit.
    worktree: { type: 'boolean', default: false },
    'keep-state': { type: 'boolean', default: false },
    // Name of the results files under bench/results (without extension).
    out: { type: 'string', default: 'leads' },
  },
});
if (!/^[a-z0-9-]+$/.test(args.out)) throw new Error('--out: lower-case letters, digits and -');
if (!['direct', 'proxy'].includes(args.via)) throw new Error('--via: direct or proxy');
const rate = Number(args.rate);
const duration = Number(args.duration);
const dupShare = Number(args.duplicates);
const connections = Number(args.connections);
const members = Number(args.members);
const port = Number(args.port);
const graphPort = Number(args['graph-port']);
const drainTimeoutS = Number(args['drain-timeout']);
const noopRate = Number(args['noop-rate']);
const noopDuration = Number(args['noop-duration']);
if (!(noopRate >= 1 && noopRate <= 20_000)) throw new Error('--noop-rate: 1 to 20,000 requests per second');
if (!(noopDuration >= 0 && noopDuration <= 600)) throw new Error('--noop-duration: 0 to 600 seconds');
if (!(rate >= 1 && rate <= 20_000)) throw new Error('--rate: 1 to 20,000 requests per second');
if (!(duration >= 1 && duration <= 3_600)) throw new Error('--duration: 1 to 3,600 seconds');
if (!(dupShare >= 0 && dupShare < 1)) throw new Error('--duplicates: a share in [0, 1)');
if (!Number.isInteger(connections) || connections < 1 || connections > 4096)
  throw new Error('--connections: 1 to 4,096');
if (!Number.isInteger(members) || members < 200 || members > 100_000)
  throw new Error('--members: 200 to 100,000');
for (const p of [port, graphPort])
  if (!Number.isInteger(p) || p < 1024 || p > 65535) throw new Error('ports: 1024-65535');

const STATE = 'bench/.state/leads';
const STAFF = { email: 'bench-admin@example.com', password: `bench-${Date.now()}-password` };
const GOOGLE_FORM = '40000000001';
const GOOGLE_KEY = 'bench-google-form-key-7d1e';
const META_PAGE = '1122334455667788';
const META_TOKEN = 'EAAbenchPageAccessToken0123456789';
const log = (line) => console.log(line);

function metaAppSecret(config) {
  // META_APP_SECRET as the worker sees it: the snapshot's [vars] (wrangler.toml) or its .dev.vars.
  const read = (file) => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return '';
    }
  };
  const pick = (text) => /^\s*META_APP_SECRET\s*=\s*"([^"]*)"/m.exec(text)?.[1];
  return pick(read(join(config, '..', '.dev.vars'))) ?? pick(read(config));
}

// ---- the leads and the deliveries ----

const rnd = createRandom(rate * 7919 + duration);
const country = countryPicker(rnd);

/** The person behind lead number i, with how it should be routed. */
function person(i, codes) {
  const c = country();
  const first = rnd.pick(c.first);
  const last = rnd.pick(c.last);
  const r = rnd.next();
  // A fifth name a referral code, a tenth carry one in utm_campaign; the rest go by country rules.
  const referral = r < 0.2 ? rnd.pick(codes) : null;
  const utm = r >= 0.2 && r < 0.3 ? `ref:${rnd.pick(codes)}` : null;
  return {
    first,
    last,
    email: `${asciiFold(first)}.${asciiFold(last)}.${i}@${c.domain}`.toLowerCase(),
    phone: `+${c.code === 'PL' ? 48 : c.code === 'DE' ? 49 : 45} ${String(20_000_000 + rnd.int(69_999_999))}`,
    postal: String(1000 + rnd.int(8999)),
    country: c.code,
    referral,
    utm,
  };
}

// 64-bit ids beyond 2^53, as the platforms send them.
const googleLeadId = (i) => `TeSter-${(9_007_199_254_740_993n + BigInt(i) * 7n).toString(36)}-bench`;
const metaLeadgenId = (i) => (9_007_199_254_740_993n + BigInt(i) * 13n).toString();

function googleBody(i, p) {
  const columns = [
    { column_name: 'Full Name', string_value: `${p.first} ${p.last}`, column_id: 'FULL_NAME' },
    { column_name: 'User Email', string_value: p.email, column_id: 'EMAIL' },
    { column_name: 'User Phone', string_value: p.phone, column_id: 'PHONE_NUMBER' },
    { column_name: 'Postal Code', string_value: p.postal, column_id: 'POSTAL_CODE' },
    { column_name: 'Country', string_value: p.country, column_id: 'COUNTRY' },
  ];
  if (p.referral)
    columns.push({ column_name: 'Referral code', string_value: p.referral, column_id: 'referral_code' });
  if (p.utm) columns.push({ column_name: 'utm_campaign', string_value: p.utm, column_id: 'utm_campaign' });
  // Numeric ids written as raw JSON numbers, wider than a double holds.
  return `{"lead_id":"${googleLeadId(i)}","user_column_data":${JSON.stringify(columns)},"api_version":"1.0","form_id":${GOOGLE_FORM},"campaign_id":9223372036854775807,"adgroup_id":${9_007_199_254_740_993n + BigInt(i)},"creative_id":30000000000,"gcl_id":"EAIaIQobChMI-bench-${i}","lead_submit_time":"2026-11-22T10:00:00Z","google_key":"${GOOGLE_KEY}","is_test":false}`;
}

function metaBody(i) {
  const id = metaLeadgenId(i);
  // Meta sends leadgen_id as a number in some payloads and a string in others: both, alternately.
  const leadgen = i % 2 ? id : `"${id}"`;
  const t = 1_795_000_000 + i;
  return `{"object":"page","entry":[{"id":"${META_PAGE}","time":${t},"changes":[{"field":"leadgen","value":{"ad_id":"120210000000000001","form_id":"555000111222333","leadgen_id":${leadgen},"created_time":${t},"page_id":"${META_PAGE}","adgroup_id":"120210000000000002"}}]}]}`;
}

/** Graph's answer for a leadgen id: the person the generator drew for it. */
function metaFields(p) {
  const fields = {
    full_name: `${p.first} ${p.last}`,
    email: p.email,
    phone_number: p.phone,
    zip_code: p.postal,
  };
  fields.country = p.country;
  if (p.referral) fields.referral_code = p.referral;
  if (p.utm) fields.utm_campaign = p.utm;
  return fields;
}

function buildDeliveries(total, codes, appSecret) {
  // Redeliveries go after the first second only: a run of a second or less has none (it looped for ever).
  const dupCount = Math.min(Math.round(total * dupShare), Math.max(0, total - Math.min(total, rate)));
  const uniqueCount = total - dupCount;
  // Which slots are redeliveries: a random set, never the first second (there must be something to repeat).
  const isDup = new Uint8Array(total);
  const firstSecond = Math.min(total, rate);
  let placed = 0;
  while (placed < dupCount) {
    const slot = firstSecond + rnd.int(Math.max(1, total - firstSecond));
    if (slot < total && !isDup[slot]) {
      isDup[slot] = 1;
      placed++;
    }
  }
  const uniques = []; // { kind, externalId, person, request }
  const requests = [];
  const kinds = { google: 0, meta: 0, googleDup: 0, metaDup: 0 };
  const graphLeads = new Map();
  for (let slot = 0; slot < total; slot++) {
    if (isDup[slot] && uniques.length > 0) {
      // A redelivery of one sent in the last ~3 seconds (some still in flight).
      const window = Math.min(uniques.length, rate * 3);
      const original = uniques[uniques.length - 1 - rnd.int(window)];
      requests.push({ ...original.request, unique: false, kind: original.kind });
      kinds[`${original.kind}Dup`]++;
      continue;
    }
    const n = uniques.length;
    const p = person(n, codes);
    if (rnd.next() < 0.5) {
      const body = googleBody(n, p);
      const request = {
        path: '/webhooks/google-ads',
        headers: {
          'content-type': 'application/json',
          ...(process.env.EXP_STOP ? { 'x-exp-stop': process.env.EXP_STOP } : {}),
        },
        body,
      };
      uniques.push({ kind: 'google', externalId: googleLeadId(n), person: p, request });
      requests.push({ ...request, unique: true, kind: 'google' });
      kinds.google++;
    } else {
      const body = metaBody(n);
      const signature = `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
      const request = {
        path: '/webhooks/meta',
        headers: {
          'content-type': 'application/json',
          'x-hub-signature-256': signature,
          ...(process.env.EXP_STOP ? { 'x-exp-stop': process.env.EXP_STOP } : {}),
        },
        body,
      };
      const id = metaLeadgenId(n);
      graphLeads.set(id, { fields: metaFields(p), formId: '555000111222333', adId: '120210000000000001' });
      uniques.push({ kind: 'meta', externalId: id, person: p, request });
      requests.push({ ...request, unique: true, kind: 'meta' });
      kinds.meta++;
    }
  }
  return { uniques, requests, kinds, graphLeads, uniqueCount };
}

// ---- set-up through the API ----

async function gql(client, query, variables, field) {
  const data = await client.post(query, variables);
  const result = data[field];
  if (result?.__typename && !result.__typename.endsWith('Success'))
    throw new Error(`${field}: ${JSON.stringify(result)}`);
  return result;
}

async function configure(client, distributors) {
  await gql(
    client,
    `mutation($input: SetGoogleLeadFormInput!) { setGoogleLeadForm(input: $input) { __typename ... on Error { message } } }`,
    { input: { formId: GOOGLE_FORM, googleKey: GOOGLE_KEY, name: 'Benchmark form' } },
    'setGoogleLeadForm',
  );
  await gql(
    client,
    `mutation($input: SetMetaLeadPageInput!) { setMetaLeadPage(input: $input) { __typename ... on Error { message } } }`,
    { input: { pageId: META_PAGE, accessToken: META_TOKEN, name: 'Benchmark page' } },
    'setMetaLeadPage',
  );
  // One round-robin rule per country over up to 25 active members living there.
  for (const code of ['DK', 'PL', 'DE']) {
    const ids = distributors
      .filter((d) => d.country === code)
      .slice(0, 25)
      .map((d) => globalId(d.id));
    if (ids.length === 0) continue;
    await gql(
      client,
      `mutation($input: CreateLeadRoutingRuleInput!) { createLeadRoutingRule(input: $input) { __typename ... on Error { message } } }`,
      { input: { name: `Benchmark ${code}`, country: code, distributorIds: ids } },
      'createLeadRoutingRule',
    );
  }
}

// ---- checks ----

async function waitForDrain(config, persistTo, expectedIntakes) {
  const t0 = performance.now();
  for (;;) {
    const rows = await d1Query(
      config,
      persistTo,
      `SELECT status, count(*) AS n FROM lead_intake GROUP BY status ORDER BY status`,
    );
    const by = Object.fromEntries(rows.map((r) => [r.status, r.n]));
    const total = rows.reduce((s, r) => s + r.n, 0);
    const pending = by.PENDING ?? 0;
    if (total >= expectedIntakes && pending === 0) return { seconds: (performance.now() - t0) / 1000, by };
    if ((performance.now() - t0) / 1000 > drainTimeoutS)
      throw new Error(`queue not drained after ${drainTimeoutS} s: ${JSON.stringify(by)}`);
    log(`  draining: ${JSON.stringify(by)}`);
    await new Promise((r) => setTimeout(r, 10_000));
  }
}

async function verify(config, persistTo, uniques) {
  const [counts] = await d1Query(
    config,
    persistTo,
    `SELECT (SELECT count(*) FROM lead) AS leads,
            (SELECT count(DISTINCT source || ':' || external_id) FROM lead) AS distinct_leads,
            (SELECT count(*) FROM lead_intake) AS intakes,
            (SELECT count(*) FROM lead_intake WHERE status = 'DONE') AS intakes_done,
            (SELECT count(*) FROM lead_event) AS events,
            (SELECT count(*) FROM lead_assignment) AS assignments,
            (SELECT count(DISTINCT lead_id) FROM lead_assignment) AS assigned_leads,
            (SELECT count(*) FROM lead_rejection) AS rejections,
            (SELECT count(*) FROM lead WHERE intake_id IS NULL) AS leads_without_intake`,
  );
  const reasons = await d1Query(
    config,
    persistTo,
    `SELECT reason, count(*) AS n FROM lead_assignment GROUP BY reason ORDER BY reason`,
  );
  // Every stored lead, compared one by one with what was sent.
  const stored = await d1Query(
    config,
    persistTo,
    `SELECT source, external_id AS id, email, referral_code AS ref, assigned_distributor_id AS owner FROM lead`,
  );
  const expected = new Map(
    uniques.map((u) => [`${u.kind === 'google' ? 'GOOGLE_ADS' : 'META'}:${u.externalId}`, u.person]),
  );
  let missing = 0;
  let unexpected = 0;
  let wrongData = 0;
  let unassignedReferral = 0;
  const seen = new Set();
  for (const row of stored) {
    const key = `${row.source}:${row.id}`;
    const p = expected.get(key);
    if (!p || seen.has(key)) {
      unexpected++;
      continue;
    }
    seen.add(key);
    if (row.email !== p.email || (row.ref ?? null) !== p.referral) wrongData++;
    if (p.referral && row.owner == null) unassignedReferral++;
  }
  for (const key of expected.keys()) if (!seen.has(key)) missing++;
  return {
    counts,
    reasons: Object.fromEntries(reasons.map((r) => [r.reason, r.n])),
    missing,
    unexpected,
    wrongData,
    unassignedReferral,
  };
}

function latencyStats(list) {
  const xs = list.filter((x) => x != null);
  return {
    n: xs.length,
    p50: median(xs),
    p90: percentile(xs, 90),
    p99: percentile(xs, 99),
    max: xs.length ? Math.max(...xs) : Number.NaN,
  };
}

/**
 * Wraps the bundled worker in the bench's own entry: /__bench/noop answers a fixed JSON with no I/O (the
 * ceiling of the thread), everything else goes to the worker as built.
 */
function addNoopRoute(config) {
  const dist = join(config, '..', 'dist');
  const bundle = readFileSync(join(dist, 'index.js'), 'utf8');
  const exported = /export \{\s*(\w+) as default\s*\};/;
  if (!exported.test(bundle)) throw new Error('the bundle has no `export { x as default }` to wrap');
  // no_bundle uploads the entry alone: the wrapper goes into a copy of the bundle, around its default export.
  const wrapped = bundle.replace(
    exported,
    `const benchWorker = $1;
export default {
  ...benchWorker,
  fetch(request, env, ctx) {
    if (new URL(request.url).pathname === '/__bench/noop')
      return new Response('{"status":"ok"}', { headers: { 'content-type': 'application/json' } });
    return benchWorker.fetch(request, env, ctx);
  },
};`,
  );
  writeFileSync(join(dist, 'bench-entry.js'), wrapped);
  writeFileSync(
    config,
    readFileSync(config, 'utf8').replace(/^main\s*=.*$/m, 'main = "dist/bench-entry.js"'),
  );
}

/** The no-op route offered `noopRate`/s for `noopDuration` s: its answered rate and latency. */
async function measureNoop(target) {
  const total = Math.round(noopRate * noopDuration);
  if (total === 0) return null;
  const requests = Array.from({ length: total }, () => ({
    method: 'GET',
    path: '/__bench/noop',
    headers: {},
    body: '',
  }));
  const run = await runOpenLoop({ base: target, requests, rate: noopRate, connections });
  const ok = run.results.filter((r) => r.status === 200).length;
  const result = {
    offered: { rate: noopRate, duration: noopDuration, total },
    ok,
    achievedRate: Math.round(total / (run.wallMs / 1000)),
    latencyFromDueMs: latencyStats(run.results.map((r) => r.latencyMs)),
  };
  log(
    `  no-op route: offered ${noopRate}/s for ${noopDuration} s, answered ${ok}/${total} at ${result.achievedRate}/s; p50 ${result.latencyFromDueMs.p50.toFixed(1)} ms, p99 ${result.latencyFromDueMs.p99.toFixed(1)} ms`,
  );
  return result;
}

// ---- main ----

async function main() {
  rmSync(STATE, { recursive: true, force: true });
  mkdirSync(STATE, { recursive: true });
  const persistTo = resolve(STATE, 'd1');
  log(`== lead webhooks: ${rate}/s for ${duration} s, ${Math.round(dupShare * 100)} % redeliveries ==`);
  const config = await snapshotWorker(join(STATE, 'worker'), args.worktree ? 'worktree' : 'HEAD');
  addNoopRoute(config);
  const appSecret = metaAppSecret(config);
  if (!appSecret) throw new Error('META_APP_SECRET not found in wrangler.toml or .dev.vars');
  // The worker fetches Meta leads from the local fake.
  const graphBase = `http://127.0.0.1:${graphPort}/v21.0`;
  writeFileSync(
    config,
    readFileSync(config, 'utf8').replace(/^GRAPH_API_BASE\s*=.*$/m, `GRAPH_API_BASE = "${graphBase}"`),
  );
  await applyMigrations(config, persistTo);
  await d1Query(
    config,
    persistTo,
    `INSERT INTO staff_user (email, name, role, password_hash, created_at) VALUES ('${STAFF.email}', 'Benchmark', 'ADMIN', '${pbkdf2Hash(STAFF.password)}', '${new Date().toISOString()}')`,
  );

  let graphLeads = new Map();
  const graph = await startFakeGraph({
    port: graphPort,
    token: META_TOKEN,
    leadFor: (id) => {
      const lead = graphLeads.get(id);
      // An id the generator never sent: Graph would not know it either; an empty form keeps the fake simple.
      return { createdTime: '2026-11-22T10:00:00+0000', ...(lead ?? { fields: {}, formId: '0', adId: '0' }) };
    },
  });
  // Wrangler logs every request through its Node process; at this rate that alone is a CPU hog.
  const worker = await startWorker({
    config,
    port,
    persistTo,
    logFile: join(STATE, 'wrangler.log'),
    extraArgs: ['--log-level', 'warn'],
  });
  try {
    const target = args.via === 'direct' ? await directWorkerUrl(worker, port) : worker.base;
    if (!target) throw new Error("could not find the worker's own socket; run with --via proxy");
    log(
      `  load goes to ${target} (${args.via === 'direct' ? "the worker's socket inside wrangler dev" : "wrangler dev's proxy"})`,
    );
    const client = createClient(worker.base);
    const login = (await client.post(LOGIN, { input: STAFF })).login;
    if (!login.session) throw new Error(`staff login failed: ${JSON.stringify(login)}`);
    client.setToken(login.session.token);

    const net = buildNetwork(members, 20261122);
    await enrollNetwork(client, writeParts(net, join(STATE, 'parts')), {});
    const distributors = await d1Query(
      config,
      persistTo,
      `SELECT id, referral_code, country FROM distributor WHERE status = 'ACTIVE' ORDER BY id`,
    );
    await configure(client, distributors);
    const codes = distributors.map((d) => d.referral_code);
    log(`  set up: ${distributors.length} distributors, a Google form, a Meta page, 3 country rules`);
    const noop = await measureNoop(target);

    const total = Math.round(rate * duration);
    const built = buildDeliveries(total, codes, appSecret);
    graphLeads = built.graphLeads;
    log(
      `  ${total} deliveries: ${built.kinds.google} Google + ${built.kinds.meta} Meta unique, ${built.kinds.googleDup + built.kinds.metaDup} redeliveries`,
    );

    const loadAtStart = load1();
    // A short warm-up of the same endpoints with leads of their own would leave extra leads behind; the
    // first second of the run is the warm-up instead, and is counted like the rest.
    const run = await runOpenLoop({
      base: target,
      requests: built.requests,
      rate,
      connections,
      onTick: ({ sent, done, elapsedMs }) =>
        log(`  ${(elapsedMs / 1000).toFixed(0)} s: sent ${sent}, answered ${done}`),
    });
    const statuses = {};
    let accepted = 0;
    let errors = 0;
    for (const r of run.results) {
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      if (r.status !== 200) {
        errors++;
        continue;
      }
      // Whether a delivery was new is settled by the consumer: every taken delivery is "accepted".
      if (JSON.parse(r.body).status === 'accepted') accepted++;
    }
    const firstError = run.results.find((r) => r.status !== 200);
    const latency = latencyStats(run.results.map((r) => r.latencyMs));
    const byKind = {};
    for (const kind of ['google', 'meta'])
      byKind[kind] = latencyStats(
        run.results.filter((_, i) => built.requests[i].kind === kind).map((r) => r.latencyMs),
      );
    const service = latencyStats(run.results.map((r) => r.serviceMs));
    const achieved = total / (run.wallMs / 1000);
    log(
      `  offered ${rate}/s for ${duration} s; answered all ${total} in ${(run.wallMs / 1000).toFixed(1)} s = ${achieved.toFixed(0)}/s; statuses ${JSON.stringify(statuses)}`,
    );
    for (const [kind, st] of Object.entries(byKind))
      log(`  ${kind}: p50 ${st.p50.toFixed(1)} ms, p99 ${st.p99.toFixed(1)} ms`);
    if (firstError) log(`  first non-200: ${firstError.status} ${firstError.error ?? firstError.body}`);
    log(
      `  latency from due time: p50 ${latency.p50.toFixed(1)} ms, p90 ${latency.p90.toFixed(1)}, p99 ${latency.p99.toFixed(1)}, max ${latency.max.toFixed(0)}`,
    );

    const loadAtEnd = load1();
    log(`  1-min load average: ${loadAtStart} at the start of the webhooks, ${loadAtEnd} at the end`);
    log('  waiting for the queue to process every intake ...');
    const drain = await waitForDrain(config, persistTo, built.uniqueCount);
    const checked = await verify(config, persistTo, built.uniques);
    const metaUnique = built.kinds.meta;
    let graphCalls = 0;
    let graphLeadsFetched = 0;
    for (const [id, n] of graph.calls)
      if (built.graphLeads.has(id)) {
        graphCalls += n;
        graphLeadsFetched++;
      }
    const c = checked.counts;
    // Stored exactly once, whatever the answers were (a request the client gave up on may have been accepted).
    const storedExactlyOnce =
      checked.missing === 0 &&
      checked.unexpected === 0 &&
      checked.wrongData === 0 &&
      c.leads === built.uniqueCount &&
      c.distinct_leads === built.uniqueCount &&
      c.intakes === built.uniqueCount &&
      c.intakes_done === built.uniqueCount &&
      c.events === built.uniqueCount &&
      c.assignments === built.uniqueCount &&
      c.assigned_leads === built.uniqueCount;
    const exactlyOnce = storedExactlyOnce && errors === 0;
    log(
      `  drained ${drain.seconds.toFixed(0)} s after the last answer; leads ${c.leads} (${checked.missing} missing, ${checked.unexpected} unexpected or doubled, ${checked.wrongData} with wrong data) for ${built.uniqueCount} unique; raw events ${c.events}; intakes ${JSON.stringify(drain.by)}; assignments ${JSON.stringify(checked.reasons)}; Graph API: ${graphLeadsFetched}/${metaUnique} Meta leads fetched with ${graphCalls} calls`,
    );
    log(
      exactlyOnce
        ? '  OK: every request answered 200 and every unique lead exists exactly once'
        : storedExactlyOnce
          ? `  FAILED: ${errors} requests not answered 200 (every unique lead is stored exactly once all the same)`
          : '  FAILED: see the counts above',
    );

    const report = {
      ranAt: new Date().toISOString(),
      command: `npm run bench:leads -- --rate ${rate} --duration ${duration} --duplicates ${dupShare} --connections ${connections} --via ${args.via}`,
      machine: `${cpus().length}× ${cpus()[0]?.model.trim() ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}, load ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}`,
      loadAverage1m: { atStart: loadAtStart, atEnd: loadAtEnd },
      noop,
      offered: { rate, duration, total, ...built.kinds },
      achievedRate: Math.round(achieved),
      sendSeconds: +(run.sendMs / 1000).toFixed(1),
      wallSeconds: +(run.wallMs / 1000).toFixed(1),
      statuses,
      answeredAccepted: accepted,
      latencyFromDueMs: latency,
      latencyFromDueMsByKind: byKind,
      serviceMs: service,
      drainSecondsAfterLastAnswer: +drain.seconds.toFixed(0),
      intakes: drain.by,
      stored: c,
      assignmentReasons: checked.reasons,
      missing: checked.missing,
      unexpectedOrDoubled: checked.unexpected,
      wrongData: checked.wrongData,
      referralLeadsUnassigned: checked.unassignedReferral,
      graph: { metaUnique, leadsFetched: graphLeadsFetched, calls: graphCalls },
      storedExactlyOnce,
      exactlyOnce,
    };
    mkdirSync('bench/results', { recursive: true });
    writeFileSync(`bench/results/${args.out}.json`, `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(`bench/results/${args.out}.md`, renderMarkdown(report));
    if (!exactlyOnce) process.exitCode = 1;
  } finally {
    await worker.stop();
    await graph.close();
  }
}

function renderMarkdown(r) {
  const ms = (x) => x.toFixed(1);
  return `# Lead webhooks under load (${r.ranAt})

\`${r.command}\` — ${r.machine}

| | |
|---|--:|
| offered | ${r.offered.rate}/s for ${r.offered.duration} s = ${r.offered.total} requests |
| unique leads | ${r.offered.google} Google + ${r.offered.meta} Meta |
| redeliveries (same bytes and signature) | ${r.offered.googleDup + r.offered.metaDup} |
| achieved rate (all answered) | ${r.achievedRate}/s (${r.wallSeconds} s) |
| statuses | ${Object.entries(r.statuses)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ')} |
| answered "accepted" | ${r.answeredAccepted} |
| latency from due time p50 / p90 / p99 / max (ms) | ${ms(r.latencyFromDueMs.p50)} / ${ms(r.latencyFromDueMs.p90)} / ${ms(r.latencyFromDueMs.p99)} / ${ms(r.latencyFromDueMs.max)} |
| on the connection p50 / p99 (ms) | ${ms(r.serviceMs.p50)} / ${ms(r.serviceMs.p99)} |
| queue drained after the last answer | ${r.drainSecondsAfterLastAnswer} s |
| leads / intakes / raw events / assignments | ${r.stored.leads} / ${r.stored.intakes} / ${r.stored.events} / ${r.stored.assignments} |
| missing / doubled or unexpected / wrong data | ${r.missing} / ${r.unexpectedOrDoubled} / ${r.wrongData} |
| assignment reasons | ${Object.entries(r.assignmentReasons)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')} |
| Graph API (fake) | ${r.graph.leadsFetched} of ${r.graph.metaUnique} Meta leads fetched, ${r.graph.calls} calls |
| every unique lead stored exactly once | ${r.storedExactlyOnce ? 'yes' : '**no**'} |
| ... and every request answered 200 | ${r.exactlyOnce ? 'yes' : '**no**'} |
| 1-min load average at the start / end of the webhooks | ${r.loadAverage1m.atStart} / ${r.loadAverage1m.atEnd} |
| ceiling: no-op route in the same run (before the webhooks) | ${r.noop ? `offered ${r.noop.offered.rate}/s for ${r.noop.offered.duration} s: ${r.noop.achievedRate}/s answered (${r.noop.ok} of ${r.noop.offered.total} with 200), p50 / p99 ${ms(r.noop.latencyFromDueMs.p50)} / ${ms(r.noop.latencyFromDueMs.p99)} ms` : 'not measured'} |
`;
}

try {
  await main();
} finally {
  if (!args['keep-state']) rmSync(STATE, { recursive: true, force: true });
}
