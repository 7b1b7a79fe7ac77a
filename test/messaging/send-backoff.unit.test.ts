import { describe, expect, it } from 'vitest';
import { SEND_BACKOFF_CAP_SECONDS, sendBackoffSeconds } from '../../src/modules/messaging/send';

describe('sendBackoffSeconds', () => {
  it('doubles from 1 s, each wait between half and all of it, whole seconds, at least 1', () => {
    const low = () => 0;
    const high = () => 0.999999;
    expect([1, 2, 3, 4, 5, 6].map((n) => sendBackoffSeconds(n, low))).toEqual([1, 1, 2, 4, 8, 16]);
    expect([1, 2, 3, 4, 5, 6].map((n) => sendBackoffSeconds(n, high))).toEqual([1, 2, 4, 8, 16, 32]);
  });

  it('is capped, and a bad attempt count counts as the first', () => {
    expect(sendBackoffSeconds(11, () => 0.999999)).toBe(SEND_BACKOFF_CAP_SECONDS);
    expect(sendBackoffSeconds(1000, () => 0)).toBe(SEND_BACKOFF_CAP_SECONDS / 2);
    expect(sendBackoffSeconds(0)).toBe(1);
    expect(sendBackoffSeconds(Number.NaN)).toBe(1);
  });

  it('spreads the retries of one burst of refusals over the window', () => {
    const waits = new Set(Array.from({ length: 200 }, () => sendBackoffSeconds(6)));
    expect(waits.size).toBeGreaterThan(5);
    for (const w of waits) {
      expect(w).toBeGreaterThanOrEqual(16);
      expect(w).toBeLessThanOrEqual(32);
    }
  });
});
