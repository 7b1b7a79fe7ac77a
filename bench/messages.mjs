// npm run bench:messages [-- --recipients 100000] [--port 8805] [--fake-port 8806] [--timeout-min 30]
//                        [--latency-ms 50] [--preview-runs 200] [--source HEAD|worktree] [--name messages]
//
// A staff SMS broadcast through `wrangler dev` (real GraphQL, queue consumer and D1) against a local fake of
// Twilio's Messages API (bench/lib/fakeTwilio.mjs: ~50 ms per send, 1 % 429 with Retry-After: 1, 1 % 500, and
// 10 % of sends accepted and then the connection reset, so that their queue messages are redelivered and
// must be recovered by the lookup instead of a second send).
//
// Seeding: migrations, then one INSERT ... WITH RECURSIVE straight into the local D1 file (node:sqlite) before
// the worker starts: one distributor, N Danish customers with a mobile number and SMS consent, the staff user,
// and messaging settings (Twilio, sender, no quiet hours). Measured: previewMessage (sequential, after
// warm-up), then startBroadcast → broadcast DONE (fan-out), → every outbox row final (not QUEUED/SENDING),
// messages per second, and the exactly-once check against the D1 file and the fake's log.
// Results: stdout and bench/results/messages.{md,json}.

import { join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { parseArgs } from 'node:util';
import { createClient, pbkdf2Hash } from './lib/client.mjs';
import { startFakeTwilio } from './lib/fakeTwilio.mjs';
import { d1File, load1, machine } from './lib/machine.mjs';
import { LOGIN } from './lib/queries.mjs';
import { saveResults } from './lib/report.mjs';
import { summarize } from './lib/stats.mjs';
import { applyMigrations, snapshotWorker, startWorker } from './lib/wrangler.mjs';

const { values: args } = parseArgs({
  options: {
    recipients: { type: 'string', default: '100000' },
    port: { type: 'string', default: '8805' },
    'fake-port': { type: 'string', default: '8806' },
    'timeout-min': { type: 'string', default: '30' },
    'latency-ms': { type: 'string', default: '50' },
    'preview-runs': { type: 'string', default: '200' },
    source: { type: 'string', default: 'HEAD' },
    name: { type: 'string', default: 'messages' },
  },
});
const N = Number(args.recipients);
const port = Number(args.port);
const fakePort = Number(args['fake-port']);
const timeoutMs = Number(args['timeout-min']) * 60_000;
const previewRuns = Number(args['preview-runs']);
// The progress count is a synchronous SQLite read in this process, which also serves the fake provider: at
// 100,000 rows it blocks the fake for tens of ms, so large runs poll less often (2 s at 100,000).
const pollMs = Math.max(500, Math.min(2000, Math.round(N / 50)));
if (!(Number.isInteger(N) && N >= 10 && N <= 899_999)) throw new Error('--recipients: 10 to 899,999');

const STATE = resolve('bench/.state/messages');
const RESULTS_JSON = `bench/results/${args.name}.json`;
const RESULTS_MD = `bench/results/${args.name}.md`;
const STAFF = { email: 'bench-admin@example.com', password: `bench-${Date.now()}-password` };
const SID = 'ACbench00000000000000000000000000';
const SENDER = '+4570000000';
const TEXT = 'Spring sale: 20 % off every order this week. Reply STOP to opt out.';
const log = (line) => console.log(line);
const sec = (ms) => (ms / 1000).toFixed(1);

function seed(file) {
  const db = new DatabaseSync(file);
  const now = new Date().toISOString();
  db.exec('BEGIN');
  db.prepare(
    `INSERT INTO staff_user (email, name, role, password_hash, created_at) VALUES (?, 'Benchmark', 'ADMIN', ?, ?)`,
  ).run(STAFF.email, pbkdf2Hash(STAFF.password), now);
  db.prepare(
    `INSERT INTO distributor (id, referral_code, first_name, last_name, search_name, country, locale, status, joined_at,
       sponsor_path, sponsor_depth, placement_path, placement_depth, created_at, updated_at)
     VALUES (1, 'BENCH1', 'Bench', 'Owner', 'bench owner', 'DK', 'da', 'ACTIVE', ?, '/1/', 0, '/1/', 0, ?, ?)`,
  ).run(now, now, now);
  // Danish mobile numbers +45 41 100001.. (unique; +45 400... are not valid), SMS consent given.
  db.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
     INSERT INTO customer (owner_id, first_name, last_name, phone, country, locale, consent_sms_at, consent_source, created_at, updated_at)
     SELECT 1, 'Kunde', 'Nr' || i, '+4541' || (100000 + i), 'DK', 'da', ?, 'form:bench', ?, ? FROM n`,
  ).run(N, now, now, now);
  db.prepare(
    `UPDATE messaging_settings SET sms_provider = 'TWILIO', sms_sender = ?, quiet_hours_start = '00:00',
       quiet_hours_end = '00:00', updated_at = ? WHERE id = 1`,
  ).run(SENDER, now);
  db.exec('COMMIT');
  db.close();
}

const START = `mutation($input: BroadcastInput!) { startBroadcast(input: $input) { __typename
  ... on MutationStartBroadcastSuccess { broadcast { id status } } ... on Error { message } } }`;
const DRY_RUN = `query($input: BroadcastInput!) { broadcastDryRun(input: $input) { recipients sendable withoutConsent withoutAddress suppressed } }`;
const BROADCAST = `query($id: ID!) { node(id: $id) { ... on Broadcast { status queued suppressed skipped } } }`;
const PREVIEW = `query($input: SendMessageInput!) { previewMessage(input: $input) { address text smsEncoding smsSegments } }`;

async function main() {
  log(`messages: ${N.toLocaleString('en-US')} recipients, machine ${machine}, load ${load1()}`);
  const config = await snapshotWorker(join(STATE, 'build'), args.source);
  const persistTo = join(STATE, 'db');
  const { rmSync } = await import('node:fs');
  rmSync(persistTo, { recursive: true, force: true });
  await applyMigrations(config, persistTo);
  const file = d1File(persistTo);
  let t = performance.now();
  seed(file);
  const seedMs = performance.now() - t;
  log(`  seeded ${N} customers in ${sec(seedMs)} s`);

  const fake = await startFakeTwilio({ port: fakePort, sid: SID, latencyMs: Number(args['latency-ms']) });
  let worker;
  try {
    worker = await startWorker({
      config,
      port,
      persistTo,
      logFile: join(STATE, 'wrangler.log'),
      extraArgs: [
        '--var',
        `TWILIO_ACCOUNT_SID:${SID}`,
        '--var',
        'TWILIO_AUTH_TOKEN:bench-token',
        '--var',
        `TWILIO_API_BASE:${fake.base}`,
        '--var',
        `PUBLIC_BASE_URL:http://127.0.0.1:${port}`,
      ],
    });
    const client = createClient(worker.base);
    const r = (await client.post(LOGIN, { input: STAFF })).login;
    if (!r.session) throw new Error(`login failed: ${JSON.stringify(r)}`);
    client.setToken(r.session.token);

    // previewMessage: a marketing SMS to one customer.
    const recipientId = Buffer.from('Customer:1').toString('base64');
    const pinput = { recipientId, channel: 'SMS', purpose: 'MARKETING', text: TEXT };
    for (let i = 0; i < 20; i++) await client.post(PREVIEW, { input: pinput });
    const previews = [];
    for (let i = 0; i < previewRuns; i++)
      previews.push(await client.timed(PREVIEW, { input: pinput }, (d) => d.previewMessage.smsSegments));
    const preview = summarize(previews);
    log(`  previewMessage: median ${preview.median.toFixed(1)} ms, p95 ${preview.p95.toFixed(1)} ms`);

    const input = {
      name: 'Bench broadcast',
      channel: 'SMS',
      purpose: 'MARKETING',
      text: TEXT,
      segment: { kind: 'CUSTOMERS', country: 'DK' },
    };
    const dry = (await client.post(DRY_RUN, { input })).broadcastDryRun;
    log(`  dry run: ${JSON.stringify(dry)}`);
    const loadBefore = load1();
    t = performance.now();
    const started = (await client.post(START, { input })).startBroadcast;
    if (!started.broadcast) throw new Error(`startBroadcast: ${JSON.stringify(started)}`);
    const id = started.broadcast.id;
    const db = new DatabaseSync(file, { readOnly: true });
    const countFinal = db.prepare(
      `SELECT count(*) AS total, sum(status NOT IN ('QUEUED', 'SENDING')) AS final FROM message_outbox`,
    );
    let fanOutMs = null;
    let finalMs = null;
    const timeline = [];
    let lastLog = 0;
    for (;;) {
      const elapsed = performance.now() - t;
      if (fanOutMs == null) {
        const b = (await client.post(BROADCAST, { id })).node;
        if (b.status === 'DONE') fanOutMs = elapsed;
      }
      let c;
      try {
        c = countFinal.get();
      } catch {
        c = null; // busy: try again
      }
      if (c && elapsed - lastLog > 10_000) {
        lastLog = elapsed;
        timeline.push({ s: Math.round(elapsed / 1000), outbox: c.total, final: c.final ?? 0, load: load1() });
        log(
          `  ${sec(elapsed)} s: outbox ${c.total}, final ${c.final ?? 0}, load ${load1()}, fake ${JSON.stringify(fake.counts)}`,
        );
      }
      if (fanOutMs != null && c && c.total >= dry.sendable && c.final === c.total) {
        finalMs = elapsed;
        break;
      }
      if (elapsed > timeoutMs) break;
      await new Promise((res) => setTimeout(res, pollMs));
    }
    const loadAfter = load1();

    // Exactly-once check.
    const statuses = db
      .prepare(`SELECT status, count(*) AS n FROM message_outbox GROUP BY status ORDER BY status`)
      .all();
    const perRecipient = db
      .prepare(
        `SELECT count(*) AS recipients, sum(n = 1) AS once, sum(n > 1) AS dup FROM
           (SELECT recipient_id, count(*) AS n FROM message_outbox WHERE recipient_type = 'CUSTOMER' GROUP BY recipient_id)`,
      )
      .get();
    const sentRows = db
      .prepare(
        `SELECT address, provider_message_id FROM message_outbox WHERE provider_message_id IS NOT NULL`,
      )
      .all();
    db.close();
    let fakeDup = 0;
    let fakeUnmatched = 0;
    let fakeTotal = 0;
    for (const list of fake.accepted.values()) {
      fakeTotal += list.length;
      if (list.length > 1) fakeDup += list.length - 1;
    }
    const bySid = new Map();
    for (const list of fake.accepted.values()) for (const m of list) bySid.set(m.sid, m);
    let mismatched = 0;
    for (const row of sentRows) {
      const m = bySid.get(row.provider_message_id);
      if (!m || m.to !== row.address) mismatched++;
    }
    fakeUnmatched = fakeTotal - (sentRows.length - mismatched);
    const exactlyOnce = {
      recipients: N,
      recipientsWithOneMessage: perRecipient.once ?? 0,
      recipientsWithMore: perRecipient.dup ?? 0,
      recipientsWithNone: N - (perRecipient.recipients ?? 0),
      outboxByStatus: Object.fromEntries(statuses.map((s) => [s.status, s.n])),
      fakeAcceptedSends: fakeTotal,
      fakeDuplicateSends: fakeDup,
      fakeAcceptedWithoutOutboxRow: fakeUnmatched,
      outboxSidsNotAtFake: mismatched,
      ok:
        (perRecipient.once ?? 0) === N &&
        fakeDup === 0 &&
        fakeUnmatched === 0 &&
        mismatched === 0 &&
        finalMs != null,
    };
    const result = {
      recipients: N,
      ranAt: new Date().toISOString(),
      machine,
      load1m: [loadBefore, loadAfter],
      seedMs,
      pollMs,
      preview,
      fanOutMs,
      finalMs,
      perSecond: finalMs ? N / (finalMs / 1000) : null,
      fake: { ...fake.counts, latencyMs: Number(args['latency-ms']) },
      exactlyOnce,
      timeline,
    };
    log(JSON.stringify({ ...result, timeline: undefined }, null, 2));
    saveResults(RESULTS_JSON, result);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(RESULTS_MD, renderMarkdown(result));
    log(`wrote ${RESULTS_MD}`);
    if (!exactlyOnce.ok) process.exitCode = 1;
  } finally {
    await worker?.stop();
    await fake.close();
  }
}

