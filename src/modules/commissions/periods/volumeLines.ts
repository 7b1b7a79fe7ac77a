import { grown } from '../../../lib/typedArrays';
import { KIND_CUSTOMER, KIND_PERSONAL, type VolumeLines } from '../engine';
import { indexOf } from './members';

const ORDER_CHUNK = 20_000;

/** Growable typed columns for volume lines. */
export class LineColumns {
  count = 0;
  member = new Int32Array(1024);
  qv = new Float64Array(1024);
  cv = new Float64Array(1024);
  kind = new Uint8Array(1024);
  at = new Float64Array(1024);
  orderAt = new Float64Array(1024);
  retailProfit = new Float64Array(1024);
  starterKit = new Uint8Array(1024);

  push(
    member: number,
    qv: number,
    cv: number,
    kind: number,
    at: number,
    orderAt: number,
    profit: number,
    kit: number,
  ) {
    if (this.count === this.member.length) this.grow();
    const i = this.count++;
    this.member[i] = member;
    this.qv[i] = qv;
    this.cv[i] = cv;
    this.kind[i] = kind;
    this.at[i] = at;
    this.orderAt[i] = orderAt;
    this.retailProfit[i] = profit;
    this.starterKit[i] = kit;
  }

  private grow() {
    this.member = grown(this.member);
    this.qv = grown(this.qv);
    this.cv = grown(this.cv);
    this.kind = grown(this.kind);
    this.at = grown(this.at);
    this.orderAt = grown(this.orderAt);
    this.retailProfit = grown(this.retailProfit);
    this.starterKit = grown(this.starterKit);
  }

  toLines(): VolumeLines {
    return {
      count: this.count,
      member: this.member,
      qv: this.qv,
      cv: this.cv,
      kind: this.kind,
      at: this.at,
      orderAt: this.orderAt,
      retailProfit: this.retailProfit,
      starterKit: this.starterKit,
    };
  }
}

/** member, qv, cv, kind, at, orderAt, retail profit, starter kit (one order or refund line). */
export type LineRow = [number, number, number, string, string, string, number, number];

/** The paid-order part of a volume line, selected from `os` (the orders) joined to `l` (their lines). */
export const PAID_LINE = `os.distributor_id, l.quantity * l.unit_qv, l.quantity * l.unit_cv, os.kind, os.paid_at, os.paid_at,
  CASE os.kind WHEN 'CUSTOMER' THEN (l.unit_retail - l.unit_wholesale) * l.quantity ELSE 0 END, l.is_starter_kit`;

/** Appends order or refund rows to `cols` as volume lines (sign -1 for refunds); rows of unknown members are skipped. */
export function addLineRows(
  cols: LineColumns,
  bounds: { start: number; end: number },
  ids: Int32Array,
  rows: LineRow[],
  sign: 1 | -1,
): void {
  const clamp = (t: number) => Math.min(Math.max(t, bounds.start), bounds.end - 1);
  for (const [member, qv, cv, kind, at, orderAt, profit, kit] of rows) {
    const idx = indexOf(ids, member);
    if (idx < 0) continue; // a member created after the snapshot (cannot own a frozen period's order)
    cols.push(
      idx,
      sign * qv,
      sign * cv,
      kind === 'CUSTOMER' ? KIND_CUSTOMER : KIND_PERSONAL,
      clamp(Date.parse(at)),
      Date.parse(orderAt),
      sign * profit,
      kit,
    );
  }
}

/** The lines of the period's refunds (clawbacks included), page by page; to be added with sign -1. */
export async function readRefundLines(
  db: D1Database,
  periodId: string,
  page: (rows: LineRow[]) => void,
): Promise<void> {
  for (let after = 0; ; ) {
    const rows = await db
      .prepare(
        `WITH rs AS (SELECT id, order_id, lines, created_at FROM refund WHERE period = ?1 AND id > ?2 ORDER BY id LIMIT ?3)
         SELECT o.distributor_id, j.q * l.unit_qv, j.q * l.unit_cv, o.kind, rs.created_at, o.paid_at,
           CASE o.kind WHEN 'CUSTOMER' THEN (l.unit_retail - l.unit_wholesale) * j.q ELSE 0 END,
           l.is_starter_kit, rs.id
         FROM rs JOIN sales_order o ON o.id = rs.order_id,
           (SELECT rs2.id AS rid, json_extract(e.value, '$.lineId') AS line_id, json_extract(e.value, '$.quantity') AS q
              FROM rs rs2, json_each(rs2.lines) e) j
         JOIN order_line l ON l.id = j.line_id
         WHERE j.rid = rs.id`,
      )
      .bind(periodId, after, ORDER_CHUNK)
      .raw<[...LineRow, number]>();
    if (rows.length === 0) break;
    page(rows as unknown as LineRow[]);
    after = Math.max(...rows.map((r) => r[8]));
  }
}

/**
 * The period's volume lines: one per order line of its paid orders, and a negative one per refunded line of
 * its refunds (clawbacks included). Orders and refunds carry their period, so a late payment or a refund
 * that entered this period counts here; `at` is clamped into the period's bounds for that reason.
 * The close reads per-member sums instead (volumeSums.ts); explain and the engine-only benchmark read these.
 */
export async function readVolumeLines(
  db: D1Database,
  periodId: string,
  bounds: { start: number; end: number },
  ids: Int32Array,
  /** When given, each page of lines goes here and is not kept (the returned lines are then empty). */
  sink?: (chunk: VolumeLines) => void,
): Promise<VolumeLines> {
  let cols = new LineColumns();
  const flush = () => {
    if (!sink || cols.count === 0) return;
    sink(cols.toLines());
    cols = new LineColumns();
  };
  for (let after = 0; ; ) {
    const rows = await db
      .prepare(
        `WITH os AS (SELECT id, distributor_id, kind, paid_at FROM sales_order
                     WHERE period = ?1 AND id > ?2 AND paid_at IS NOT NULL ORDER BY id LIMIT ?3)
         SELECT ${PAID_LINE}, os.id
         FROM os JOIN order_line l ON l.order_id = os.id`,
      )
      .bind(periodId, after, ORDER_CHUNK)
      .raw<[...LineRow, number]>();
    if (rows.length === 0) break;
    addLineRows(cols, bounds, ids, rows as unknown as LineRow[], 1);
    flush();
    after = Math.max(...rows.map((r) => r[8]));
  }
  await readRefundLines(db, periodId, (rows) => {
    addLineRows(cols, bounds, ids, rows, -1);
    flush();
  });
  return cols.toLines();
}
