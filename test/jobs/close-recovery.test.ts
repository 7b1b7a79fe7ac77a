import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { monthInZone } from '../../src/lib/time';
import { previousPeriod, startClose } from '../../src/modules/commissions/periods/lifecycle';
import { EXAMPLE_PLANS } from '../../src/modules/commissions/plans/examples';
import { MAX_REDRIVES } from '../../src/modules/jobs/model';
import { moveOrdersToPeriod, planInForce } from '../commissions/helpers';
import { adminToken, distributorToken, enroll, globalId, gql, gqlOk } from '../helpers';
import { createProduct, order, pay } from '../orders/helpers';
import { deliver, faultyDb, hourlyCron, jobRow, until } from './faults';

// The close of a period as a tracked job: killed, lost, failing and stalled steps recover through the real
// queue and cron handlers, or end FAILED where staff retry or cancel them; a redone close is byte-identical.

const TZ = 'Europe/Copenhagen';
const last = previousPeriod(monthInZone(new Date(), TZ));
const jobId = `period-close:${last}:1`;
let admin: string;
let member: number;

/** Starts the close as a Worker killed right after its batch would: CLOSING, job recorded, no message sent. */
const startWithLostMessage = () => startClose(env.DB, { send: async () => {} }, last, new Date());

const period = () => env.DB.prepare('SELECT * FROM commission_period WHERE id = ?').bind(last).first<any>();

async function dump() {
  const r = await env.DB.prepare('SELECT * FROM period_result WHERE period_id = ? ORDER BY distributor_id')
    .bind(last)
    .all();
  const l = await env.DB.prepare(
    'SELECT * FROM commission_line WHERE period_id = ? ORDER BY distributor_id, bonus, level, source_id',
  )
    .bind(last)
    .all();
  return JSON.stringify([r.results, l.results]);
}

const JOB = `query($id: ID!) { node(id: $id) { ... on Job { key status attempts redrives lastError step } } }`;
const PERIOD_JOB = `query($p: String!) { commissionPeriod(period: $p) { status error job { key status lastError } } }`;
const jobOf = async (key: string) => (await gqlOk(JOB, { id: globalId('Job', key) }, admin)).node;

async function staffAction(name: 'retryJob' | 'cancelJob', key: string) {
  const input = name === 'retryJob' ? 'RetryJobInput' : 'CancelJobInput';
  return (
    await gqlOk(
      `mutation($input: ${input}!) { ${name}(input: $input) { __typename ... on Error { message }
        ... on ConflictError { code } ... on Mutation${input.replace(/Input$/, 'Success')} { job { key status } } } }`,
      { input: { id: globalId('Job', key) } },
      admin,
    )
  )[name];
}

let reference: string;

beforeAll(async () => {
  admin = await adminToken();
  const root = await enroll(admin, null);
  const a = await enroll(admin, root);
  const b = await enroll(admin, a);
  member = b;
  const shake = await createProduct(admin, 'SHAKE', { qv: 120, cv: 10000 });
  for (const id of [root, a, b]) await pay(admin, await order(await distributorToken(id), [[shake, 2]]));
  await moveOrdersToPeriod(last);
  await planInForce(admin, 'Unilevel', EXAMPLE_PLANS.unilevelRanks);
});

