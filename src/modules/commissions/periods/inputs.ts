import { loadSettings } from '../../company/settings';
import type { MemberArrays, VolumeLines } from '../engine';
import type { CompiledPlan } from '../plan';
import { periodBounds } from './bounds';
import { previousPeriod } from './lifecycle';
import { membersFromSnapshot } from './members';
import { periodById } from './repository';
import { readMemberChunk, type SnapshotChunk } from './snapshot';
import { readVolumeLines } from './volumeLines';

export interface PeriodInputs {
  ids: Int32Array;
  members: MemberArrays;
  lines: VolumeLines;
  bounds: { start: number; end: number };
}

/**
 * What the engine needs for a period: its frozen snapshot once its close has started, otherwise the live
 * tree read the same way (what-if on an open period); forced ranks as they are now; the period's lines.
 */
export async function loadPeriodInputs(
  db: D1Database,
  periodId: string,
  plan: CompiledPlan,
): Promise<PeriodInputs> {
  const period = await periodById(db, periodId);
  let chunks: SnapshotChunk[];
  let bounds: { start: number; end: number };
  if (period?.member_count != null) {
    const { results } = await db
      .prepare('SELECT data FROM period_snapshot_chunk WHERE period_id = ? ORDER BY chunk')
      .bind(periodId)
      .all<{ data: string }>();
    chunks = results.map((r) => JSON.parse(r.data) as SnapshotChunk);
    bounds = { start: Date.parse(period.starts_at!), end: Date.parse(period.ends_at!) };
  } else {
    chunks = [];
    const previous = previousPeriod(periodId);
    for (let after = 0; ; ) {
      const chunk = await readMemberChunk(db, periodId, previous, after);
      if (chunk.ids.length === 0) break;
      chunks.push(chunk);
      after = chunk.ids[chunk.ids.length - 1];
    }
    bounds = periodBounds(periodId, (await loadSettings(db)).timeZone);
  }
  // Staff may force ranks while the period is in review: read them at every run.
  const { results: overrides } = await db
    .prepare('SELECT distributor_id, rank_id FROM rank_override WHERE period_id = ?')
    .bind(periodId)
    .all<{ distributor_id: number; rank_id: string }>();
  const forced = new Map(overrides.map((o) => [o.distributor_id, o.rank_id]));
  for (const c of chunks) for (let j = 0; j < c.ids.length; j++) c.forced[j] = forced.get(c.ids[j]) ?? null;
  const { ids, members } = membersFromSnapshot(chunks, plan);
  const lines = await readVolumeLines(db, periodId, bounds, ids);
  return { ids, members, lines, bounds };
}
