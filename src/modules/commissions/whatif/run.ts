import type { Env } from '../../../env';
import { ValidationError } from '../../../lib/errors';
import { isArchived } from '../../archive/periodRows';
import type { NewJob } from '../../jobs/model';
import type { JobKindSpec } from '../../jobs/runner';
import { startJob } from '../../jobs/start';
import { PeriodEngine, type PeriodResult } from '../engine';
import { readArchivedVolumeLines } from '../periods/archivedVolumes';
import { isPeriodId } from '../periods/bounds';
import { loadPeriodMembers, type PeriodMembers } from '../periods/inputs';
import { periodById } from '../periods/repository';
import { fastStartWindow, orderTotalsFor, readVolumeSums } from '../periods/volumeSums';
import type { CompiledPlan } from '../plan';
import { compilePlan } from '../plan';
import { planOf, requirePlanVersion, versionInForce } from '../versions/repository';
import { summarize } from './summary';

export type WhatIfJob = { kind: 'whatif.run'; runId: number; jobId?: string };

/** A what-if as a tracked job. */
export function whatIfJob(runId: number): NewJob<WhatIfJob> {
  return {
    id: `whatif:${runId}`,
    kind: 'whatif',
    subject: `what-if run ${runId}`,
    message: { kind: 'whatif.run', runId },
  };
}

/** A what-if job that failed or was cancelled leaves its run FAILED with the reason. */
export const whatIfJobSpec: JobKindSpec<WhatIfJob> = {
  onFailed: (env, m, reason) => failRun(env.DB, m.runId, reason),
  onCancel: (env, m) => failRun(env.DB, m.runId, 'Cancelled by staff.'),
  async onRetry(env, m) {
    await env.DB.prepare(
      "UPDATE whatif_run SET status = 'QUEUED', error = NULL, finished_at = NULL WHERE id = ?",
    )
      .bind(m.runId)
      .run();
  },
};

async function failRun(db: D1Database, runId: number, reason: string) {
  await db
    .prepare(
      "UPDATE whatif_run SET status = 'FAILED', error = ?, finished_at = ? WHERE id = ? AND status = 'QUEUED'",
    )
    .bind(reason, new Date().toISOString(), runId)
    .run();
}

const ROWS = 10_000;

/** Queues a what-if of any period (open or closed) under a plan version; nothing touches the ledger. */
export async function startWhatIf(
  env: Pick<Env, 'DB' | 'JOBS'>,
  periodId: string,
  planVersionId: number,
): Promise<number> {
  if (!isPeriodId(periodId))
    throw new ValidationError('Invalid period.', [
      { path: 'period', message: 'Use YYYY-MM.', code: 'INVALID_FORMAT', params: { format: 'YYYY-MM' } },
    ]);
  const db = env.DB;
  await requirePlanVersion(db, planVersionId);
  const row = await db
    .prepare(
      "INSERT INTO whatif_run (period_id, plan_version_id, status, created_at) VALUES (?, ?, 'QUEUED', ?) RETURNING id",
    )
    .bind(periodId, planVersionId, new Date().toISOString())
    .first<{ id: number }>();
  // Two writes: a run whose job was never recorded (the Worker died in between) stays QUEUED; staff start
  // another what-if (it is advisory and writes nothing else).
  await startJob(env, whatIfJob(row!.id));
  return row!.id;
}

/**
 * Queue step: computes the period under the draft plan and compares it with the base: the stored results of
 * a closed period, else the period computed under the plan in force (zero without one). Idempotent: a
 * finished run is left as it is; a rerun rewrites the same rows.
 */
