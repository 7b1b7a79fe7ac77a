import { atomic } from '../../../lib/db';
import { BONUS_NAMES, PeriodEngine, type PeriodResult } from '../engine';
import { compilePlan } from '../plan';
import { planOf, requirePlanVersion } from '../versions/repository';
import { loadPeriodMembers } from './inputs';
import { logCloseStep } from './metered';
import { periodById, progress } from './repository';
import { readVolumeSums } from './volumeSums';

// Rows per INSERT: the JSON parameter stays well under D1's limits.
const RESULT_ROWS = 10_000;
const LINE_ROWS = 12_000;

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
  const fastStart = plan.fastStart
    ? { windowMs: plan.fastStart.windowMs, joinedAt: members.joinedAt! }
    : null;
  const engine = new PeriodEngine(plan, members, bounds, { reuseInputs: true });
  const volumes = await readVolumeSums(db, periodId, bounds, ids, fastStart, (chunk) =>
    engine.addLines(chunk),
  );
  const result = engine.finish();
  // Also moves the Worker clock past the engine's CPU time (it advances only across I/O).
  await progress(db, periodId, 'compute', members.count, members.count).run();
  const t2 = Date.now();
  await writeResults(db, periodId, ids, plan.rankIds, result, heldMembers);
  logCloseStep(periodId, run, 'compute.parts', {
    loadMs: t1 - t0,
    engineMs: t2 - t1,
    writeMs: Date.now() - t2,
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

async function writeResults(
  db: D1Database,
  periodId: string,
  ids: Int32Array,
  rankIds: string[],
  r: PeriodResult,
  heldMembers?: Uint8Array,
) {
  const totalRows = r.count + r.totals.lines;
  let written = 0;
  await atomic(db, [
    db.prepare('DELETE FROM period_result WHERE period_id = ?').bind(periodId),
    db.prepare('DELETE FROM commission_line WHERE period_id = ?').bind(periodId),
    progress(db, periodId, 'write', 0, totalRows),
  ]);
  const rank = (i: number) => (i < 0 ? null : rankIds[i]);
  for (let start = 0; start < r.count; start += RESULT_ROWS) {
    const rows: unknown[] = [];
    for (let i = start; i < Math.min(r.count, start + RESULT_ROWS); i++) {
      rows.push([
        ids[i],
        r.pv[i],
        r.cv[i],
        r.gv[i],
        r.gcv[i],
        r.active[i],
        rank(r.paidAsRank[i]),
        rank(r.lifetimeRank[i]),
        r.total[i],
        r.payout[i],
        r.balanceOut[i] - r.total[i] + r.payout[i],
        r.balanceOut[i],
        r.binary ? r.binary.carryOutLeft[i] : 0,
        r.binary ? r.binary.carryOutRight[i] : 0,
        heldMembers?.[i] === 1 && r.balanceOut[i] > 0 ? 'AGREEMENT_UNSIGNED' : null,
      ]);
    }
    written += rows.length;
    await atomic(db, [
      db
        .prepare(
          `INSERT INTO period_result (period_id, distributor_id, pv, cv, gv, gcv, active, paid_as_rank, lifetime_rank, total,
             payout, balance_in, balance_out, carry_left, carry_right, hold_reason)
           SELECT ?1, v->>0, v->>1, v->>2, v->>3, v->>4, v->>5, v->>6, v->>7, v->>8, v->>9, v->>10, v->>11, v->>12, v->>13,
             v->>14
           FROM (SELECT value AS v FROM json_each(?2))`,
        )
        .bind(periodId, JSON.stringify(rows)),
      progress(db, periodId, 'write', written, totalRows),
    ]);
  }
  for (const chunk of r.lines(LINE_ROWS)) {
    const rows: unknown[] = [];
    for (let k = 0; k < chunk.length; k++) {
      rows.push([
        ids[chunk.earner[k]],
        BONUS_NAMES[chunk.bonus[k] - 1],
        chunk.level[k],
        chunk.source[k] >= 0 ? ids[chunk.source[k]] : 0,
        chunk.volume[k],
        chunk.bp[k],
        chunk.beforeCap[k],
        chunk.amount[k],
      ]);
    }
    written += rows.length;
    await atomic(db, [
      db
        .prepare(
          `INSERT INTO commission_line (period_id, distributor_id, bonus, level, source_id, volume, bp, before_cap, amount)
           SELECT ?1, v->>0, v->>1, v->>2, v->>3, v->>4, v->>5, v->>6, v->>7 FROM (SELECT value AS v FROM json_each(?2))`,
        )
        .bind(periodId, JSON.stringify(rows)),
      progress(db, periodId, 'write', written, totalRows),
    ]);
  }
}