describe('a period close as a tracked job', () => {
  it('a lost first message is re-sent by the watchdog once the job is stale, and the close completes', async () => {
    await startWithLostMessage();
    expect(await jobRow(jobId)).toMatchObject({
      status: 'QUEUED',
      step: 'period.snapshot',
      kind: 'period.close',
    });
    // Not stale yet: the hourly cron leaves it alone.
    await hourlyCron(0);
    expect(await jobRow(jobId)).toMatchObject({ status: 'QUEUED', redrives: 0 });
    // Past the heartbeat limit: re-sent through the real queue, snapshot → compute → REVIEW.
    await hourlyCron(21);
    await until(period, (p) => p.status === 'REVIEW', 'REVIEW after the re-drive');
    expect(await jobRow(jobId)).toMatchObject({ status: 'DONE', step: 'period.compute', redrives: 0 });
    reference = await dump();
    expect(JSON.parse(reference)[0].length).toBe(3);
  });

  it('a stale duplicate of an earlier step is acked and changes nothing', async () => {
    const r = await deliver([{ kind: 'period.snapshot', periodId: last, run: 1, jobId }]);
    expect(r.explicitAcks.length).toBe(1);
    expect(r.retryMessages).toEqual([]);
    expect(await dump()).toBe(reference);
    expect((await jobRow(jobId))!.status).toBe('DONE');
  });

  it('a step that keeps failing backs off, ends FAILED with the reason, and a staff retry completes it byte-identically', async () => {
    // Back to a fresh close of the same data: recompute is run 2 of the same snapshot.
    const run2 = `period-close:${last}:2`;
    const recomputed = await gqlOk(
      `mutation { recomputePeriod(input: { period: "${last}" }) { __typename } }`,
      {},
      admin,
    );
    expect(recomputed.recomputePeriod.__typename).toBe('MutationRecomputePeriodSuccess');
    await until(period, (p) => p.status === 'REVIEW' && p.run === 2, 'run 2');
    expect(await dump()).toBe(reference);
    // Run 3 with its message lost, then delivered by hand with the results table failing.
    await env.DB.prepare("UPDATE commission_period SET status = 'CLOSING', run = 3 WHERE id = ?")
      .bind(last)
      .run();
    const run3 = `period-close:${last}:3`;
    await env.DB.prepare(
      `INSERT INTO job (id, kind, subject, status, step, message, max_attempts, created_at, updated_at)
       VALUES (?, 'period.close', 'close', 'QUEUED', 'period.compute', ?, 12, ?, ?)`,
    )
      .bind(
        run3,
        JSON.stringify({ kind: 'period.compute', periodId: last, run: 3, jobId: run3 }),
        new Date().toISOString(),
        new Date().toISOString(),
      )
      .run();
    expect((await jobRow(run2))!.status).toBe('DONE');
    const broken = { ...env, DB: faultyDb(/period_result/) };
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 12; attempt++) {
      const r = await deliver([{ kind: 'period.compute', periodId: last, run: 3, jobId: run3 }], {
        attempts: attempt,
        env: broken,
      });
      // The delay asked of the queue is the one recorded on the job as its next attempt.
      const row = (await jobRow(run3))!;
      if (attempt < 12) {
        expect(r.retryMessages.length).toBe(1);
        delays.push(r.retryMessages[0].delaySeconds!);
        expect((Date.parse(row.next_attempt_at) - Date.parse(row.updated_at)) / 1000).toBe(delays.at(-1));
      } else expect(r.explicitAcks.length).toBe(1);
    }
    expect(delays).toEqual([10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600]);
    const failed = await jobOf(run3);
    expect(failed).toMatchObject({ status: 'FAILED', attempts: 12 });
    expect(failed.lastError).toMatch(/injected fault/);
    expect(await period()).toMatchObject({ status: 'CLOSING', run: 3 });
    expect((await period()).error).toMatch(/injected fault/);
    const shown = (await gqlOk(PERIOD_JOB, { p: last }, admin)).commissionPeriod;
    expect(shown).toMatchObject({ status: 'CLOSING', job: { key: run3, status: 'FAILED' } });
    expect(shown.error).toMatch(/injected fault/);
    // Staff see it and retry: the real queue runs it, the period reaches REVIEW, identical to the clean close.
    expect(await staffAction('retryJob', run3)).toMatchObject({ job: { status: 'QUEUED' } });
    await until(period, (p) => p.status === 'REVIEW' && p.run === 3, 'REVIEW after the retry');
    expect((await period()).error).toBeNull();
    expect(await dump()).toBe(reference);
    expect(await jobOf(run3)).toMatchObject({ status: 'DONE' });
    // A finished job is neither retried nor cancelled.
    expect(await staffAction('retryJob', run3)).toMatchObject({
      __typename: 'ConflictError',
      code: 'NOT_FAILED',
    });
    expect(await staffAction('cancelJob', run3)).toMatchObject({
      __typename: 'ConflictError',
      code: 'ALREADY_ENDED',
    });
  });

  it('a step killed mid-run (RUNNING, its consumer gone) is re-driven; after MAX_REDRIVES it is FAILED, and a cancel reopens the period', async () => {
    const run4 = `period-close:${last}:4`;
    await env.DB.prepare("UPDATE commission_period SET status = 'CLOSING', run = 4 WHERE id = ?")
      .bind(last)
      .run();
    const longAgo = new Date(Date.now() - 3600_000).toISOString();
    // A consumer claimed the step an hour ago and died: RUNNING with an old heartbeat, re-driven
    // MAX_REDRIVES times already without finishing.
    await env.DB.prepare(
      `INSERT INTO job (id, kind, subject, status, step, message, attempts, max_attempts, redrives, claim, created_at, updated_at, heartbeat_at)
       VALUES (?, 'period.close', 'close', 'RUNNING', 'period.compute', ?, 1, 12, ?, 'dead-consumer', ?, ?, ?)`,
    )
      .bind(
        run4,
        JSON.stringify({ kind: 'period.compute', periodId: last, run: 4, jobId: run4 }),
        MAX_REDRIVES,
        longAgo,
        longAgo,
        longAgo,
      )
      .run();
    // A step running now is never cancelled under its feet... but this one's heartbeat is an hour old.
    await hourlyCron(0);
    const stalled = await jobOf(run4);
    expect(stalled.status).toBe('FAILED');
    expect(stalled.lastError).toMatch(/^Stalled: step period.compute was sent again 5 times/);
    expect((await period()).error).toMatch(/^Stalled/);
    expect(await staffAction('cancelJob', run4)).toMatchObject({ job: { status: 'CANCELLED' } });
    expect(await period()).toMatchObject({ status: 'OPEN', member_count: null, error: null });
    // The period can be closed again from scratch (run 1, a fresh snapshot), byte-identical.
    const again = await gqlOk(
      `mutation { startPeriodClose(input: { period: "${last}" }) { __typename ... on Error { message } } }`,
      {},
      admin,
    );
    expect(again.startPeriodClose.__typename).toBe('MutationStartPeriodCloseSuccess');
    await until(period, (p) => p.status === 'REVIEW', 'REVIEW after the cancel and a new close');
    expect(await dump()).toBe(reference);
  });

  it('a step dead-lettered while D1 was down is kept in R2, its job FAILED, and a staff replay completes the close', async () => {
    const run5 = `period-close:${last}:5`;
    await env.DB.prepare(
      "UPDATE commission_period SET status = 'CLOSING', run = 5, error = NULL WHERE id = ?",
    )
      .bind(last)
      .run();
    const now = new Date().toISOString();
    await env.DB.prepare(
      `INSERT INTO job (id, kind, subject, status, step, message, attempts, max_attempts, last_error, created_at, updated_at)
       VALUES (?, 'period.close', 'close', 'RETRYING', 'period.compute', ?, 3, 12, 'D1_ERROR: locked', ?, ?)`,
    )
      .bind(run5, JSON.stringify({ kind: 'period.compute', periodId: last, run: 5, jobId: run5 }), now, now)
      .run();
    const message = { kind: 'period.compute' as const, periodId: last, run: 5, jobId: run5 };
    const r = await deliver([message], { queue: 'mlm-crm-jobs-dlq', attempts: 25 });
    expect(r.explicitAcks.length).toBe(1);
    const job = await jobOf(run5);
    expect(job.status).toBe('FAILED');
    expect(job.lastError).toMatch(
      /^Dead-lettered after 25 deliveries of period.compute \(last error: D1_ERROR: locked\)/,
    );
    expect((await period()).error).toMatch(/^Dead-lettered/);
    const letters = await gqlOk(
      `{ deadLetters(first: 10) { edges { node { key kind status } } } }`,
      {},
      admin,
    );
    const letter = letters.deadLetters.edges
      .map((e: any) => e.node)
      .find((n: any) => n.kind === 'period.compute');
    expect(letter).toMatchObject({ status: 'SETTLED' });
    const replayed = await gqlOk(
      `mutation($input: ReplayDeadLetterInput!) { replayDeadLetter(input: $input) { __typename ... on Error { message } } }`,
      { input: { key: letter.key } },
      admin,
    );
    expect(replayed.replayDeadLetter.__typename).toBe('MutationReplayDeadLetterSuccess');
    await until(period, (p) => p.status === 'REVIEW' && p.run === 5, 'REVIEW after the replay');
    expect(await dump()).toBe(reference);
    expect((await jobOf(run5)).status).toBe('DONE');
  });

  it('a fresh RUNNING step is not cancelled under its feet, and jobs are staff only', async () => {
    const run9 = `period-close:${last}:9`;
    const now = new Date().toISOString();
    await env.DB.prepare(
      `INSERT INTO job (id, kind, subject, status, step, message, attempts, max_attempts, claim, created_at, updated_at, heartbeat_at)
       VALUES (?, 'period.close', 'close', 'RUNNING', 'period.compute', ?, 1, 12, 'live', ?, ?, ?)`,
    )
      .bind(
        run9,
        JSON.stringify({ kind: 'period.compute', periodId: last, run: 9, jobId: run9 }),
        now,
        now,
        now,
      )
      .run();
    expect(await staffAction('cancelJob', run9)).toMatchObject({
      __typename: 'ConflictError',
      code: 'STILL_RUNNING',
    });
    const listed = await gqlOk(`{ jobs(status: RUNNING) { edges { node { key } } } }`, {}, admin);
    expect(listed.jobs.edges.map((e: any) => e.node.key)).toEqual([run9]);
    const refused = await gql(`{ jobs { edges { node { key } } } }`, {}, await distributorToken(member));
    expect(refused.errors?.[0].message).toMatch(/Not authorized/);
    expect(refused.data?.jobs ?? null).toBeNull();
  });
});
