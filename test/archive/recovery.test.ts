// The archive job through the worker's real queue handler, step by step: a step killed after its R2 write, a
// delete step that fails halfway, and redelivered steps resume without losing or duplicating a row.
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JobMessage } from '../../src/jobs/messages';
import { archiveJob } from '../../src/modules/archive/job';
import { locationOf } from '../../src/modules/archive/model';
import { insertArchive } from '../../src/modules/archive/repository';
import { EXAMPLE_PLANS } from '../../src/modules/commissions/plans/examples';
import { trackedMessage } from '../../src/modules/jobs/model';
import { recordJob } from '../../src/modules/jobs/repository';
import { closedNetwork, mutatePeriod } from '../commissions/explain-helpers';
import { globalId, gqlOk } from '../helpers';
import { deliver, faultyDb, jobRow, until } from '../jobs/faults';
import { HORIZON, last, leadEventIn, liveDetail, newerCommittedPeriod, statementOf } from './helpers';

let admin: string;
let ids: number[];
const jobId = `archive:${last}`;

/** Steps handed over are kept here instead of the queue, to be delivered one by one. */
const sent: JobMessage[] = [];
const capture = {
  send: async (b: JobMessage) => void sent.push(b),
  sendBatch: async () => {},
} as unknown as Queue<JobMessage>;
const envWith = (db: D1Database = env.DB) => ({ ...env, DB: db, JOBS: capture });
const step = (kind: 'archive.write' | 'archive.verify' | 'archive.delete') =>
  trackedMessage(jobId, { kind, periodId: last }) as JobMessage;

async function state() {
  const a = await env.DB.prepare('SELECT status, part, counts FROM period_archive WHERE period_id = ?')
    .bind(last)
    .first();
  const c = await env.DB.prepare(
    'SELECT part, chunk, rows, sha256, verified, deleted FROM archive_chunk WHERE period_id = ? ORDER BY part, chunk',
  )
    .bind(last)
    .all();
  return { archive: a, chunks: c.results, live: await liveDetail(last) };
}

async function statements() {
  const out: unknown[] = [];
  for (const id of ids) out.push(await statementOf(admin, id));
  return out;
}

let before: unknown[];
let liveBefore: Awaited<ReturnType<typeof liveDetail>>;

beforeAll(async () => {
  const net = await closedNetwork('Unilevel', EXAMPLE_PLANS.unilevelRanks);
  admin = net.admin;
  ids = [net.root, net.a, net.b, net.c, net.d];
  await leadEventIn(last, net.a);
  await mutatePeriod(admin, 'commitPeriod');
  await newerCommittedPeriod();
  await gqlOk(HORIZON, { input: { periods: 1 } }, admin);
  before = await statements();
  liveBefore = await liveDetail(last);
  // Started as the mutation does, but the first message is ours to deliver.
  await env.DB.batch([insertArchive(env.DB, last, locationOf(last)), recordJob(env.DB, archiveJob(last))]);
}, 60_000);