export function renderTable(r) {
  const target = r.recipients === 100_000 ? '≤ 300 s' : '(100,000 in ≤ 300 s)';
  const eo = r.exactlyOnce;
  return [
    `| ${r.recipients.toLocaleString('en-US')} recipients (SMS, Twilio fake) | Result | Target |`,
    '| --- | ---: | ---: |',
    `| previewMessage median / p95 (ms) | ${r.preview.median.toFixed(1)} / ${r.preview.p95.toFixed(1)} | ≤ 20 median |`,
    `| startBroadcast → fan-out DONE (s) | ${r.fanOutMs == null ? 'not reached' : sec(r.fanOutMs)} | |`,
    `| startBroadcast → every message final (s) | ${r.finalMs == null ? 'not reached' : sec(r.finalMs)} | ${target} |`,
    `| Messages per second (end to end) | ${r.perSecond == null ? '–' : r.perSecond.toFixed(0)} | ≥ 333 |`,
    `| Recipients with exactly one message | ${eo.recipientsWithOneMessage.toLocaleString('en-US')} of ${eo.recipients.toLocaleString('en-US')} (more: ${eo.recipientsWithMore}, none: ${eo.recipientsWithNone}) | all |`,
    `| Accepted sends at the fake / duplicates | ${eo.fakeAcceptedSends.toLocaleString('en-US')} / ${eo.fakeDuplicateSends} | one each / 0 |`,
    `| Fake: 429 / 500 / accepted-then-reset / lookups (hits) | ${r.fake.r429} / ${r.fake.r500} / ${r.fake.resets} / ${r.fake.lookups} (${r.fake.lookupHits}) | |`,
    `| Outbox by status | ${Object.entries(eo.outboxByStatus)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')} | |`,
  ].join('\n');
}

