// Team rank counts after a commit, through the worker: the commit (its GraphQL mutation, run by the worker
// with a queue the test holds) writes the company's counts at once and starts the job report.teamRanks; the
// team report says REPORT_NOT_READY until the job's steps, handed to the worker's queue handler here, are
// through. The counts equal a recomputation from period_result and the sponsor paths, and a step delivered
// twice (one after the other, and at the same time) counts nothing twice.
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import migration from '../../migrations/0024_reports.sql?raw';
import type { Env } from '../../src/env';
import worker from '../../src/index';
import type { JobMessage } from '../../src/jobs/messages';
import { monthInZone } from '../../src/lib/time';
import { previousPeriod } from '../../src/modules/commissions/periods/lifecycle';
import { closePeriod, moveOrders, schedulePlan } from '../compliance/helpers';
import { adminToken, distributorToken, enroll } from '../helpers';
import { createProduct, order, pay } from '../orders/helpers';
import { deliver } from '../queueHelpers';

const PREV = previousPeriod(monthInZone(new Date(), 'Europe/Copenhagen'));
const RANKS = `query($from: String!, $to: String!, $d: ID) { rankDistributionReport(from: $from, to: $to, distributorId: $d) {
  period rank members } }`;

let admin: string;
const m: Record<string, number> = {};

/** The queue the test holds: what the worker sends is kept here, not delivered. */
function heldEnv() {
  const held: JobMessage[] = [];
  const queue = {
    send: async (body: JobMessage) => void held.push(body),
    sendBatch: async (bs: { body: JobMessage }[]) => void held.push(...bs.map((b) => b.body)),
  };
  return { held, env: { ...env, JOBS: queue as unknown as Queue<JobMessage> } as Env };
}

/** A GraphQL request run by the worker with the given env. */
async function gqlWith(withEnv: Env, query: string, variables: Record<string, unknown>, token: string) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    }),
    withEnv,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return (await res.json()) as { data?: any; errors?: { extensions?: Record<string, unknown> }[] };
}

const report = (token: string, d?: number) =>
  gqlWith(env as Env, RANKS, { from: PREV, to: PREV, d: d == null ? null : String(d) }, token);

/** The team counts (scope ≠ 0) as kept, and as recomputed from the period's results and sponsor paths. */
async function teamCounts() {
  const kept = await env.DB.prepare(
    'SELECT scope_id, rank, members FROM report_rank WHERE period = ? AND scope_id != 0 ORDER BY 1, 2',
  )
    .bind(PREV)
    .all();
  const recomputed = await env.DB.prepare(
    `SELECT a.value AS scope_id, r.paid_as_rank AS rank, count(*) AS members
     FROM period_result r JOIN distributor d ON d.id = r.distributor_id,
       json_each('[' || replace(rtrim(d.sponsor_path, '.'), '.', ',') || ']') a
     WHERE r.period_id = ? AND r.paid_as_rank IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2`,
  )
    .bind(PREV)
    .all();
  // The team sales rollup of the same steps (migration 0031): QV per team, and recomputed by sponsor-path prefix.
  const sales = await env.DB.prepare(
    'SELECT scope_id, sum(qv) AS qv FROM report_team_sales WHERE period = ? GROUP BY 1 ORDER BY 1',
  )
    .bind(PREV)
    .all();
  const salesRecomputed = await env.DB.prepare(
    `SELECT t.id AS scope_id, sum(o.qv) AS qv FROM distributor t
     JOIN distributor x ON x.sponsor_path LIKE t.sponsor_path || '%'
     JOIN sales_order o ON o.distributor_id = x.id AND o.period = ?1 AND o.paid_at IS NOT NULL
     WHERE x.id <= (SELECT after_id FROM report_rank_progress WHERE period = ?1) GROUP BY 1 ORDER BY 1`,
  )
    .bind(PREV)
    .all();
  return {
    kept: [...kept.results, ...sales.results],
    recomputed: [...recomputed.results, ...salesRecomputed.results],
  };
}

// Network: R ← A ← B, A ← C, R ← D. A, B and D buy 2 SHAKEs each (PV 200) in PREV: BRONZE; R and C have none.
beforeAll(async () => {
  admin = await adminToken();
  m.R = await enroll(admin, null);
  m.A = await enroll(admin, m.R);
  m.B = await enroll(admin, m.A);
  m.C = await enroll(admin, m.A);
  m.D = await enroll(admin, m.R);
  const shake = await createProduct(admin, 'SHAKE', { qv: 100, cv: 1000 });
  const ids: number[] = [];
  for (const who of [m.A, m.B, m.D]) {
    const id = await order(await distributorToken(who), [[shake, 2]]);
    await pay(admin, id);
    ids.push(id);
  }
  await moveOrders(ids, PREV);
  await env.DB.prepare('UPDATE distributor SET joined_at = ?')
    .bind(`${previousPeriod(PREV)}-01T00:00:00.000Z`)
    .run();
  await schedulePlan(admin, {
    schemaVersion: 1,
    activePv: 0,
    ranks: [{ id: 'BRONZE', minPv: 100, minGv: 0 }],
    unilevel: { levels: [1000], compression: false },
    payout: { minPayout: 0 },
  });
  await closePeriod(admin, PREV, false);
});

