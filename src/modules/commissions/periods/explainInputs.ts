// The volumes an explanation of one commission line reads (the I/O half of explain/, which is pure).
import { isArchived } from '../../archive/periodRows';
import { BONUS, type VolumeLines } from '../engine';
import { type LineRef, linesOf, membersNeeded } from '../explain';
import type { CompiledPlan } from '../plan';
import { readArchivedVolumeLines } from './archivedVolumes';
import type { PeriodMembers } from './inputs';
import { readVolumeLines } from './volumeLines';
import { fastStartWindow, orderTotalsFor, readVolumeSums } from './volumeSums';

/**
 * The volume lines of the members the explanation of `ref` needs. Retail lists the earner's own lines one by
 * one; every other part reads members' volumes only, so per-member sums do (a root's line needs the whole
 * period's volumes: as sums they fit the isolate's memory, as lines they did not at 1M members).
 */
export async function explainVolumes(
  db: D1Database,
  periodId: string,
  plan: CompiledPlan,
  period: PeriodMembers,
  ref: LineRef,
  /** The archive bucket: an archived period's volume lines are read from it. */
  files?: R2Bucket,
): Promise<VolumeLines[]> {
  const need = membersNeeded(period.members, ref);
  const kept: VolumeLines[] = [];
  // Memory (a root's line keeps a row per member and order kind): the retail profit feeds retail lines only and
  // the order's own instant fast-start lines only, so an explanation of another part keeps neither.
  const keep = (chunk: VolumeLines) => {
    const mine = linesOf(
      {
        ...chunk,
        retailProfit: ref.bonus === BONUS.retail ? chunk.retailProfit : undefined,
        orderAt: ref.bonus === BONUS.fastStart ? chunk.orderAt : undefined,
      },
      need,
    );
    if (mine.count > 0) kept.push(mine);
  };
  if (files && (await isArchived(db, periodId))) {
    const ids = Int32Array.from(period.ids.filter((_id, i) => need[i] !== 0));
    await readArchivedVolumeLines(db, files, periodId, period.bounds, period.ids, keep, ids);
    return kept;
  }
  if (ref.bonus === BONUS.retail) await readVolumeLines(db, periodId, period.bounds, period.ids, keep);
  else
    await readVolumeSums(
      db,
      periodId,
      period.bounds,
      period.ids,
      fastStartWindow(plan, period.members),
      keep,
      orderTotalsFor(plan),
    );
  return kept;
}
