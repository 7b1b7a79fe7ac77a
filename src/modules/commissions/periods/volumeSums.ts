// The close's volume input: per-member sums of the period's paid order lines, summed by SQLite, instead of every
// line. The engine only ever adds lines up per member (PV, CV, customer PV, retail profit, fast-start CV), so a
// member's lines of one kind and starter-kit flag add up to one line with the same effect. Fast start is the one
// part that looks at each line (was its order paid within the member's window?): a group whose orders are all
// inside or all outside the window is still one line; a member with a group across the window's edge (a member
// who joined around the period) is read line by line. Refunds are read line by line (few).
// Most of the work was the join to order_line (an index seek per order, a row per line). An order already
// carries its qv/cv (sales_order.qv/cv: the sum of its lines without starter kits, written with the order by
// every path that creates one, orders/model.ts lineVolume). So when the plan gives kits no volume, orders whose
// lines add nothing else are summed from their own rows: every PERSONAL order, and CUSTOMER orders too when the
// plan pays no retail profit (only CUSTOMER orders' lines carry it). The rest still sums lines.
import { KIND_CUSTOMER, KIND_PERSONAL, type MemberArrays, type VolumeLines } from '../engine';
import type { CompiledPlan } from '../plan';
import { indexOf } from './members';
import { addLineRows, LineColumns, type LineRow, PAID_LINE, readRefundLines } from './volumeLines';

/** Members per grouped query (a distributor-id range of index sales_order_period_paid). */
const MEMBER_PAGE = 25_000;
/** Members per query of the fallback that reads lines (ids in one JSON parameter). */
const DETAIL_MEMBERS = 2_000;
/** julianday → epoch ms leaves float rounding: a group this close to a window edge is read line by line. */
const EDGE_MS = 1_000;
const JULIAN_EPOCH = 2_440_587.5;
const DAY_MS = 86_400_000;

export interface FastStartWindow {
  windowMs: number;
  /** Join instant per member (epoch ms), by member index. */
  joinedAt: Float64Array;
}

/** What readVolumeSums needs for the plan's fast start (null without one). */
export function fastStartWindow(plan: CompiledPlan, members: MemberArrays): FastStartWindow | null {
  if (!plan.fastStart) return null;
  if (!members.joinedAt) throw new Error('Members: joinedAt is required by this plan.');
  return { windowMs: plan.fastStart.windowMs, joinedAt: members.joinedAt };
}

/** Which paid orders can be summed from their own qv/cv instead of their lines (see above). */
export type OrderTotals = 'none' | 'personal' | 'all';

/** The orders whose own totals give the plan the same volumes as their lines. */
export function orderTotalsFor(plan: Pick<CompiledPlan, 'starterKitsCarryVolume' | 'retail'>): OrderTotals {
  if (plan.starterKitsCarryVolume) return 'none'; // a kit's line keeps its unit volumes; the order's total has none
  return plan.retail ? 'personal' : 'all';
}

/** distributor, kind, starter kit, Σqv, Σcv, Σretail profit, then with fast start: first and last paid (julianday), unparsed. */
type SumRow = [number, string, number, number, number, number, number | null, number | null, number];

export interface VolumeSumCounts {
  /** Grouped rows fed to the engine as lines. */
  sums: number;
  /** Lines read one by one: members across a fast-start window edge, and refunds. */
  lines: number;
  /** Members whose paid lines were read one by one. */
  detailMembers: number;
}

/**
 * Feeds the period's volumes to `sink` as lines: one per member, kind and starter-kit flag (the sums of its paid
 * order lines), plus the lines that must stay lines (see above). Same engine result as readVolumeLines.
 */