describe('team rank counts after a commit', () => {
  it('company at once; teams after the job, equal to a recomputation; a redelivered step counts nothing twice', async () => {
    const { held, env: holding } = heldEnv();
    const committed = await gqlWith(
      holding,
      `mutation($input: CommitPeriodInput!) { commitPeriod(input: $input) { __typename ... on Error { message } } }`,
      { input: { period: PREV } },
      admin,
    );
    expect(committed.data?.commitPeriod.__typename).toBe('MutationCommitPeriodSuccess');
    // The job's first step was sent (and held), recorded in the commit's batch.
    expect(held).toHaveLength(1);
    expect(held[0]).toMatchObject({ kind: 'report.teamRanks', periodId: PREV });
    const job = await env.DB.prepare('SELECT status, kind FROM job WHERE id = ?')
      .bind(`report-team-ranks:${PREV}`)
      .first();
    expect(job).toEqual({ status: 'QUEUED', kind: 'report.teamRanks' });

    // The company's counts are there straight after the commit.
    const results = await env.DB.prepare(
      "SELECT count(*) AS n, sum(paid_as_rank = 'BRONZE') AS bronze FROM period_result WHERE period_id = ?",
    )
      .bind(PREV)
      .first<{ n: number; bronze: number }>();
    expect(results!.bronze).toBe(3);
    expect((await report(admin)).data?.rankDistributionReport).toEqual([
      { period: PREV, rank: null, members: results!.n - 3 },
      { period: PREV, rank: 'BRONZE', members: 3 },
    ]);
    // A team's are not yet: a typed error, never a partial count.
    const early = await report(await distributorToken(m.A));
    expect(early.errors?.[0].extensions).toMatchObject({ type: 'ConflictError', reason: 'REPORT_NOT_READY' });
    expect((await teamCounts()).kept).toEqual([]);

    // Step 1, delivered twice at the same time: one counts the range, the other finds it counted.
    const first = held.shift()!;
    await Promise.all([
      deliver('mlm-crm-jobs', [{ id: 'team-1a', body: first, attempts: 1 }], holding),
      deliver('mlm-crm-jobs', [{ id: 'team-1b', body: first, attempts: 1 }], holding),
    ]);
    let counts = await teamCounts();
    expect(counts.kept).toEqual(counts.recomputed);
    expect(counts.kept.length).toBeGreaterThan(0);
    // Not complete until a step has found nothing left.
    expect((await report(await distributorToken(m.A))).errors?.[0].extensions?.reason).toBe(
      'REPORT_NOT_READY',
    );

    // The next steps (one per duplicate at most), and a stale redelivery of step 1 after them.
    expect(held.length).toBeGreaterThanOrEqual(1);
    let n = 0;
    while (held.length > 0) {
      const body = held.shift()!;
      await deliver('mlm-crm-jobs', [{ id: `team-next-${n++}`, body, attempts: 1 }], holding);
    }
    await deliver('mlm-crm-jobs', [{ id: 'team-1c', body: first, attempts: 1 }], holding);
    expect(held).toEqual([]);
    counts = await teamCounts();
    expect(counts.kept).toEqual(counts.recomputed);
    expect(
      (await env.DB.prepare('SELECT status FROM job WHERE id = ?').bind(`report-team-ranks:${PREV}`).first())
        ?.status,
    ).toBe('DONE');

    // Complete now: A's team is A and B (both BRONZE), R's all three, D's themself, C's nobody ranked.
    const team = async (who: number) =>
      (await report(await distributorToken(who))).data?.rankDistributionReport;
    expect(await team(m.A)).toEqual([{ period: PREV, rank: 'BRONZE', members: 2 }]);
    expect(await team(m.R)).toEqual([{ period: PREV, rank: 'BRONZE', members: 3 }]);
    expect(await team(m.D)).toEqual([{ period: PREV, rank: 'BRONZE', members: 1 }]);
    expect(await team(m.C)).toEqual([]);
  });

  it('the migration’s backfill writes the same rank counts, and marks the period’s team counts done', async () => {
    const ranks = () => env.DB.prepare('SELECT * FROM report_rank ORDER BY 1, 2, 3').all();
    const before = (await ranks()).results;
    expect(before.length).toBeGreaterThan(0);
    const backfill = migration
      .slice(migration.indexOf('-- Backfill'))
      .split(/;\s*\n/)
      .map((sql) => sql.replace(/^(--.*\n)+/gm, '').trim())
      .filter((sql) => /^INSERT INTO report_rank(_progress)? /.test(sql));
    expect(backfill).toHaveLength(3);
    await env.DB.batch([
      env.DB.prepare('DELETE FROM report_rank'),
      env.DB.prepare('DELETE FROM report_rank_progress'),
      ...backfill.map((sql) => env.DB.prepare(sql)),
    ]);
    expect((await ranks()).results).toEqual(before);
    const progress = await env.DB.prepare('SELECT done FROM report_rank_progress WHERE period = ?')
      .bind(PREV)
      .first();
    expect(progress).toEqual({ done: 1 });
    expect((await report(await distributorToken(m.A))).data?.rankDistributionReport).toEqual([
      { period: PREV, rank: 'BRONZE', members: 2 },
    ]);
  });
});
