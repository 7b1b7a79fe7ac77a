// The SQL of each archived part: read its next chunk of live rows in key order, count its live rows, delete the
// live rows of a written chunk. Reads other modules' tables by SQL (like gdpr), importing none of them.
import { archivedBody, type Part } from './model';

export interface PeriodScope {
  periodId: string;
  /** The period's bounds (ISO): raw lead events belong to the period they were received in. */
  startsAt: string;
  endsAt: string;
}

export type Cursor = (number | string)[];

export interface ChunkRows {
  rows: unknown[];
  /** Leading key of the first and last row (the reader finds a chunk by it). */
  firstKey: number;
  lastKey: number;
  /** Where the next chunk starts. */
  cursor: Cursor;
  /** Keys (see CHUNK_KEYS) read: fewer than asked means the part is finished. */
  keys: number;
}

const first = -1;

/** A paid line as commissions/periods/volumeLines.ts PAID_LINE selects it (the engine's volume line). */
const PAID_LINE = `o.distributor_id, l.quantity * l.unit_qv, l.quantity * l.unit_cv, o.kind, o.paid_at, o.paid_at,
  CASE o.kind WHEN 'CUSTOMER' THEN (l.unit_retail - l.unit_wholesale) * l.quantity ELSE 0 END, l.is_starter_kit, l.id`;

/**
 * The next `?3` members with paid orders in period `?1` after member `?2`, all their paid lines (see readChunk).
 * Exported for the test that pins its plan (test/archive/plan.test.ts).
 */
export const VOLUME_LINE_CHUNK = `WITH ds AS (SELECT DISTINCT distributor_id FROM sales_order
    WHERE period = ?1 AND paid_at IS NOT NULL AND distributor_id > ?2 ORDER BY distributor_id LIMIT ?3)
  SELECT ${PAID_LINE} FROM ds CROSS JOIN sales_order o ON o.distributor_id = ds.distributor_id
    AND o.period = ?1 AND o.paid_at IS NOT NULL
  CROSS JOIN order_line l ON l.order_id = o.id ORDER BY o.distributor_id, l.id`;

/** A raw lead event of the period whose intakes are all done (nothing will read its body to process it again). */
const EVENT_OF_PERIOD = `e.received_at >= ?1 AND e.received_at < ?2 AND e.body <> ?3
  AND NOT EXISTS (SELECT 1 FROM lead_intake i WHERE i.event_id = e.id AND i.status <> 'DONE')`;

/** Order lines of the period's orders that may leave D1: none of the order's lines is refunded in another period. */
const ORDER_LINES_OF = (
  range: string,
) => `order_id IN (SELECT id FROM sales_order WHERE period = ?1 AND ${range})
  AND order_id NOT IN (SELECT order_id FROM refund WHERE period <> ?1)`;

function chunkOf(rows: unknown[], key: (r: unknown) => number, cursor: Cursor, keys: number): ChunkRows {
  return { rows, firstKey: key(rows[0]), lastKey: key(rows[rows.length - 1]), cursor, keys };
}

const empty = (cursor: Cursor): ChunkRows => ({ rows: [], firstKey: 0, lastKey: 0, cursor, keys: 0 });

/** How many of the period's orders follow `after` (up to `limit`), and the last of them. */
function ordersAfter(db: D1Database, periodId: string, after: number, limit: number) {
  return db
    .prepare(
      'SELECT count(*) AS n, max(id) AS last FROM (SELECT id FROM sales_order WHERE period = ? AND id > ? ORDER BY id LIMIT ?)',
    )
    .bind(periodId, after, limit)
    .first<{ n: number; last: number | null }>();
}

