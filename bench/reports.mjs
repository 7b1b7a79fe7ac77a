// npm run bench:reports [-- --sizes 100000,1000000] [--per-member 3] [--periods 12] [--port 8820] [--runs 30]
//                       [--warmup 3] [--disclosure-runs 10] [--keep-state]
//
// For each size: the network of bench:genealogy through the genealogy bulk import, one customer per third
// member (SQL, as bench:orders), `per-member` orders per distributor through the order import API (the report
// triggers of migration 0024 run in its apply step), leads and messages written by SQL (so the lead and outbox
// triggers run), then `periods` past periods closed and committed through the API (the commit writes the company
// rank counts; the job report.teamRanks then counts the teams in range steps, timed from the worker log). Then every report through GraphQL as staff (the company) and as the distributor with the largest team
// (their team), `runs` times each after `warmup`, and the income disclosure over the committed periods. The
// counters are checked against a recomputation from the raw rows first. Results: stdout and
// bench/results/reports.{md,json}.

import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createClient, globalId, pbkdf2Hash } from './lib/client.mjs';
import { importNetwork } from './lib/load.mjs';
import { codeVersion, load1, machine } from './lib/machine.mjs';
import { writeParts } from './lib/ndjson.mjs';
import { buildNetwork, describe } from './lib/network.mjs';
import { PRODUCTS, writeOrderParts } from './lib/orderFile.mjs';
import { LOGIN } from './lib/queries.mjs';
import { summarize } from './lib/stats.mjs';
import { applyMigrations, d1Query as d1QueryOnce, snapshotWorker, startWorker } from './lib/wrangler.mjs';

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100000' },
    'per-member': { type: 'string', default: '3' },
    periods: { type: 'string', default: '12' },
    port: { type: 'string', default: '8820' },
    runs: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '3' },
    // The income disclosure takes seconds at 100k and more: fewer runs of it.
    'disclosure-runs': { type: 'string', default: '10' },
    'keep-state': { type: 'boolean', default: false },
    // Orders, leads and messages are spread over this many days before now (default: every committed period
    // and the current month, so the team rollups of each committed period have data).
    'span-days': { type: 'string' },
    // Only rewrite bench/results/reports.md from reports.json (after a change of this renderer).
    'render-only': { type: 'boolean', default: false },
  },
});
const sizes = args.sizes.split(',').map((s) => Number(s.trim()));
const perMember = Number(args['per-member']);
const periodCount = Number(args.periods);
const port = Number(args.port);
const runs = Number(args.runs);
const spanDays = Number(args['span-days'] ?? (periodCount ? 30 * (periodCount + 1) : 80));
if (!(spanDays >= 1 && spanDays <= 800)) throw new Error('--span-days: 1 to 800');
const warmup = Number(args.warmup);
if (sizes.some((s) => !Number.isInteger(s) || s < 200 || s > 5_000_000))
  throw new Error('--sizes: whole numbers from 200 to 5,000,000');
if (!(perMember >= 1 && perMember <= 20)) throw new Error('--per-member: 1 to 20');
if (!(periodCount >= 0 && periodCount <= 24)) throw new Error('--periods: 0 to 24');
if (!(runs >= 10 && runs <= 1000)) throw new Error('--runs: 10 to 1000');

const STATE = 'bench/.state';
const RESULTS_JSON = 'bench/results/reports.json';
const RESULTS_MD = 'bench/results/reports.md';
const STAFF = { email: 'bench-admin@example.com', password: `bench-${Date.now()}-password` };
const LEADER_PASSWORD = `leader-${Date.now()}-password`;
const log = (line) => console.log(line);
const TZ = 'Europe/Copenhagen';
const monthOf = (d) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit' }).format(d).slice(0, 7);
function addMonths(month, n) {
  const [y, m] = month.split('-').map(Number);
  const t = y * 12 + m - 1 + n;
  return `${Math.floor(t / 12)}-${String((t % 12) + 1).padStart(2, '0')}`;
}

async function d1Query(config, persistTo, sql) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await d1QueryOnce(config, persistTo, sql);
    } catch (e) {
      if (attempt >= 60 || !/SQLITE_BUSY|database is locked|commit token/.test(String(e?.stdout ?? e)))
        throw e;
      await new Promise((r) => setTimeout(r, 5_000));
    }
  }
}

const CREATE_PRODUCT = `mutation($input: CreateProductInput!) { createProduct(input: $input) { __typename
  ... on MutationCreateProductSuccess { product { id } } ... on Error { message } } }`;
const CREATE_ORDER_IMPORT = `mutation($input: CreateOrderImportInput!) { createOrderImport(input: $input) {
  __typename ... on MutationCreateOrderImportSuccess { import { id } } ... on Error { message } } }`;
