// The archive's volume-line chunk must read its members' orders by (period, member): with a plain JOIN SQLite
// scanned every paid order of the period for each chunk, which made archiving quadratic (599 s a period at 1M,
// 134 s after). The plan is the same on an empty table: without statistics the planner's choice does not
// depend on the rows.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { VOLUME_LINE_CHUNK } from '../../src/modules/archive/parts';

const planOf = async (sql: string) =>
  (
    await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`).bind('2026-11', 0, 2000).all<{ detail: string }>()
  ).results.map((r) => r.detail);

describe('the volume-line chunk query', () => {
  it('seeks the orders of each member of the chunk, never the whole period', async () => {
    const plan = await planOf(VOLUME_LINE_CHUNK);
    expect(plan).toContainEqual(
      expect.stringMatching(/^SEARCH o USING .*\(period=\? AND distributor_id=\?\)/),
    );
    expect(plan).not.toContainEqual(expect.stringMatching(/^SEARCH o USING .*\(period=\?\)$/));
  });

  it('would scan the period with a plain JOIN (what the test guards against)', async () => {
    const plain = await planOf(VOLUME_LINE_CHUNK.replaceAll('CROSS JOIN', 'JOIN'));
    expect(plain).toContainEqual(expect.stringMatching(/^SEARCH o USING .*\(period=\?\)$/));
  });
});
