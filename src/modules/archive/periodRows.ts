// The one place that finds a period's detailed rows, live in D1 or in the archive: statements, explain, what-if,
// payout files and the GDPR export read commission lines, volume lines, the frozen snapshot, order lines and raw
// lead events through here. From VERIFIED on (every chunk read back), a period's rows are read from R2 only.
import { readChunkRows } from './chunks';
import { archivedBody, chunkKey, type Part } from './model';
import type { ChunkRow } from './repository';

/** A commission line row as the commission_line table holds it. */
export interface CommissionLineRow {
  period_id: string;
  distributor_id: number;
  bonus: string;
  level: number;
  source_id: number;
  volume: number;
  bp: number;
  before_cap: number;
  amount: number;
}

/** member, qv, cv, kind, at, orderAt, retail profit, starter kit: one volume line as the close reads it. */
export type VolumeLineRow = [number, number, number, string, string, string, number, number];

type StoredLine = [number, string, number, number, number, number, number, number];

/** Whether the period's detailed rows are read from the archive. */
export async function isArchived(db: D1Database, periodId: string): Promise<boolean> {
  const row = await db
    .prepare("SELECT 1 AS yes FROM period_archive WHERE period_id = ? AND status IN ('VERIFIED', 'ARCHIVED')")
    .bind(periodId)
    .first<{ yes: number }>();
  return row != null;
}

/** Archived periods among `periodIds` (one statement). */
export async function archivedAmong(db: D1Database, periodIds: string[]): Promise<Set<string>> {
  if (periodIds.length === 0) return new Set();
  const { results } = await db
    .prepare(
      `SELECT period_id FROM period_archive WHERE status IN ('VERIFIED', 'ARCHIVED')
       AND period_id IN (SELECT value FROM json_each(?))`,
    )
    .bind(JSON.stringify(periodIds))
    .all<{ period_id: string }>();
  return new Set(results.map((r) => r.period_id));
}

/** The part's chunks whose key range meets [from, to] (every chunk without a range). */
async function chunksOf(
  db: D1Database,
  periodId: string,
  part: Part,
  range?: [number, number],
): Promise<ChunkRow[]> {
  const [from, to] = range ?? [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
  const { results } = await db
    .prepare(
      `SELECT * FROM archive_chunk WHERE period_id = ? AND part = ? AND last_key >= ? AND first_key <= ? ORDER BY chunk`,
    )
    .bind(periodId, part, from, to)
    .all<ChunkRow>();
  return results;
}

function rowsOf<T>(files: R2Bucket, c: ChunkRow): Promise<T[]> {
  return readChunkRows<T>(files, chunkKey(c.period_id, c.part as Part, c.chunk), c.sha256);
}

/** A member's commission lines of a period, by bonus, level and source. */
export async function commissionLines(
  db: D1Database,
  files: R2Bucket,
  periodId: string,
  distributorId: number,
): Promise<CommissionLineRow[]> {
  if (!(await isArchived(db, periodId))) {
    const { results } = await db
      .prepare(
        'SELECT * FROM commission_line WHERE period_id = ? AND distributor_id = ? ORDER BY bonus, level, source_id',
      )
      .bind(periodId, distributorId)
      .all<CommissionLineRow>();
    return results;
  }
  const out: CommissionLineRow[] = [];
  for (const c of await chunksOf(db, periodId, 'commission_line', [distributorId, distributorId]))
    for (const r of await rowsOf<StoredLine>(files, c))
      if (r[0] === distributorId) out.push(lineOf(periodId, r));
  return out;
}

const lineOf = (periodId: string, r: StoredLine): CommissionLineRow => ({
  period_id: periodId,
  distributor_id: r[0],
  bonus: r[1],
  level: r[2],
  source_id: r[3],
  volume: r[4],
  bp: r[5],
  before_cap: r[6],
  amount: r[7],
});

/** A member's commission lines in archived periods (the live ones are read with the member's other rows). */
export async function archivedCommissionLinesOf(
  db: D1Database,
  files: R2Bucket,
  distributorId: number,
): Promise<CommissionLineRow[]> {
  const { results } = await db
    .prepare(
      "SELECT period_id FROM period_archive WHERE status IN ('VERIFIED', 'ARCHIVED') ORDER BY period_id",
    )
    .all<{ period_id: string }>();
  const out: CommissionLineRow[] = [];
  for (const { period_id } of results)
    out.push(...(await commissionLines(db, files, period_id, distributorId)));
  return out;
}

/**
 * An archived period's volume lines, chunk by chunk (paid lines with sign 1, then refunded lines with sign -1),
 * only the chunks holding one of `members` when given (sorted ids). Live periods are read by the close's own
 * statements (commissions/periods/volumeLines.ts, volumeSums.ts).
 */
export async function archivedVolumeLines(
  db: D1Database,
  files: R2Bucket,
  periodId: string,
  sink: (rows: VolumeLineRow[], sign: 1 | -1) => void,
  members?: Int32Array,
): Promise<void> {
  const holdsOne = (c: ChunkRow) => {
    if (!members) return true;
    let lo = 0;
    let hi = members.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (members[mid] < c.first_key) lo = mid + 1;
      else hi = mid;
    }
    return lo < members.length && members[lo] <= c.last_key;
  };
  for (const c of await chunksOf(db, periodId, 'volume_line'))
    if (holdsOne(c))
      sink(
        (await rowsOf<unknown[]>(files, c)).map((r) => r.slice(0, 8) as VolumeLineRow),
        1,
      );
  for (const c of await chunksOf(db, periodId, 'refund_line'))
    sink(
      (await rowsOf<unknown[]>(files, c)).map((r) => r.slice(0, 8) as VolumeLineRow),
      -1,
    );
}