const START_ORDER_IMPORT = `mutation($input: StartOrderImportInput!) { startOrderImport(input: $input) {
  __typename ... on Error { message } } }`;
const ORDER_IMPORT = `query($id: ID!) { orderImport(id: $id) { status error progress { step done total } } }`;
const CREATE_PLAN = `mutation($input: CreatePlanVersionInput!) { createPlanVersion(input: $input) { __typename
  ... on MutationCreatePlanVersionSuccess { planVersion { id } } ... on Error { message } } }`;
const SCHEDULE_PLAN = `mutation($input: SchedulePlanVersionInput!) { schedulePlanVersion(input: $input) {
  __typename ... on Error { message } } }`;
const START_CLOSE = `mutation($input: StartPeriodCloseInput!) { startPeriodClose(input: $input) { __typename
  ... on Error { message } } }`;
const COMMIT = `mutation($input: CommitPeriodInput!) { commitPeriod(input: $input) { __typename ... on Error { message } } }`;
const PERIOD_STATUS = `query($p: String!) { commissionPeriod(period: $p) { status error } }`;

const RANGE = '$from: String!, $to: String!, $d: ID';
const ARGS = 'from: $from, to: $to, distributorId: $d';
const REPORTS = {
  sales: `query(${RANGE}) { salesReport(${ARGS}) { scope rows { period market sku currency kind quantity amount qv cv }
    team { period groupQv groupCv ownQv ownCv ownCustomerQv ownCustomerCv } } }`,
  teamGrowth: `query(${RANGE}) { teamGrowthReport(${ARGS}) { month enrollments terminations netGrowth } }`,
  retention: `query(${RANGE}) { retentionReport(${ARGS}) { cohort customers returning returningBasisPoints } }`,
  ranks: `query(${RANGE}) { rankDistributionReport(${ARGS}) { period rank members } }`,
  leadFunnel: `query(${RANGE}) { leadFunnelReport(${ARGS}) { source campaign new contacted qualified converted
    medianHoursToFirstContact } }`,
  messages: `query(${RANGE}) { messagePerformanceReport(${ARGS}, days: 7) { channel template sent delivered failed
    optedOut replied orderedWithinDays } }`,
};
const DISCLOSURE = `query($from: String, $to: String) { incomeDisclosure(from: $from, to: $to) { periods participants
  all { count median mean } groups { rank statistics { count median } } } }`;

function ok(result, what) {
  if (!result.__typename.endsWith('Success'))
    throw new Error(`${what}: ${result.__typename}: ${result.message ?? JSON.stringify(result)}`);
  return result;
}

async function login(base, email, password) {
  const client = createClient(base);
  const r = (await client.post(LOGIN, { input: { email, password } })).login;
  if (!r.session) throw new Error(`login ${email} failed: ${JSON.stringify(r)}`);
  client.setToken(r.session.token);
  return client;
}

async function createProducts(client) {
  for (const p of PRODUCTS)
    ok(
      (
        await client.post(CREATE_PRODUCT, {
          input: {
            sku: p.sku,
            names: { da: p.sku, pl: p.sku, de: p.sku, en: p.sku },
            qv: p.qv,
            cv: p.cv,
            isStarterKit: false,
            prices: [
              { currency: 'DKK', retail: 29900, wholesale: 22400 },
              { currency: 'EUR', retail: 3990, wholesale: 2990 },
              { currency: 'PLN', retail: 17900, wholesale: 13400 },
            ],
          },
        })
      ).createProduct,
      'createProduct',
    );
}