function renderMarkdown(r) {
  return `# Messaging benchmark

Produced by \`npm run bench:messages -- --recipients ${r.recipients}\` (bench/messages.mjs) on ${r.ranAt}:
${r.machine}, shared with other agents; 1-min load average at start/end of the broadcast ${r.load1m.join(' / ')}.

A staff MARKETING SMS broadcast to ${r.recipients.toLocaleString('en-US')} Danish customers (mobile number, SMS
consent; seeded with one SQL statement into the local D1 file before \`wrangler dev\` started, ${sec(r.seedMs)} s),
through \`wrangler dev\` (GraphQL \`startBroadcast\`, the real queue consumer, local D1) against a local fake of
Twilio's Messages API (bench/lib/fakeTwilio.mjs, over HTTP via \`TWILIO_API_BASE\`): ${r.fake.latencyMs} ms per
send, 1 % \`429\` with \`Retry-After: 1\`, 1 % \`500\`, and **10 % redeliveries**: the fake accepts and stores the
message, then resets the connection before answering. The worker cannot tell whether the send happened, so the
queue message is retried (after a 10 s settle) and must find the message with Twilio's lookup
(\`GET Messages.json?To=&From=\`) instead of sending again: a redelivery of an already-sent message. A \`500\` is
retried after 1 s, 2 s, 4 s … (with jitter), a \`429\` after its \`Retry-After\`; retries look up first.
"Final" = no longer \`QUEUED\` or \`SENDING\` (the fake sends no status callbacks, so messages end \`SENT\`).
Times are from the \`startBroadcast\` answer, polling every ${r.pollMs / 1000} s.

${renderTable(r)}

Exactly-once: ${r.exactlyOnce.ok ? '**passed**' : '**FAILED**'} — every recipient has exactly one outbox row, the fake
accepted exactly one send per message, and every outbox provider id is a send the fake accepted for that number.

Progress (s since start: outbox rows/final, 1-min load):
${r.timeline.map((x) => `${x.s}: ${x.outbox}/${x.final}${x.load == null ? '' : ` (${x.load})`}`).join(', ')}
`;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