export async function readVolumeSums(
  db: D1Database,
  periodId: string,
  bounds: { start: number; end: number },
  ids: Int32Array,
  fastStart: FastStartWindow | null,
  sink: (chunk: VolumeLines) => void,
  /** Orders summed from their own rows (orderTotalsFor(plan)); the default sums every order's lines. */
  fromOrders: OrderTotals = 'none',
): Promise<VolumeSumCounts> {
  const counts: VolumeSumCounts = { sums: 0, lines: 0, detailMembers: 0 };
  const detail: number[] = [];
  const window = fastStart
    ? `, min(julianday(o.paid_at)), max(julianday(o.paid_at)), sum(julianday(o.paid_at) IS NULL)`
    : ', NULL, NULL, 0';
  const range =
    'o.period = ?1 AND o.paid_at IS NOT NULL AND o.distributor_id > ?2 AND o.distributor_id <= ?3';
  const lineKinds = { none: '', personal: " AND o.kind = 'CUSTOMER'", all: null }[fromOrders];
  const orderKinds = { none: null, personal: " AND o.kind = 'PERSONAL'", all: '' }[fromOrders];
  const statements = [
    lineKinds == null
      ? null
      : db.prepare(
          `SELECT o.distributor_id, o.kind, l.is_starter_kit, sum(l.quantity * l.unit_qv), sum(l.quantity * l.unit_cv),
             sum(CASE o.kind WHEN 'CUSTOMER' THEN (l.unit_retail - l.unit_wholesale) * l.quantity ELSE 0 END)${window}
           FROM sales_order o JOIN order_line l ON l.order_id = o.id
           WHERE ${range}${lineKinds}
           GROUP BY o.distributor_id, o.kind, l.is_starter_kit`,
        ),
    orderKinds == null
      ? null
      : db.prepare(
          `SELECT o.distributor_id, o.kind, 0, sum(o.qv), sum(o.cv), 0${window}
           FROM sales_order o WHERE ${range}${orderKinds}
           GROUP BY o.distributor_id, o.kind`,
        ),
  ].filter((x) => x !== null);
  // Every line counts wherever it falls in the period (readVolumeLines clamps `at` into the bounds).
  const at = bounds.start;
  for (let first = 0; first < ids.length; first += MEMBER_PAGE) {
    const last = Math.min(ids.length, first + MEMBER_PAGE) - 1;
    const after = first === 0 ? -2_147_483_648 : ids[first - 1];
    const rows: SumRow[] = [];
    for (const statement of statements)
      for (const row of await statement.bind(periodId, after, ids[last]).raw<SumRow>()) rows.push(row);
    const cols = new LineColumns();
    // A member with any group across a window edge is read line by line: none of its groups is summed.
    const lineByLine = new Set<number>();
    const orderAt = new Float64Array(rows.length);
    if (fastStart) {
      const { windowMs, joinedAt } = fastStart;
      for (let r = 0; r < rows.length; r++) {
        const [member, , , , , , firstJd, lastJd, unparsed] = rows[r];
        const m = indexOf(ids, member);
        if (m < 0) continue;
        if (firstJd == null || lastJd == null || unparsed !== 0) {
          lineByLine.add(m);
          continue;
        }
        const firstMs = (firstJd - JULIAN_EPOCH) * DAY_MS;
        const lastMs = (lastJd - JULIAN_EPOCH) * DAY_MS;
        const from = joinedAt[m];
        const to = from + windowMs;
        if (firstMs >= from + EDGE_MS && lastMs < to - EDGE_MS)
          orderAt[r] = from; // all inside
        else if (lastMs < from - EDGE_MS || firstMs >= to + EDGE_MS)
          orderAt[r] = -Infinity; // all outside
        else lineByLine.add(m);
      }
    }
    for (let r = 0; r < rows.length; r++) {
      const [member, kind, kit, qv, cv, profit] = rows[r];
      const m = indexOf(ids, member);
      if (m < 0 || lineByLine.has(m)) continue;
      cols.push(
        m,
        qv,
        cv,
        kind === 'CUSTOMER' ? KIND_CUSTOMER : KIND_PERSONAL,
        at,
        fastStart ? orderAt[r] : at,
        profit,
        kit,
      );
    }
    counts.sums += cols.count;
    if (cols.count > 0) sink(cols.toLines());
    for (const m of lineByLine) detail.push(ids[m]);
  }
  counts.detailMembers = detail.length;
  for (let start = 0; start < detail.length; start += DETAIL_MEMBERS) {
    const rows = await db
      .prepare(
        `WITH os AS (SELECT id, distributor_id, kind, paid_at FROM sales_order
                     WHERE period = ?1 AND paid_at IS NOT NULL AND distributor_id IN (SELECT value FROM json_each(?2)))
         SELECT ${PAID_LINE} FROM os JOIN order_line l ON l.order_id = os.id`,
      )
      .bind(periodId, JSON.stringify(detail.slice(start, start + DETAIL_MEMBERS)))
      .raw<LineRow>();
    const cols = new LineColumns();
    addLineRows(cols, bounds, ids, rows, 1);
    counts.lines += cols.count;
    if (cols.count > 0) sink(cols.toLines());
  }
  await readRefundLines(db, periodId, (rows) => {
    const cols = new LineColumns();
    addLineRows(cols, bounds, ids, rows, -1);
    counts.lines += cols.count;
    if (cols.count > 0) sink(cols.toLines());
  });
  return counts;
}
