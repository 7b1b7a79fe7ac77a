import { PeriodEngine } from '../engine';
import { compilePlan } from '../plan';
import { planOf, requirePlanVersion } from '../versions/repository';
import { loadPeriodMembers } from './inputs';
import { logCloseStep, sqlMsOf } from './metered';
import { periodById, progress } from './repository';
import { fastStartWindow, orderTotalsFor, readVolumeSums } from './volumeSums';
import { writeResults } from './writeResults';

/**
 * Computes a closing period from its frozen snapshot under its plan version and writes the results of this
 * run, replacing any earlier run's. Deterministic: running it again (a redelivered message, a crash
 * halfway) writes the same rows. Returns false when the message is stale (another run superseded it).
 */
export async function computeClosingPeriod(db: D1Database, periodId: string, run: number): Promise<boolean> {
  const period = await periodById(db, periodId);
  if (period?.status !== 'CLOSING' || period.run !== run || period.member_count == null) return false;
  const version = await requirePlanVersion(db, period.plan_version_id!);
  const plan = compilePlan(planOf(version));
  const t0 = Date.now();
  await progress(db, periodId, 'load', 0, period.member_count).run();
  const { ids, members, bounds } = await loadPeriodMembers(db, periodId, plan);

  await progress(db, periodId, 'compute', 0, members.count).run();
  const t1 = Date.now();
  // Memory (1M members must fit 128 MB): the volumes stream into the engine page by page (per-member sums, not
  // every order line), and the member arrays are handed over (reuseInputs): results are written into the ones the
  // engine is done with.
  const heldMembers = members.heldMembers;
  const fastStart = fastStartWindow(plan, members);
  const engine = new PeriodEngine(plan, members, bounds, { reuseInputs: true });
  const volumes = await readVolumeSums(
    db,
    periodId,
    bounds,
    ids,
    fastStart,
    (chunk) => engine.addLines(chunk),
    orderTotalsFor(plan),
  );
  const result = engine.finish();
  // Also moves the Worker clock past the engine's CPU time (it advances only across I/O).
  await progress(db, periodId, 'compute', members.count, members.count).run();
  const t2 = Date.now();
  // The volume read uses raw(), which reports no meta.duration: only the write's SQL time is known.
  const sql2 = sqlMsOf(db);
  await writeResults(db, periodId, ids, plan.rankIds, result, heldMembers);
  logCloseStep(periodId, run, 'compute.parts', {
    loadMs: t1 - t0,
    engineMs: t2 - t1,
    writeMs: Date.now() - t2,
    writeSqlMs: Math.round(sqlMsOf(db) - sql2),
    members: members.count,
    volumeSums: volumes.sums,
    volumeLines: volumes.lines,
    detailMembers: volumes.detailMembers,
    commissionLines: result.totals.lines,
  });
  await db
    .prepare(
      `UPDATE commission_period SET status = 'REVIEW', totals = ?, computed_at = ?, step = 'done', step_done = step_total,
         error = NULL WHERE id = ? AND run = ? AND status = 'CLOSING'`,
    )
    .bind(JSON.stringify(result.totals), new Date().toISOString(), periodId, run)
    .run();
  return true;
}