describe('the archive job, step by step', () => {
  it('a write step killed after its R2 put records nothing; delivered again it writes each chunk once', async () => {
    await deliver([step('archive.write')], {
      env: envWith(faultyDb(/INSERT OR REPLACE INTO archive_chunk/)),
    });
    expect(await jobRow(jobId)).toMatchObject({ status: 'RETRYING', step: 'archive.write' });
    expect((await state()).chunks).toEqual([]);
    expect(await liveDetail(last)).toEqual(liveBefore);
    expect(sent).toEqual([]);

    await deliver([step('archive.write')], { env: envWith() });
    const written = await state();
    expect(written.archive).toMatchObject({ status: 'WRITING', part: null });
    const counts = JSON.parse((written.archive as { counts: string }).counts);
    expect(counts).toMatchObject({
      commission_line: liveBefore!.commissionLines,
      order_line: liveBefore!.orderLines,
      lead_event: 1,
    });
    expect(new Set(written.chunks.map((c: any) => `${c.part}/${c.chunk}`)).size).toBe(written.chunks.length);
    expect(sent.splice(0)).toEqual([step('archive.verify')]);

    // A redelivered write step (the queue's duplicate) finds the job at another step and changes nothing.
    await deliver([step('archive.write')], { env: envWith() });
    expect(await state()).toEqual(written);
    expect(sent).toEqual([]);
  });

  it('verifies every chunk, then a delete step failing halfway leaves readers on the archive, and resumes', async () => {
    await deliver([step('archive.verify')], { env: envWith() });
    expect((await state()).archive).toMatchObject({ status: 'VERIFIED' });
    expect(sent.splice(0)).toEqual([step('archive.delete')]);

    await deliver([step('archive.delete')], { env: envWith(faultyDb(/DELETE FROM order_line/)) });
    const half = await state();
    expect(half.live!.commissionLines).toBe(0); // commission_line chunks go first (parts in name order)
    expect(half.live!.orderLines).toBe(liveBefore!.orderLines);
    expect(await jobRow(jobId)).toMatchObject({ status: 'RETRYING', step: 'archive.delete' });
    // Read from the archive while the live rows are half gone: the same statements.
    expect(await statements()).toEqual(before);

    await deliver([step('archive.delete')], { env: envWith() });
    const done = await state();
    expect(done.archive).toMatchObject({ status: 'ARCHIVED' });
    expect(done.live).toEqual({
      commissionLines: 0,
      snapshot: 0,
      orderLines: 0,
      payments: 0,
      archivedEvents: 1,
    });
    expect(done.chunks.every((c: any) => c.verified === 1 && c.deleted === 1)).toBe(true);
    expect(await jobRow(jobId)).toMatchObject({ status: 'DONE' });
    expect(sent).toEqual([]);
    expect(await statements()).toEqual(before);

    // Any step delivered again, after the end: nothing changes.
    await deliver([step('archive.write'), step('archive.verify'), step('archive.delete')], {
      env: envWith(),
    });
    expect(await state()).toEqual(done);
    expect(sent).toEqual([]);
  });

  it('a verification that finds rows changed since they were written fails the job and forgets the archive', async () => {
    // Another period, written, then one of its live commission lines changes before the check.
    const other = '2020-03';
    await env.DB.batch([
      env.DB.prepare(
        "INSERT INTO commission_period (id, status, starts_at, ends_at) VALUES (?, 'COMMITTED', '2020-03-01T00:00:00.000Z', '2020-04-01T00:00:00.000Z')",
      ).bind(other),
      env.DB.prepare(
        `INSERT INTO commission_line (period_id, distributor_id, bonus, level, source_id, volume, bp, before_cap, amount)
         VALUES (?, ?, 'UNILEVEL', 1, 0, 100, 500, 5, 5)`,
      ).bind(other, ids[0]),
    ]);
    const otherJob = `archive:${other}`;
    await env.DB.batch([
      insertArchive(env.DB, other, locationOf(other)),
      recordJob(env.DB, archiveJob(other)),
    ]);
    const msg = (kind: string) => trackedMessage(otherJob, { kind, periodId: other }) as JobMessage;
    await deliver([msg('archive.write')], { env: envWith() });
    expect(sent.splice(0)).toHaveLength(1);
    await env.DB.prepare(
      `INSERT INTO commission_line (period_id, distributor_id, bonus, level, source_id, volume, bp, before_cap, amount)
       VALUES (?, ?, 'UNILEVEL', 2, 0, 100, 500, 5, 5)`,
    )
      .bind(other, ids[0])
      .run();
    await deliver([msg('archive.verify')], { env: envWith() });
    expect(await jobRow(otherJob)).toMatchObject({ status: 'FAILED' });
    expect((await jobRow(otherJob))!.last_error).toMatch(
      /commission_line: 1 rows archived, 1 counted, 2 live/,
    );
    expect(
      await env.DB.prepare('SELECT count(*) AS n FROM period_archive WHERE period_id = ?')
        .bind(other)
        .first(),
    ).toEqual({ n: 0 });
    expect(
      await env.DB.prepare('SELECT count(*) AS n FROM commission_line WHERE period_id = ?')
        .bind(other)
        .first(),
    ).toEqual({ n: 2 });
    expect(sent).toEqual([]);

    // Staff retry the job: the archive starts again from the rows as they are now, through the real queue.
    const retried = await gqlOk(
      `mutation($input: RetryJobInput!) { retryJob(input: $input) { __typename ... on Error { message } } }`,
      { input: { id: globalId('Job', otherJob) } },
      admin,
    );
    expect(retried.retryJob.__typename).toBe('MutationRetryJobSuccess');
    await until(
      () =>
        env.DB.prepare('SELECT status, counts FROM period_archive WHERE period_id = ?')
          .bind(other)
          .first<any>(),
      (a) => a?.status === 'ARCHIVED',
      'the retried archive',
    );
    expect(
      await env.DB.prepare('SELECT count(*) AS n FROM commission_line WHERE period_id = ?')
        .bind(other)
        .first(),
    ).toEqual({ n: 0 });
    expect(
      JSON.parse(
        (await env.DB.prepare('SELECT counts FROM period_archive WHERE period_id = ?')
          .bind(other)
          .first<{ counts: string }>())!.counts,
      ),
    ).toMatchObject({ commission_line: 2 });
  });
});
