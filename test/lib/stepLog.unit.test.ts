import { afterEach, describe, expect, it, vi } from 'vitest';
import { logStep } from '../../src/lib/stepLog';
import { logCloseStep } from '../../src/modules/commissions/periods/metered';
import { logImportStep } from '../../src/modules/imports/steps';
import { ORDER_IMPORT } from '../../src/modules/orders/import/table';

// The one step logger: bench/close.mjs parses the close's lines (`[close] <period> run <n> <step> k=v ...`).

afterEach(() => vi.restoreAllMocks());

describe('logStep', () => {
  it('writes one line: scope, subject, step, then name=value pairs in order', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    logStep('x', 'y 1', 'z.step', { ms: 12, rows: 0 });
    logCloseStep('2026-11', 2, 'compute.parts', { loadMs: 5, members: 100 });
    logImportStep(ORDER_IMPORT, 7, 'apply.orders', { chunk: 3, ms: 40 });
    expect(log.mock.calls).toEqual([
      ['[x] y 1 z.step ms=12 rows=0'],
      ['[close] 2026-11 run 2 compute.parts loadMs=5 members=100'],
      ['[import] orders 7 apply.orders chunk=3 ms=40'],
    ]);
  });
});
