// The frozen members of a period: read from the live tables in keyset chunks, stored as typed columns.

export const SNAPSHOT_CHUNK = 25_000;

/** One chunk of snapshot members, ids ascending; ids of sponsor/parent refer to distributors (0 = none). */
export interface SnapshotChunk {
  ids: number[];
  sponsor: number[];
  parent: number[];
  position: number[];
  status: number[]; // 0 ACTIVE, 1 SUSPENDED, 2 TERMINATED (engine codes)
  joined: number[]; // epoch ms
  forced: (string | null)[]; // forced paid-as rank id
  lifetime: (string | null)[]; // lifetime rank id before the period
  carryL: number[];
  carryR: number[];
  balance: number[];
}

export const STATUS_CODE: Record<string, number> = { ACTIVE: 0, SUSPENDED: 1, TERMINATED: 2 };

/**
 * Reads one chunk of members after `afterId`, with their forced rank for the period, binary carries from the
 * previous period's committed results, and ledger balance.
 */
export async function readMemberChunk(
  db: D1Database,
  periodId: string,
  previousPeriodId: string,
  afterId: number,
): Promise<SnapshotChunk> {
  const rows = await db
    .prepare(
      `SELECT d.id, coalesce(d.sponsor_id, 0), coalesce(d.placement_parent_id, 0), coalesce(d.placement_position, 0),
         d.status, d.joined_at, o.rank_id, d.lifetime_rank_id,
         coalesce(r.carry_left, 0), coalesce(r.carry_right, 0),
         coalesce((SELECT sum(amount) FROM ledger_entry l WHERE l.distributor_id = d.id), 0)
       FROM distributor d
       LEFT JOIN rank_override o ON o.period_id = ?1 AND o.distributor_id = d.id
       LEFT JOIN period_result r ON r.period_id = ?2 AND r.distributor_id = d.id
         AND EXISTS (SELECT 1 FROM commission_period p WHERE p.id = ?2 AND p.status IN ('COMMITTED', 'PAID'))
       WHERE d.id > ?3 ORDER BY d.id LIMIT ?4`,
    )
    .bind(periodId, previousPeriodId, afterId, SNAPSHOT_CHUNK)
    .raw<
      [number, number, number, number, string, string, string | null, string | null, number, number, number]
    >();
  const chunk: SnapshotChunk = {
    ids: [],
    sponsor: [],
    parent: [],
    position: [],
    status: [],
    joined: [],
    forced: [],
    lifetime: [],
    carryL: [],
    carryR: [],
    balance: [],
  };
  for (const r of rows) {
    chunk.ids.push(r[0]);
    chunk.sponsor.push(r[1]);
    chunk.parent.push(r[2]);
    chunk.position.push(r[3]);
    chunk.status.push(STATUS_CODE[r[4]]);
    chunk.joined.push(Date.parse(r[5]));
    chunk.forced.push(r[6]);
    chunk.lifetime.push(r[7]);
    chunk.carryL.push(r[8]);
    chunk.carryR.push(r[9]);
    chunk.balance.push(r[10]);
  }
  return chunk;
}
