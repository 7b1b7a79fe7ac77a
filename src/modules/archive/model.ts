// The archive's words (no I/O): the parts of a period that move to R2, in the order they are written, their
// chunk sizes, where their objects live, and the marker a raw lead event's body keeps once archived.

export const PARTS = [
  'snapshot',
  'commission_line',
  'volume_line',
  'refund_line',
  'order_line',
  'payment',
  'lead_event',
] as const;
export type Part = (typeof PARTS)[number];

export type ArchiveStatus = 'WRITING' | 'VERIFIED' | 'ARCHIVED';

/**
 * Keys (rows, or members/orders/refunds for parts whose chunk holds all rows of its keys) per chunk: objects of
 * some hundred kB, so a statement or an order reads one small object; a snapshot row is itself a chunk of
 * members (up to ~1 MB of JSON).
 */
export const CHUNK_KEYS: Record<Part, number> = {
  snapshot: 4,
  commission_line: 5_000,
  volume_line: 2_000,
  refund_line: 1_000,
  order_line: 2_000,
  payment: 2_000,
  lead_event: 1_000,
};

/** What one row of each part holds (the manifest says it; arrays keep the big parts compact). */
export const COLUMNS: Record<Part, string> = {
  snapshot: '[chunk, data] of period_snapshot_chunk',
  commission_line:
    '[distributor_id, bonus, level, source_id, volume, bp, before_cap, amount] of commission_line',
  volume_line:
    '[member, qv, cv, kind, at, orderAt, retailProfit, starterKit, orderLineId]: a paid order line as the close reads it',
  refund_line:
    '[member, qv, cv, kind, at, orderAt, retailProfit, starterKit, refundId]: a refunded line (counted negative)',
  order_line: 'order_line rows (objects)',
  payment:
    'payment rows (objects): the record of each paid order (its status and paid_at stay on sales_order)',
  lead_event: 'lead_event rows (objects)',
};

export const ARCHIVE_PREFIX = 'archive/';

export const locationOf = (periodId: string): string => `${ARCHIVE_PREFIX}${periodId}/`;

export const chunkKey = (periodId: string, part: Part, chunk: number): string =>
  `${locationOf(periodId)}${part}/${String(chunk).padStart(6, '0')}.ndjson`;

export const manifestKey = (periodId: string): string => `${locationOf(periodId)}manifest.json`;

/** The body a raw lead event keeps in D1 once its row is in the archive (the row stays for dedupe and links). */
export const archivedBody = (periodId: string): string => JSON.stringify({ archived: periodId });

export const HORIZON_MIN = 1;
export const HORIZON_MAX = 120;