/** The next chunk of `part` after `cursor` (null = from the start). */
export async function readChunk(
  db: D1Database,
  scope: PeriodScope,
  part: Part,
  cursor: Cursor | null,
  limit: number,
): Promise<ChunkRows> {
  const p = scope.periodId;
  switch (part) {
    case 'snapshot': {
      const after = (cursor?.[0] as number) ?? first;
      const rows = await db
        .prepare(
          'SELECT chunk, data FROM period_snapshot_chunk WHERE period_id = ? AND chunk > ? ORDER BY chunk LIMIT ?',
        )
        .bind(p, after, limit)
        .raw<[number, string]>();
      if (rows.length === 0) return empty([after]);
      const last = rows[rows.length - 1][0];
      return chunkOf(rows, (r) => (r as [number])[0], [last], rows.length);
    }
    case 'commission_line': {
      const [d, bonus, level, source] = cursor ?? [first, '', first, first];
      const rows = await db
        .prepare(
          `SELECT distributor_id, bonus, level, source_id, volume, bp, before_cap, amount FROM commission_line
           WHERE period_id = ?1 AND (distributor_id, bonus, level, source_id) > (?2, ?3, ?4, ?5)
           ORDER BY distributor_id, bonus, level, source_id LIMIT ?6`,
        )
        .bind(p, d, bonus, level, source, limit)
        .raw<[number, string, number, number, ...number[]]>();
      if (rows.length === 0) return empty([d, bonus, level, source]);
      const l = rows[rows.length - 1];
      return chunkOf(rows, (r) => (r as [number])[0], [l[0], l[1], l[2], l[3]], rows.length);
    }
    case 'volume_line': {
      // Whole members per chunk: the next `limit` members with paid orders in the period, all their lines.
      // CROSS JOIN keeps the chunk's members as the outer loop: with a plain JOIN SQLite scanned every paid order
      // of the period for each chunk (a bloom filter on the members), which made the part quadratic — at 1M,
      // 500 chunks each visiting 2.8M orders.
      const after = (cursor?.[0] as number) ?? first;
      const rows = await db.prepare(VOLUME_LINE_CHUNK).bind(p, after, limit).raw<[number, ...unknown[]]>();
      if (rows.length === 0) return empty([after]);
      const members = new Set(rows.map((r) => r[0])).size;
      const last = rows[rows.length - 1][0];
      return chunkOf(rows, (r) => (r as [number])[0], [last], members);
    }
    case 'refund_line': {
      // As commissions/periods/volumeLines.ts readRefundLines: one line per refunded order line, by refund.
      const after = (cursor?.[0] as number) ?? first;
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
           WHERE j.rid = rs.id ORDER BY rs.id, l.id`,
        )
        .bind(p, after, limit)
        .raw<unknown[]>();
      const refunds = await db
        .prepare(
          'SELECT count(*) AS n, max(id) AS last FROM (SELECT id FROM refund WHERE period = ? AND id > ? ORDER BY id LIMIT ?)',
        )
        .bind(p, after, limit)
        .first<{ n: number; last: number | null }>();
      if (rows.length === 0) return { ...empty([refunds?.last ?? after]), keys: refunds?.n ?? 0 };
      return chunkOf(rows, (r) => (r as number[])[8], [refunds!.last!], refunds!.n);
    }
    case 'order_line': {
      const after = (cursor?.[0] as number) ?? first;
      const { results } = await db
        .prepare(
          `WITH os AS (SELECT id FROM sales_order WHERE period = ?1 AND id > ?2 ORDER BY id LIMIT ?3)
           SELECT l.* FROM os JOIN order_line l ON l.order_id = os.id ORDER BY l.order_id, l.id`,
        )
        .bind(p, after, limit)
        .all<{ order_id: number }>();
      const orders = await ordersAfter(db, p, after, limit);
      if (results.length === 0) return { ...empty([orders?.last ?? after]), keys: orders?.n ?? 0 };
      return chunkOf(results, (r) => (r as { order_id: number }).order_id, [orders!.last!], orders!.n);
    }
    case 'payment': {
      const after = (cursor?.[0] as number) ?? first;
      const { results } = await db
        .prepare(
          `WITH os AS (SELECT id FROM sales_order WHERE period = ?1 AND id > ?2 ORDER BY id LIMIT ?3)
           SELECT p.* FROM os JOIN payment p ON p.order_id = os.id ORDER BY p.order_id`,
        )
        .bind(p, after, limit)
        .all<{ order_id: number }>();
      const orders = await ordersAfter(db, p, after, limit);
      if (results.length === 0) return { ...empty([orders?.last ?? after]), keys: orders?.n ?? 0 };
      return chunkOf(results, (r) => (r as { order_id: number }).order_id, [orders!.last!], orders!.n);
    }
    case 'lead_event': {
      const after = (cursor?.[0] as number) ?? first;
      const { results } = await db
        .prepare(`SELECT e.* FROM lead_event e WHERE ${EVENT_OF_PERIOD} AND e.id > ?4 ORDER BY e.id LIMIT ?5`)
        .bind(scope.startsAt, scope.endsAt, archivedBody(p), after, limit)
        .all<{ id: number }>();
      if (results.length === 0) return empty([after]);
      const last = results[results.length - 1].id;
      return chunkOf(results, (r) => (r as { id: number }).id, [last], results.length);
    }
  }
}

/** The part's live rows now (verification compares them with the rows written). */
export async function liveCount(db: D1Database, scope: PeriodScope, part: Part): Promise<number> {
  const p = scope.periodId;
  const sql: Record<Part, [string, unknown[]]> = {
    snapshot: ['SELECT count(*) AS n FROM period_snapshot_chunk WHERE period_id = ?', [p]],
    commission_line: ['SELECT count(*) AS n FROM commission_line WHERE period_id = ?', [p]],
    volume_line: [
      `SELECT count(*) AS n FROM sales_order o JOIN order_line l ON l.order_id = o.id
       WHERE o.period = ? AND o.paid_at IS NOT NULL`,
      [p],
    ],
    refund_line: [
      `SELECT count(*) AS n FROM refund r, json_each(r.lines) e JOIN order_line l ON l.id = json_extract(e.value, '$.lineId')
       WHERE r.period = ?`,
      [p],
    ],
    order_line: [
      'SELECT count(*) AS n FROM order_line WHERE order_id IN (SELECT id FROM sales_order WHERE period = ?)',
      [p],
    ],
    payment: [
      'SELECT count(*) AS n FROM payment WHERE order_id IN (SELECT id FROM sales_order WHERE period = ?)',
      [p],
    ],
    lead_event: [
      `SELECT count(*) AS n FROM lead_event e WHERE ${EVENT_OF_PERIOD}`,
      [scope.startsAt, scope.endsAt, archivedBody(p)],
    ],
  };
  const [text, params] = sql[part];
  const row = await db
    .prepare(text)
    .bind(...params)
    .first<{ n: number }>();
  return row!.n;
}

/**
 * The statement that removes a verified chunk's live rows (idempotent: a second run finds none). Volume and refund
 * lines are derived from order lines and refunds: their chunks delete nothing themselves.
 */
export function deleteChunkRows(
  db: D1Database,
  scope: PeriodScope,
  part: Part,
  firstKey: number,
  lastKey: number,
): D1PreparedStatement | null {
  const p = scope.periodId;
  switch (part) {
    case 'snapshot':
      return db
        .prepare('DELETE FROM period_snapshot_chunk WHERE period_id = ? AND chunk BETWEEN ? AND ?')
        .bind(p, firstKey, lastKey);
    case 'commission_line':
      return db
        .prepare('DELETE FROM commission_line WHERE period_id = ? AND distributor_id BETWEEN ? AND ?')
        .bind(p, firstKey, lastKey);
    case 'volume_line':
    case 'refund_line':
      return null;
    case 'order_line':
      return db
        .prepare(`DELETE FROM order_line WHERE ${ORDER_LINES_OF('id BETWEEN ?2 AND ?3')}`)
        .bind(p, firstKey, lastKey);
    case 'payment':
      return db
        .prepare(
          'DELETE FROM payment WHERE order_id IN (SELECT id FROM sales_order WHERE period = ? AND id BETWEEN ? AND ?)',
        )
        .bind(p, firstKey, lastKey);
    case 'lead_event':
      return db
        .prepare(
          `UPDATE lead_event SET body = ?3 WHERE id IN (SELECT e.id FROM lead_event e
             WHERE ${EVENT_OF_PERIOD.replaceAll('?1', '?4').replaceAll('?2', '?5')} AND e.id BETWEEN ?1 AND ?2)`,
        )
        .bind(firstKey, lastKey, archivedBody(p), scope.startsAt, scope.endsAt);
  }
}
