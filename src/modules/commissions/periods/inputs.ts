import { snapshotChunks } from '../../archive/periodRows';
import { loadSettings } from '../../company/settings';
import { FORCED_NO_RANK, type MemberArrays, NOT_FORCED, type VolumeLines } from '../engine';
import type { CompiledPlan } from '../plan';
import { periodBounds } from './bounds';
import { previousPeriod } from './lifecycle';
import { indexOf, MemberBuilder, membersFromSnapshot } from './members';
import { periodById } from './repository';
import { readMemberChunk, type SnapshotChunk, STATUS_CODE } from './snapshot';
import { readVolumeLines } from './volumeLines';

export interface PeriodMembers {
  ids: Int32Array;
  members: MemberArrays;
  bounds: { start: number; end: number };
}

export interface PeriodInputs extends PeriodMembers {
  lines: VolumeLines;
}

/**
 * What the engine needs for a period under any plan, lines included (what-if). A period close streams the lines
 * into the engine instead (loadPeriodMembers + readVolumeLines with a sink): at 1M members they would not fit.
 */
export async function loadPeriodInputs(
  db: D1Database,
  periodId: string,
  plan: CompiledPlan,
): Promise<PeriodInputs> {
  const m = await loadPeriodMembers(db, periodId, plan, true);
  return { ...m, lines: await readVolumeLines(db, periodId, m.bounds, m.ids) };
}

/**
 * The period's members: its frozen snapshot once its close has started (read one chunk at a time, so only
 * one chunk's JSON is held at once), otherwise the live tree read the same way (what-if on an open period);
 * forced ranks as they are now.
 */
export async function loadPeriodMembers(
  db: D1Database,
  periodId: string,
  plan: CompiledPlan,
  /** Every member array whatever the plan needs (what-if computes the plan in force on the same members too). */
  all = false,
  /** The archive bucket: an archived period's snapshot is read from it (archive/periodRows.ts). */
  files?: R2Bucket,
): Promise<PeriodMembers> {
  const period = await periodById(db, periodId);
  let built: { ids: Int32Array; members: MemberArrays };
  let bounds: { start: number; end: number };
  if (period?.member_count != null) {
    const builder = new MemberBuilder(period.member_count, plan, all);
    for await (const data of snapshotChunks(db, files, periodId))
      builder.add(JSON.parse(data) as SnapshotChunk);
    built = builder.finish();
    bounds = { start: Date.parse(period.starts_at!), end: Date.parse(period.ends_at!) };
  } else {
    const chunks: SnapshotChunk[] = [];
    const previous = previousPeriod(periodId);
    for (let after = 0; ; ) {
      const chunk = await readMemberChunk(db, periodId, previous, after);
      if (chunk.ids.length === 0) break;
      chunks.push(chunk);
      after = chunk.ids[chunk.ids.length - 1];
    }
    built = membersFromSnapshot(chunks, plan, all);
    bounds = periodBounds(periodId, (await loadSettings(db)).timeZone);
  }
  // Staff may force ranks while the period is in review: read them at every run (they replace the snapshot's).
  const { results: overrides } = await db
    .prepare('SELECT distributor_id, rank_id FROM rank_override WHERE period_id = ?')
    .bind(periodId)
    .all<{ distributor_id: number; rank_id: string | null }>();
  const forced = built.members.forcedRank!.fill(NOT_FORCED);
  for (const o of overrides) {
    const i = indexOf(built.ids, o.distributor_id);
    if (i >= 0) forced[i] = o.rank_id == null ? FORCED_NO_RANK : plan.rankIds.indexOf(o.rank_id);
  }
  if (built.members.retailCustomers)
    await readRetailCustomers(db, periodId, built.ids, built.members.retailCustomers);
  // Which statuses' balances are held is a company setting, read at every run like the forced ranks.
  const held = (await loadSettings(db)).payoutHeldStatuses;
  built.members.heldStatuses = held.map((s) => STATUS_CODE[s]);
  built.members.heldMembers = await unsignedAgreementMembers(db, built.ids);
  return { ...built, bounds };
}

/**
 * The condition on `sales_order o` (of one period) under which its customer counts toward the member's retail
 * customers (SPEC §3.1): a paid CUSTOMER order not fully refunded before the close (a REFUNDED order still
 * counts when one of its refunds entered another period, i.e. came as a clawback).
 */
export const COUNTS_AS_RETAIL_CUSTOMER = `o.kind = 'CUSTOMER' AND o.paid_at IS NOT NULL AND o.customer_id IS NOT NULL
  AND (o.status != 'REFUNDED' OR EXISTS (SELECT 1 FROM refund r WHERE r.order_id = o.id AND r.period != o.period))`;

/**
 * Distinct retail customers per member (SPEC §3.1): customers with a CUSTOMER order attributed to the member
 * that counts in the period — paid in it and not fully refunded before the close (a REFUNDED order counts when
 * one of its refunds entered another period, i.e. came as a clawback). One grouped statement over the period's
 * customer orders (index sales_order_period_paid), not per member.
 */
export async function readRetailCustomers(
  db: D1Database,
  periodId: string,
  ids: Int32Array,
  into: Int32Array,
): Promise<void> {
  const rows = await db
    .prepare(
      `SELECT o.distributor_id, count(DISTINCT o.customer_id) FROM sales_order o
       WHERE o.period = ?1 AND ${COUNTS_AS_RETAIL_CUSTOMER} GROUP BY o.distributor_id`,
    )
    .bind(periodId)
    .raw<[number, number]>();
  for (const [id, n] of rows) {
    const i = indexOf(ids, id);
    if (i >= 0) into[i] = n;
  }
}

/**
 * When the company holds the payout of members without a signed distributor agreement (issue 13 §5): 1 for
 * each such member, read at every run. The agreements are the e-signature module's `signature_request` rows.
 */
export async function unsignedAgreementMembers(
  db: D1Database,
  ids: Int32Array,
): Promise<Uint8Array | undefined> {
  if (!(await loadSettings(db)).payoutHoldUnsignedAgreement) return undefined;
  const signed = await db
    .prepare(
      `SELECT subject_id FROM signature_request WHERE document_type = 'AGREEMENT' AND status = 'COMPLETED'`,
    )
    .raw<[number]>();
  const held = new Uint8Array(ids.length).fill(1);
  for (const [id] of signed) {
    const i = indexOf(ids, id);
    if (i >= 0) held[i] = 0;
  }
  return held;
}