export async function runWhatIf(db: D1Database, runId: number, files?: R2Bucket): Promise<void> {
  const run = await db
    .prepare('SELECT * FROM whatif_run WHERE id = ?')
    .bind(runId)
    .first<{ id: number; period_id: string; plan_version_id: number; status: string }>();
  if (run?.status !== 'QUEUED') return;
  try {
    const draft = compilePlan(planOf(await requirePlanVersion(db, run.plan_version_id)));
    const period = await periodById(db, run.period_id);
    const stored = period != null && period.status !== 'OPEN' && period.status !== 'CLOSING';
    const inForce = stored ? null : await versionInForce(db, run.period_id);
    // Memory (1M members in 128 MB): the members once (every array only when a second plan runs on them), the
    // volumes as per-member sums streamed into each engine, only one engine result held at a time (the base is
    // reduced to totals and rank numbers before the draft runs), and the draft's engine takes the member arrays
    // over (reuseInputs), as the close's does.
    const inputs = await loadPeriodMembers(db, run.period_id, draft, inForce != null, files);
    const n = inputs.ids.length;
    const base = new Float64Array(n);
    // Rank names by number (1 + index in `rankNames`, 0 = none): base and draft plans may name different ranks.
    const rankNames: string[] = [];
    const rankNumber = (rank: string | null) => {
      if (rank == null) return 0;
      let k = rankNames.indexOf(rank);
      if (k < 0) k = rankNames.push(rank) - 1;
      return k + 1;
    };
    const baseRank = new Uint16Array(n);
    if (stored) {
      for (let after = 0; ; ) {
        const rows = await db
          .prepare(
            'SELECT distributor_id, total, paid_as_rank FROM period_result WHERE period_id = ? AND distributor_id > ? ORDER BY distributor_id LIMIT ?',
          )
          .bind(run.period_id, after, ROWS)
          .raw<[number, number, string | null]>();
        if (rows.length === 0) break;
        let i = 0;
        for (const [id, total, rank] of rows) {
          while (i < n && inputs.ids[i] < id) i++;
          if (inputs.ids[i] === id) {
            base[i] = total;
            baseRank[i] = rankNumber(rank);
          }
        }
        after = rows[rows.length - 1][0];
      }
    } else if (inForce) {
      const plan = compilePlan(planOf(inForce));
      const r = await computeFromSums(db, run.period_id, plan, inputs, false, files);
      base.set(r.total);
      const numbers = plan.rankIds.map(rankNumber);
      for (let i = 0; i < n; i++) baseRank[i] = r.paidAsRank[i] < 0 ? 0 : numbers[r.paidAsRank[i]];
    }
    const next = await computeFromSums(db, run.period_id, draft, inputs, true, files);
    const summary = summarize(base, next.total, next.paidAsRank, draft.rankIds, next.totals.totalCv);
    const draftNumbers = draft.rankIds.map(rankNumber);
    const rankName = (k: number) => (k === 0 ? null : rankNames[k - 1]);
    await db.prepare('DELETE FROM whatif_result WHERE run_id = ?').bind(runId).run();
    for (let start = 0; start < n; start += ROWS) {
      const rows: unknown[] = [];
      for (let i = start; i < Math.min(n, start + ROWS); i++) {
        const nr = next.paidAsRank[i] < 0 ? 0 : draftNumbers[next.paidAsRank[i]];
        if (base[i] === next.total[i] && baseRank[i] === nr) continue;
        rows.push([inputs.ids[i], rankName(baseRank[i]), rankName(nr), base[i], next.total[i]]);
      }
      if (rows.length)
        await db
          .prepare(
            `INSERT INTO whatif_result (run_id, distributor_id, base_rank, new_rank, base_total, new_total, delta)
             SELECT ?1, v->>0, v->>1, v->>2, v->>3, v->>4, (v->>4) - (v->>3) FROM (SELECT value AS v FROM json_each(?2))`,
          )
          .bind(runId, JSON.stringify(rows))
          .run();
    }
    await db
      .prepare(
        "UPDATE whatif_run SET status = 'DONE', summary = ?, finished_at = ? WHERE id = ? AND status = 'QUEUED'",
      )
      .bind(JSON.stringify(summary), new Date().toISOString(), runId)
      .run();
  } catch (e) {
    // A what-if is advisory: record why it failed and let staff run it again rather than retrying blindly.
    await db
      .prepare("UPDATE whatif_run SET status = 'FAILED', error = ?, finished_at = ? WHERE id = ?")
      .bind(e instanceof Error ? e.message : String(e), new Date().toISOString(), runId)
      .run();
  }
}

/** The period under `plan` on the loaded members, the volumes read as per-member sums. */
async function computeFromSums(
  db: D1Database,
  periodId: string,
  plan: CompiledPlan,
  m: PeriodMembers,
  /** The last run on these members: the engine takes their arrays over (they are not usable afterwards). */
  last: boolean,
  files?: R2Bucket,
): Promise<PeriodResult> {
  const engine = new PeriodEngine(plan, m.members, m.bounds, { reuseInputs: last });
  // An archived period's order lines are in R2: its volume lines are streamed from there instead.
  if (files && (await isArchived(db, periodId))) {
    await readArchivedVolumeLines(db, files, periodId, m.bounds, m.ids, (chunk) => engine.addLines(chunk));
    return engine.finish();
  }
  const fastStart = fastStartWindow(plan, m.members);
  await readVolumeSums(
    db,
    periodId,
    m.bounds,
    m.ids,
    fastStart,
    (chunk) => engine.addLines(chunk),
    orderTotalsFor(plan),
  );
  return engine.finish();
}