/** The period's frozen snapshot chunks in order (their JSON), live or archived. */
export async function* snapshotChunks(
  db: D1Database,
  files: R2Bucket | undefined,
  periodId: string,
): AsyncGenerator<string> {
  if (!(await isArchived(db, periodId))) {
    for (let chunk = 0; ; chunk++) {
      const row = await db
        .prepare('SELECT data FROM period_snapshot_chunk WHERE period_id = ? AND chunk = ?')
        .bind(periodId, chunk)
        .first<{ data: string }>();
      if (!row) return;
      yield row.data;
    }
  }
  if (!files) throw new Error(`period ${periodId} is archived: its snapshot is read from R2`);
  for (const c of await chunksOf(db, periodId, 'snapshot'))
    for (const [, data] of await rowsOf<[number, string]>(files, c)) yield data;
}

/**
 * Order lines of orders whose lines are archived: the orders given (id and period) that have no live line, read
 * from their period's archive, in order and line id order.
 */
export async function archivedOrderLines(
  db: D1Database,
  files: R2Bucket,
  orders: { id: number; period: string | null }[],
  liveOrderIds: Set<number>,
): Promise<Record<string, unknown>[]> {
  const archived = await archivedAmong(db, [
    ...new Set(orders.map((o) => o.period).filter((p) => p != null)),
  ]);
  const wanted = orders.filter((o) => o.period && archived.has(o.period) && !liveOrderIds.has(o.id));
  // One chunk list per period and one read per chunk, however many of the orders share it; a chunk's rows
  // are dropped once its orders' lines are taken.
  const byOrder = new Map<number, Record<string, unknown>[]>(wanted.map((o) => [o.id, []]));
  for (const period of new Set(wanted.map((o) => o.period as string))) {
    const ids = wanted.filter((o) => o.period === period).map((o) => o.id);
    const range = ids.reduce<[number, number]>(
      ([lo, hi], id) => [Math.min(lo, id), Math.max(hi, id)],
      [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY],
    );
    for (const c of await chunksOf(db, period, 'order_line', range)) {
      if (!ids.some((id) => c.first_key <= id && id <= c.last_key)) continue;
      for (const r of await rowsOf<Record<string, unknown>>(files, c))
        byOrder.get(r.order_id as number)?.push(r);
    }
  }
  return wanted.flatMap((o) => byOrder.get(o.id) ?? []);
}

/** Raw lead event rows with their archived bodies put back (rows without the archive marker pass unchanged). */
export async function withArchivedBodies<T extends { id: number; body: string }>(
  db: D1Database,
  files: R2Bucket,
  events: T[],
): Promise<T[]> {
  const out: T[] = [];
  for (const e of events) {
    const marker = /^\{"archived":"(\d{4}-\d{2})"\}$/.exec(e.body);
    if (!marker || e.body !== archivedBody(marker[1])) {
      out.push(e);
      continue;
    }
    let found: T | undefined;
    for (const c of await chunksOf(db, marker[1], 'lead_event', [e.id, e.id]))
      found ??= (await rowsOf<T>(files, c)).find((r) => r.id === e.id);
    out.push(found ?? e);
  }
  return out;
}
