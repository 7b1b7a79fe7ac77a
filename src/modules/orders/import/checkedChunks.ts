// Checked orders gathered into chunks as apply writes them: each chunk's rows (at most MAX_JSON_PARAM of JSON,
// staged orders [first, first + count) of one pack), the report_sales sums of its paid lines and the
// (customer, period) pairs of its paid customer orders (reportCounters.ts).
import { MAX_JSON_PARAM } from '../../imports/limits';
import type { CheckedOrder, Refs } from './check';
import { SalesTally } from './reportCounters';

export interface CheckedChunk {
  partNo: number;
  pack: number;
  first: number;
  count: number;
  /** JSON array of CheckedOrder. */
  checked: string;
  /** JSON report_sales sums. */
  sales: string;
  /** JSON [[customerId, period], ...]. */
  months: string;
}

/** Gathers one pack's checked orders; `add` answers a chunk when one is full, `end` the last one. */
export class CheckedChunks {
  private rows: string[] = [];
  private size = 2;
  private first = 0;
  private sales = new SalesTally();
  private months: [number, string][] = [];
  private seen = new Set<string>();

  constructor(
    private readonly partNo: number,
    private readonly pack: number,
    private readonly maxChars = MAX_JSON_PARAM,
  ) {}

  /** Adds the staged order at `index` of the pack, checked; `refs` are its members (the market is the buyer's). */
  add(index: number, o: CheckedOrder, refs: Refs): CheckedChunk | null {
    const json = JSON.stringify(o);
    let full: CheckedChunk | null = null;
    if (this.rows.length && this.size + json.length + 1 > this.maxChars) {
      full = this.take();
      this.first = index;
    }
    this.rows.push(json);
    this.size += json.length + 1;
    const [, , customerId, kind, currency, , , , , , , period] = o;
    const market = refs[5] ?? refs[2];
    if (period != null && market != null)
      for (const [productId, quantity, unitPrice, unitQv, unitCv] of o[14])
        this.sales.add(period, market, currency, kind, productId, quantity, unitPrice, unitQv, unitCv);
    if (customerId != null && period != null) {
      const key = `${customerId}|${period}`;
      if (!this.seen.has(key)) {
        this.seen.add(key);
        this.months.push([customerId, period]);
      }
    }
    return full;
  }

  /** The last chunk of the pack (null when it held no orders). */
  end(): CheckedChunk | null {
    return this.rows.length ? this.take() : null;
  }

  private take(): CheckedChunk {
    const chunk: CheckedChunk = {
      partNo: this.partNo,
      pack: this.pack,
      first: this.first,
      count: this.rows.length,
      checked: `[${this.rows.join(',')}]`,
      sales: this.sales.json(),
      months: JSON.stringify(this.months),
    };
    this.rows = [];
    this.size = 2;
    this.sales = new SalesTally();
    this.months = [];
    this.seen = new Set();
    return chunk;
  }
}
