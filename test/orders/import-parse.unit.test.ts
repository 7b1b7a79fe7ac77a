import { describe, expect, it } from 'vitest';
import { isInstant, orderSchema, parsePart, quickOrder } from '../../src/modules/orders/import/parse';
import { prng } from '../lib/prng';

// The parser's fast path must accept only what the zod schema accepts, and unchanged.

const VALUES: Record<string, unknown[]> = {
  externalId: ['O1', ' O1', '', 'x'.repeat(65), 7, undefined],
  distributorExternalId: ['D1', 'D1 ', '', undefined, undefined],
  distributorId: [undefined, 3, 0, -1, 1.5, '3'],
  customerExternalId: [undefined, 'C1', ''],
  customerId: [undefined, 4, 0],
  kind: [undefined, 'PERSONAL', 'CUSTOMER', 'OTHER'],
  currency: [undefined, 'DKK', 'dkk', 'EURO'],
  status: ['PAID', 'PENDING', 'CANCELLED', 'REFUNDED', undefined],
  paidAt: [
    '2026-10-01T10:00:00.000Z',
    '2026-10-01T10:00:00Z',
    '2026-02-30T10:00:00.000Z',
    '2026-10-01T12:00:00.000+02:00',
    '2026-13-01T10:00:00.000Z',
    'yesterday',
    undefined,
  ],
  createdAt: [undefined, '2026-09-30T10:00:00.000Z', '2026-09-31T10:00:00.000Z'],
  paymentReference: [undefined, 'pay-1', ' pay', ''],
  colour: [undefined, 'red'],
};
const LINES: unknown[] = [
  [{ sku: 'P1', quantity: 1 }],
  [{ sku: 'P1', quantity: 2, unitPrice: 0, unitQv: 5, unitCv: 9 }],
  [{ sku: 'P1', quantity: 0 }],
  [{ sku: 'P1', quantity: 1, unitPrice: -1 }],
  [{ sku: 'P1', quantity: 1.5 }],
  [{ sku: ' P1', quantity: 1 }],
  [{ sku: 'P1', quantity: 1, extra: 1 }],
  [],
  'P1',
  [null],
  undefined,
];

describe('order import parse', () => {
  it('the fast path accepts a subset of what the schema accepts, with the same result (3,000 random orders)', () => {
    const rand = prng(42);
    let quick = 0;
    for (let i = 0; i < 3000; i++) {
      const o: Record<string, unknown> = {};
      for (const [k, vs] of Object.entries(VALUES)) {
        // Mostly the first (valid, or absent) value, so that whole valid orders come up often.
        const v = rand() < 0.8 ? vs[0] : vs[Math.floor(rand() * vs.length)];
        if (v !== undefined) o[k] = v;
      }
      const lines = rand() < 0.6 ? LINES[rand() < 0.5 ? 0 : 1] : LINES[Math.floor(rand() * LINES.length)];
      if (lines !== undefined) o.lines = lines;
      const q = quickOrder(structuredClone(o));
      if (!q) continue;
      quick++;
      const z = orderSchema.safeParse(structuredClone(o));
      expect(z.success, JSON.stringify(o)).toBe(true);
      expect(q).toEqual(z.data);
    }
    expect(quick).toBeGreaterThan(300);
  });

  it('isInstant accepts exactly the canonical instants that survive a Date round trip (20,000 random ones)', () => {
    const rand = prng(7);
    const pad = (n: number, w: number) => String(n).padStart(w, '0');
    const roundTrip = (v: string) => {
      const ms = Date.parse(v);
      return !Number.isNaN(ms) && new Date(ms).toISOString() === v;
    };
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      // Fields a little beyond their ranges: month 0-13, day 0-32, hour 0-25, minute and second 0-61; leap years.
      const year = [1900, 2000, 2024, 2026, 2100, 0, 9999][Math.floor(rand() * 7)];
      const v = `${pad(year, 4)}-${pad(Math.floor(rand() * 14), 2)}-${pad(Math.floor(rand() * 33), 2)}T${pad(
        Math.floor(rand() * 26),
        2,
      )}:${pad(Math.floor(rand() * 62), 2)}:${pad(Math.floor(rand() * 62), 2)}.${pad(Math.floor(rand() * 1000), 3)}Z`;
      expect(isInstant(v), v).toBe(roundTrip(v));
      if (roundTrip(v)) accepted++;
    }
    expect(accepted).toBeGreaterThan(5000);
    for (const v of ['2026-10-01T10:00:00Z', '2026-10-01T10:00:00.000+00:00', ' 2026-10-01T10:00:00.000Z', 7])
      expect(isInstant(v)).toBe(false);
  });

  it('both paths stage the same row', () => {
    const valid = {
      externalId: 'O1',
      distributorExternalId: 'D1',
      status: 'PAID',
      paidAt: '2026-10-01T10:00:00.000Z',
      lines: [{ sku: 'P1', quantity: 2 }],
    };
    // The offset form takes the schema's path; both must stage the same instant.
    const slow = { ...valid, paidAt: '2026-10-01T12:00:00.000+02:00' };
    const now = '2026-11-01T00:00:00.000Z';
    const a = parsePart('NDJSON', JSON.stringify(valid), now);
    const b = parsePart('NDJSON', JSON.stringify(slow), now);
    expect(a.issues).toEqual([]);
    expect(b.rows).toEqual(a.rows);
  });
});