async function importOrders(client, parts) {
  const t0 = performance.now();
  const id = ok(
    (await client.post(CREATE_ORDER_IMPORT, { input: { format: 'NDJSON' } })).createOrderImport,
    'createOrderImport',
  ).import.id;
  let next = 0;
  const upload = async () => {
    while (next < parts.length) {
      const n = next++;
      const res = await fetch(`${client.base}/imports/orders/${encodeURIComponent(id)}/parts/${n + 1}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${client.token}`, 'content-type': 'application/x-ndjson' },
        body: readFileSync(parts[n].file),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`PUT part ${n + 1}: HTTP ${res.status}: ${text.slice(0, 300)}`);
    }
  };
  await Promise.all([upload(), upload()]);
  const uploadMs = performance.now() - t0;
  ok((await client.post(START_ORDER_IMPORT, { input: { id } })).startOrderImport, 'startOrderImport');
  const tStart = performance.now();
  for (;;) {
    const imp = (await client.post(ORDER_IMPORT, { id })).orderImport;
    if (imp.status === 'DONE') break;
    if (imp.status === 'REJECTED' || imp.status === 'FAILED')
      throw new Error(`order import ${imp.status}: ${imp.error ?? ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const end = performance.now();
  return { totalMs: end - t0, uploadMs, processMs: end - tStart };
}

async function waitForStatus(client, period, status, timeoutMs) {
  const t0 = performance.now();
  for (;;) {
    const p = (await client.post(PERIOD_STATUS, { p: period })).commissionPeriod;
    if (p?.error) throw new Error(`period ${period}: ${p.error}`);
    if (p?.status === status) return;
    if (performance.now() - t0 > timeoutMs) throw new Error(`period ${period} never reached ${status}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const TEAM_RANK_JOBS = `query { jobs(kind: "report.teamRanks", first: 50) { edges { node { key status lastError } } } }`;

/** Waits for the team rank job of a committed period (report.teamRanks, run by the queue after the commit). */
async function waitForTeamRanks(client, period, timeoutMs) {
  const t0 = performance.now();
  for (;;) {
    const jobs = (await client.post(TEAM_RANK_JOBS, {})).jobs.edges.map((e) => e.node);
    const job = jobs.find((j) => j.key === `report-team-ranks:${period}`);
    if (job?.status === 'DONE') return;
    if (job?.status === 'FAILED') throw new Error(`team ranks of ${period}: ${job.lastError}`);
    if (performance.now() - t0 > timeoutMs) throw new Error(`team ranks of ${period} never finished`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The `[report.teamRanks] <period> ids a..b ms=n cells=n` lines of the wrangler log (one per range step). */
function teamRankSteps(logFile, period) {
  const steps = [];
  const re = new RegExp(`\\[report\\.teamRanks\\] ${period} ids \\d+\\.\\.\\d+ ms=(\\d+) cells=(\\d+)`, 'g');
  for (const m of readFileSync(logFile, 'utf8').matchAll(re))
    steps.push({ ms: Number(m[1]), cells: Number(m[2]) });
  return steps;
}

/**
 * Closes and commits the `count` periods before this month, oldest first; after each commit waits for its team
 * rank job. Returns per-period timings (the job's range steps from the worker's log).
 */
async function closePeriods(client, count, logFile) {
  const planJson = JSON.parse(
    readFileSync('src/modules/commissions/plans/examples/unilevel-ranks.json', 'utf8'),
  );
  const version = ok(
    (await client.post(CREATE_PLAN, { input: { name: 'bench reports', plan: planJson } })).createPlanVersion,
    'createPlanVersion',
  ).planVersion;
  ok(
    (await client.post(SCHEDULE_PLAN, { input: { id: version.id, effectiveFrom: '2020-01' } }))
      .schedulePlanVersion,
    'schedulePlanVersion',
  );
  const now = monthOf(new Date());
  const out = [];
  for (let k = count; k >= 1; k--) {
    const period = addMonths(now, -k);
    const t0 = performance.now();
    ok(
      (await client.post(START_CLOSE, { input: { period } })).startPeriodClose,
      `startPeriodClose ${period}`,
    );
    await waitForStatus(client, period, 'REVIEW', 30 * 60_000);
    const t1 = performance.now();
    ok((await client.post(COMMIT, { input: { period } })).commitPeriod, `commitPeriod ${period}`);
    const t2 = performance.now();
    await waitForTeamRanks(client, period, 30 * 60_000);
    const t3 = performance.now();
    // The step lines may lag the job's DONE by a moment.
    await new Promise((r) => setTimeout(r, 500));
    const steps = teamRankSteps(logFile, period);
    const stepMs = steps.map((x) => x.ms).sort((a, b) => a - b);
    out.push({
      period,
      closeMs: Math.round(t1 - t0),
      commitMs: Math.round(t2 - t1),
      teamRanksMs: Math.round(t3 - t2),
      teamRankSteps: steps.length,
      teamRankStepMedianMs: stepMs[stepMs.length >> 1] ?? null,
      teamRankStepMaxMs: stepMs.at(-1) ?? null,
    });
    log(
      `  ${period}: close ${((t1 - t0) / 1000).toFixed(1)} s, commit ${((t2 - t1) / 1000).toFixed(2)} s, team ranks ${((t3 - t2) / 1000).toFixed(1)} s (${steps.length} range steps, each ${stepMs.join('/')} ms)`,
    );
  }
  return out;
}

/** Leads (one per 10 members, at most 20,000) and messages (one per 5, at most 40,000) written through their triggers. */
async function seedLeadsAndMessages(config, persistTo, size) {
  const t0 = performance.now();
  const leads = Math.min(20_000, Math.max(10, Math.floor(size / 10)));
  const messages = Math.min(40_000, Math.max(10, Math.floor(size / 5)));
  // Leads of the last spanDays days, assigned to every 10th member, 3 sources × 5 campaigns.
  await d1Query(
    config,
    persistTo,
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${leads})
     INSERT INTO lead (source, external_id, status, campaign_id, assigned_distributor_id, created_at, updated_at)
     SELECT CASE i % 3 WHEN 0 THEN 'META' WHEN 1 THEN 'GOOGLE_ADS' ELSE 'GENERIC' END,
       'bench-' || i, 'NEW', 'campaign-' || (i % 5), (SELECT id FROM distributor WHERE id = 1 + (i * 10) % ${size}),
       strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || (i % ${spanDays}) || ' days'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || (i % ${spanDays}) || ' days')
     FROM n`,
  );
  const tLeads = performance.now();
  // Half the leads contacted (i % 2 = 0) a few hours in, a quarter then qualified, an eighth converted.
  for (const [from, to, mod, hours] of [
    ['NEW', 'CONTACTED', 2, 'abs(random() % 72)'],
    ['CONTACTED', 'QUALIFIED', 4, '80'],
    ['QUALIFIED', 'CONVERTED', 8, '100'],
  ])
    await d1Query(
      config,
      persistTo,
      `INSERT INTO lead_status_change (lead_id, from_status, to_status, actor, created_at)
       SELECT id, '${from}', '${to}', 'bench', strftime('%Y-%m-%dT%H:%M:%fZ', created_at, '+' || ${hours} || ' hours')
       FROM lead WHERE external_id LIKE 'bench-%' AND (substr(external_id, 7) + 0) % ${mod} = 0;
       UPDATE lead SET status = '${to}' WHERE external_id LIKE 'bench-%' AND (substr(external_id, 7) + 0) % ${mod} = 0`,
    );
  const tPipeline = performance.now();
  // Messages to customers, owned by their distributor, over the last spanDays days, 3 templates; then sent, and
  // delivered or failed.
  await d1Query(
    config,
    persistTo,
    `INSERT INTO message_outbox (recipient_type, recipient_id, address, channel, purpose, template_key, locale, body,
       sender_kind, sender, owner_distributor_id, idempotency_key, created_at, updated_at)
     SELECT 'CUSTOMER', c.id, '+45' || (10000000 + c.id), CASE c.id % 2 WHEN 0 THEN 'SMS' ELSE 'EMAIL' END, 'MARKETING',
       'promo-' || (c.id % 3), c.locale, 'Hi', 'DISTRIBUTOR', 'bench', c.owner_id, 'bench-' || c.id,
       strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || (c.id % ${spanDays}) || ' days'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || (c.id % ${spanDays}) || ' days')
     FROM customer c ORDER BY c.id LIMIT ${messages}`,
  );
  const tQueued = performance.now();
  await d1Query(
    config,
    persistTo,
    `UPDATE message_outbox SET status = 'SENT', sent_at = created_at WHERE idempotency_key LIKE 'bench-%';
     UPDATE message_outbox SET status = CASE id % 10 WHEN 0 THEN 'FAILED' ELSE 'DELIVERED' END, delivered_at = created_at
       WHERE idempotency_key LIKE 'bench-%';
     INSERT INTO message_consent (subject_type, subject_id, channel, action, source, recorded_by, recorded_at)
       SELECT recipient_type, recipient_id, channel, 'WITHDRAWN', 'bench', 'recipient', created_at
       FROM message_outbox WHERE idempotency_key LIKE 'bench-%' AND id % 50 = 0`,
  );
  const end = performance.now();
  return {
    leads,
    messages,
    leadsMs: Math.round(tLeads - t0),
    pipelineMs: Math.round(tPipeline - tLeads),
    queueMs: Math.round(tQueued - tPipeline),
    statusMs: Math.round(end - tQueued),
  };
}

/**
 * The leader's team views against a recomputation from the raw rows (the team by sponsor-path prefix), and the
 * size of the team rollup tables (migration 0031).
 */
async function checkTeam(config, persistTo, leader, leaderId, range) {
  const SALES = `query($from: String!, $to: String!) { salesReport(from: $from, to: $to) { rows { qv amount } } }`;
  const FUNNEL = `query($from: String!, $to: String!) { leadFunnelReport(from: $from, to: $to) { new } }`;
  const MESSAGES = `query($from: String!, $to: String!) { messagePerformanceReport(from: $from, to: $to) { delivered } }`;
  const sum = (rows, k) => rows.reduce((s, r) => s + r[k], 0);
  const sales = (await leader.post(SALES, range)).salesReport.rows;
  const funnel = (await leader.post(FUNNEL, range)).leadFunnelReport;
  const messages = (await leader.post(MESSAGES, range)).messagePerformanceReport;
  const [raw] = await d1Query(
    config,
    persistTo,
    `SELECT
       (SELECT sum(l.quantity * l.unit_qv) FROM distributor x JOIN sales_order o ON o.distributor_id = x.id
          JOIN order_line l ON l.order_id = o.id
        WHERE x.sponsor_path LIKE t.sponsor_path || '%' AND o.paid_at IS NOT NULL
          AND o.period BETWEEN '${range.from}' AND '${range.to}') AS qv,
       (SELECT count(*) FROM distributor x JOIN lead l ON l.assigned_distributor_id = x.id
        WHERE x.sponsor_path LIKE t.sponsor_path || '%' AND substr(l.created_at, 1, 7) BETWEEN '${range.from}' AND '${range.to}') AS leads,
       (SELECT count(*) FROM distributor x JOIN message_outbox m ON m.owner_distributor_id = x.id
        WHERE x.sponsor_path LIKE t.sponsor_path || '%' AND m.status = 'DELIVERED'
          AND substr(m.created_at, 1, 7) BETWEEN '${range.from}' AND '${range.to}') AS delivered
     FROM distributor t WHERE t.id = ${leaderId}`,
  );
  const kept = { qv: sum(sales, 'qv'), leads: sum(funnel, 'new'), delivered: sum(messages, 'delivered') };
  for (const k of Object.keys(kept))
    if (kept[k] !== (raw[k] ?? 0))
      throw new Error(`leader's team ${k} = ${kept[k]} but the raw rows give ${raw[k]}`);
  const [rows] = await d1Query(
    config,
    persistTo,
    `SELECT ${['sales', 'cohort', 'lead_funnel', 'lead_contact', 'message', 'message_ordered']
      .map((t) => `(SELECT count(*) FROM report_team_${t}) AS ${t}`)
      .join(', ')}`,
  );
  return { range, kept, salesRows: sales.length, rollupRows: rows };
}

/** The counters against a recomputation from the raw rows (company scope). */
async function checkCounters(config, persistTo) {
  const [r] = await d1Query(
    config,
    persistTo,
    `SELECT
       (SELECT sum(amount) FROM report_sales) AS salesAmount,
       (SELECT sum(l.quantity * l.unit_price) FROM order_line l JOIN sales_order o ON o.id = l.order_id WHERE o.status = 'PAID') AS ordersAmount,
       (SELECT sum(customers) FROM report_cohort WHERE scope_id = 0) AS cohortCells,
       (SELECT count(*) FROM (SELECT DISTINCT customer_id, period FROM sales_order WHERE status = 'PAID' AND customer_id IS NOT NULL)) AS customerMonths,
       (SELECT sum(leads) FROM report_lead_funnel WHERE scope_id = 0 AND stage = 1) AS contacted,
       (SELECT count(*) FROM lead WHERE status IN ('CONTACTED', 'QUALIFIED', 'CONVERTED')) AS contactedLeads,
       (SELECT sum(delivered) FROM report_message WHERE scope_id = 0) AS delivered,
       (SELECT count(*) FROM message_outbox WHERE status = 'DELIVERED') AS deliveredMessages`,
  );
  const pairs = [
    ['salesAmount', 'ordersAmount'],
    ['cohortCells', 'customerMonths'],
    ['contacted', 'contactedLeads'],
    ['delivered', 'deliveredMessages'],
  ];
  for (const [a, b] of pairs)
    if (r[a] !== r[b]) throw new Error(`counter ${a} = ${r[a]} but the raw rows give ${b} = ${r[b]}`);
  return r;
}

async function repeat(fn) {
  for (let i = 0; i < warmup; i++) await fn();
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return summarize(times);
}

async function measure(staff, leader, leaderId, periods) {
  const now = monthOf(new Date());
  const vars = { from: addMonths(now, -12), to: now };
  // A team's sales, retention, leads and messages cover committed periods only (an open month is
  // REPORT_NOT_READY, which client.post throws on): the leader reads the committed periods.
  const teamVars = periods.length ? { from: periods[0].period, to: periods.at(-1).period } : vars;
  const out = { staff: {}, leader: {}, csv: {}, teamRange: teamVars };
  const loadBefore = load1();
  for (const [name, query] of Object.entries(REPORTS)) {
    out.staff[name] = await repeat(() => staff.post(query, vars));
    out.leader[name] = await repeat(() => leader.post(query, teamVars));
    log(`  ${name}: staff ${fmt(out.staff[name])}; leader ${fmt(out.leader[name])}`);
  }
  for (const name of ['sales', 'team-growth']) {
    out.csv[name] = await repeat(async () => {
      const res = await fetch(`${staff.base}/reports/${name}.csv?from=${vars.from}&to=${vars.to}`, {
        headers: { authorization: `Bearer ${staff.token}` },
      });
      if (!res.ok) throw new Error(`CSV ${name}: HTTP ${res.status}`);
      await res.text();
    });
    log(`  ${name}.csv (staff): ${fmt(out.csv[name])}`);
  }
  if (periods.length) {
    const range = { from: periods[0].period, to: periods.at(-1).period };
    const times = [];
    for (let i = 0; i < Number(args['disclosure-runs']); i++) {
      const t0 = performance.now();
      await staff.post(DISCLOSURE, range);
      times.push(performance.now() - t0);
    }
    out.disclosure = summarize(times);
    log(`  incomeDisclosure ${range.from}..${range.to}: ${fmt(out.disclosure)}`);
  }
  out.leaderId = leaderId;
  out.load1m = [loadBefore, load1()];
  return out;
}

const CREATE_ORDER = `mutation($input: CreateOrderInput!) { createOrder(input: $input) { __typename
  ... on MutationCreateOrderSuccess { order { id } } ... on Error { message } } }`;
const MARK_PAID = `mutation($input: MarkOrderPaidInput!) { markOrderPaid(input: $input) { __typename ... on Error { message } } }`;

/**
 * What the report triggers cost a live write: markOrderPaid of a customer order of the deepest member with the
 * triggers, then with them dropped (last: the counters are not kept after this).
 */
async function writeCost(config, persistTo, staff) {
  const [buyer] = await d1Query(
    config,
    persistTo,
    `SELECT c.id AS customer, d.id AS distributor FROM customer c JOIN distributor d ON d.id = c.owner_id
     ORDER BY d.sponsor_depth DESC LIMIT 1`,
  );
  const [product] = await d1Query(config, persistTo, 'SELECT id FROM product ORDER BY id LIMIT 1');
  const pay = async () => {
    const created = ok(
      (
        await staff.post(CREATE_ORDER, {
          input: {
            distributorId: globalId(buyer.distributor),
            customerId: Buffer.from(`Customer:${buyer.customer}`).toString('base64'),
            lines: [{ productId: Buffer.from(`Product:${product.id}`).toString('base64'), quantity: 1 }],
          },
        })
      ).createOrder,
      'createOrder',
    );
    const t0 = performance.now();
    ok((await staff.post(MARK_PAID, { input: { id: created.order.id } })).markOrderPaid, 'markOrderPaid');
    return performance.now() - t0;
  };
  const timedPays = async () => {
    for (let i = 0; i < warmup; i++) await pay();
    const t = [];
    for (let i = 0; i < runs; i++) t.push(await pay());
    return summarize(t);
  };
  const withTriggers = await timedPays();
  const triggers = await d1Query(
    config,
    persistTo,
    "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'report_%' AND tbl_name = 'sales_order'",
  );
  await d1Query(config, persistTo, triggers.map((t) => `DROP TRIGGER ${t.name};`).join('\n'));
  const without = await timedPays();
  log(
    `  markOrderPaid (customer order, deepest member): with report triggers ${fmt(withTriggers)}; without ${fmt(without)}`,
  );
  return { payWithTriggers: withTriggers, payWithout: without };
}

async function benchSize(size) {
  const dir = join(STATE, `reports-${size}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const persistTo = resolve(dir, 'd1');
  log(
    `\n== ${size.toLocaleString('en-US')} members, ${(size * perMember).toLocaleString('en-US')} orders ==`,
  );
  const net = buildNetwork(size);
  const memberParts = writeParts(net, join(dir, 'members'));
  const file = writeOrderParts(size, join(dir, 'orders'), { perMember, now: Date.now(), spanDays });
  await applyMigrations(config, persistTo);
  await d1Query(
    config,
    persistTo,
    `INSERT INTO staff_user (email, name, role, password_hash, created_at) VALUES ('${STAFF.email}', 'Benchmark', 'ADMIN', '${pbkdf2Hash(STAFF.password)}', '${new Date().toISOString()}')`,
  );
  const worker = await startWorker({ config, port, persistTo, logFile: join(dir, 'wrangler.log') });
  try {
    const staff = await login(worker.base, STAFF.email, STAFF.password);
    const network = await importNetwork(staff, memberParts, { log: () => {} });
    log(`  network imported in ${(network.totalMs / 1000).toFixed(1)} s`);
    await d1Query(
      config,
      persistTo,
      `INSERT INTO customer (owner_id, first_name, last_name, country, locale, created_at, updated_at, external_id)
       SELECT id, 'Kunde', last_name, country, locale, joined_at, joined_at, 'C' || (substr(external_id, 2) + 0)
       FROM distributor WHERE (substr(external_id, 2) + 0) % 3 = 0`,
    );
    await createProducts(staff);
    const imported = await importOrders(staff, file.parts);
    log(
      `  ${file.orders} orders imported in ${(imported.totalMs / 1000).toFixed(1)} s (start → DONE ${(imported.processMs / 1000).toFixed(1)} s)`,
    );
    const seeded = await seedLeadsAndMessages(config, persistTo, size);
    log(`  seeded: ${JSON.stringify(seeded)}`);
    const periods = periodCount ? await closePeriods(staff, periodCount, join(dir, 'wrangler.log')) : [];
    const check = await checkCounters(config, persistTo);
    log(`  counters check: ${JSON.stringify(check)}`);
    // The distributor with the largest team below the root signs in as themself.
    const [leaderRow] = await d1Query(
      config,
      persistTo,
      'SELECT id, email, team_size FROM distributor WHERE sponsor_depth = 1 ORDER BY team_size DESC LIMIT 1',
    );
    await d1Query(
      config,
      persistTo,
      `UPDATE distributor SET password_hash = '${pbkdf2Hash(LEADER_PASSWORD)}' WHERE id = ${leaderRow.id}`,
    );
    const leader = await login(worker.base, leaderRow.email, LEADER_PASSWORD);
    log(`  leader ${leaderRow.id}: team of ${leaderRow.team_size}`);
    const teamCheck = periods.length
      ? await checkTeam(config, persistTo, leader, leaderRow.id, {
          from: periods[0].period,
          to: periods.at(-1).period,
        })
      : null;
    log(`  team check: ${JSON.stringify(teamCheck)}`);
    const m = await measure(staff, leader, globalId(leaderRow.id), periods);
    m.writes = await writeCost(config, persistTo, staff);
    return {
      size,
      network: describe(net),
      networkImportMs: network.totalMs,
      orders: { count: file.orders, lines: file.lines, paid: file.paid },
      orderImport: imported,
      seeded,
      periods,
      check,
      teamCheck,
      spanDays,
      leaderTeam: leaderRow.team_size,
      measure: m,
      runs,
      warmup,
      ranAt: new Date().toISOString(),
      commit,
      machine,
    };
  } finally {
    await worker.stop();
    if (!args['keep-state']) rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (s) => `median ${s.median.toFixed(1)} ms, p95 ${s.p95.toFixed(1)} ms`;
const ms = (s) => (s ? `${s.median.toFixed(1)} / ${s.p95.toFixed(1)}` : '–');
const sec = (v) => (v == null ? '–' : (v / 1000).toFixed(1));
const ROWS = [
  ['Members (network import, s)', (r) => `${r.size.toLocaleString('en-US')} (${sec(r.networkImportMs)})`, ''],
  [
    'Orders (order import create → DONE, s)',
    (r) => `${r.orders.count.toLocaleString('en-US')} (${sec(r.orderImport.totalMs)})`,
    '',
  ],
  ['Leader’s team size', (r) => r.leaderTeam.toLocaleString('en-US'), ''],
  ...Object.keys(REPORTS).flatMap((name) => [
    [`${name}, staff (company)`, (r) => ms(r.measure.staff[name]), '≤ 200'],
    [`${name}, leader (own team)`, (r) => ms(r.measure.leader[name]), '≤ 200'],
  ]),
  ['sales.csv, staff', (r) => ms(r.measure.csv.sales), ''],
  ['team-growth.csv, staff', (r) => ms(r.measure.csv['team-growth']), ''],
  [
    'incomeDisclosure over the committed periods',
    (r) => `${ms(r.measure.disclosure)} (${r.periods.length} periods)`,
    '',
  ],
  ['Close + commit per period, median (s)', (r) => periodMedian(r, 'closeMs'), ''],
  ['  of which commit (company rank counts), median (s)', (r) => periodMedian(r, 'commitMs'), ''],
  [
    'Team rank + rollup job after the commit (commit → DONE), median (s)',
    (r) => periodMedian(r, 'teamRanksMs'),
    '',
  ],
  [
    '  its range steps (25,000 ids each): count / median / max batch (ms)',
    (r) => {
      // Periods without a ranked member finish in one step that counts nothing.
      const p = r.periods.filter((x) => x.teamRankSteps > 0);
      if (!p.length) return '–';
      const med = (k) => p.map((x) => x[k]).sort((a, b) => a - b)[p.length >> 1];
      return `${med('teamRankSteps')} / ${med('teamRankStepMedianMs')} / ${Math.max(...p.map((x) => x.teamRankStepMaxMs))}`;
    },
    '< 30,000 per batch',
  ],
  [
    'Team rollup rows (all periods): sales / cohort / lead funnel / lead contact / message / ordered',
    (r) =>
      r.teamCheck
        ? ['sales', 'cohort', 'lead_funnel', 'lead_contact', 'message', 'message_ordered']
            .map((t) => r.teamCheck.rollupRows[t].toLocaleString('en-US'))
            .join(' / ')
        : '–',
    '',
  ],
  [
    'Leader’s team sales rows over the committed periods (period × market × product × kind)',
    (r) => (r.teamCheck ? r.teamCheck.salesRows.toLocaleString('en-US') : '–'),
    '',
  ],
  ['markOrderPaid (customer order) with report triggers', (r) => ms(r.measure.writes?.payWithTriggers), ''],
  ['markOrderPaid (customer order) without them', (r) => ms(r.measure.writes?.payWithout), ''],
  ['1-min load average before / after measuring', (r) => r.measure.load1m.join(' / '), ''],
];

function periodMedian(r, key) {
  if (!r.periods.length) return '–';
  const v = r.periods.map((p) => p[key]).sort((a, b) => a - b);
  return sec(v[v.length >> 1]);
}

function renderTable(results) {
  const list = Object.values(results.sizes).sort((a, b) => a.size - b.size);
  const head = ['', ...list.map((r) => r.size.toLocaleString('en-US')), 'Target'];
  const lines = [
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
  ];
  for (const [label, cell, target] of ROWS)
    lines.push(`| ${[label, ...list.map(cell), target].join(' | ')} |`);
  return lines.join('\n');
}

function renderMarkdown(results) {
  const list = Object.values(results.sizes).sort((a, b) => a.size - b.size);
  return `# Reports benchmark

Produced by \`npm run bench:reports\` (bench/reports.mjs). For each size the network of \`bench:genealogy\` is
loaded through the genealogy bulk import, every third member gets a customer (SQL), ${list.map((r) => `${r.size.toLocaleString('en-US')}: ${Math.round(r.orders.count / r.size)}`).join(', ')} orders per member go
through the order import API (bench/lib/orderFile.mjs, paid over the last ${list.map((r) => `${r.size.toLocaleString('en-US')}: ${r.spanDays ?? 80}`).join(', ')} days), one lead per 10 members
(at most 20,000) and one message per 5 members (at most 40,000) over the same days are written by SQL with their status changes (so the triggers of migration 0024
run as they do for the live paths), and the ${list.map((r) => `${r.size.toLocaleString('en-US')}: ${r.periods.length}`).join(', ')} periods before this month are closed and committed
through the API (unilevel-ranks example plan; after each commit the job report.teamRanks counts the team ranks
and rolls up the team sales, retention, leads and messages of migration 0031). The company counters and the
leader's team views are checked against a recomputation from the raw rows. Then every report through GraphQL
on loopback against \`wrangler dev\` (local D1): as staff (the company, the last 13 months) and as the
distributor with the largest team below the root, signed in as themself (their team, the committed periods).
**Median / p95 in ms**, ${list[0]?.runs ?? '?'} sequential requests after ${list[0]?.warmup ?? '?'} warm-up.

${renderTable(results)}

Seeding (ms): ${list.map((r) => `${r.size.toLocaleString('en-US')}: ${JSON.stringify(r.seeded)}`).join('; ')}

Periods (close to REVIEW / commit / team rank job, ms): ${list.map((r) => `${r.size.toLocaleString('en-US')}: ${r.periods.map((p) => `${p.period} ${p.closeMs}/${p.commitMs}/${p.teamRanksMs ?? '–'}`).join(', ')}`).join('; ')}

Runs:
${list.map((r) => `- ${r.size.toLocaleString('en-US')}: ${r.ranAt}, code ${r.commit}, ${r.machine}, 1-min load average ${r.measure.load1m.join(' / ')}${r.measure.load1m[0] > 1.5 || r.measure.load1m[1] > 1.5 ? ' (busy machine: other work was running)' : ''}`).join('\n')}
`;
}

if (args['render-only']) {
  writeFileSync(RESULTS_MD, renderMarkdown(JSON.parse(readFileSync(RESULTS_JSON, 'utf8'))));
  console.log(`rewritten ${RESULTS_MD}`);
  process.exit(0);
}
const commit = codeVersion();
log(`bundling the worker (${commit}) ...`);
const config = await snapshotWorker(resolve(STATE, 'reports-build'));
const results = existsSync(RESULTS_JSON) ? JSON.parse(readFileSync(RESULTS_JSON, 'utf8')) : { sizes: {} };
for (const size of sizes) {
  const r = await benchSize(size);
  results.sizes[String(size)] = r;
  mkdirSync(dirname(RESULTS_JSON), { recursive: true });
  writeFileSync(RESULTS_JSON, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(RESULTS_MD, renderMarkdown(results));
}
if (!args['keep-state']) rmSync(resolve(STATE, 'reports-build'), { recursive: true, force: true });
console.log(`\n${renderTable(results)}\n\nwritten to ${RESULTS_MD}`);
