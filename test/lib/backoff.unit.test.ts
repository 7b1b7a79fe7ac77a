import { describe, expect, it } from 'vitest';
import { backoffSeconds, totalBackoffSeconds } from '../../src/lib/backoff';

describe('backoffSeconds', () => {
  it('doubles from 10 s per delivery and stops at one hour', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(backoffSeconds)).toEqual([
      10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600,
    ]);
    expect(backoffSeconds(24)).toBe(3600);
    expect(backoffSeconds(1000)).toBe(3600);
  });

  it('is the same every time (no randomness), and a count below 1 counts as the first', () => {
    expect(backoffSeconds(3)).toBe(backoffSeconds(3));
    expect(backoffSeconds(0)).toBe(10);
    expect(backoffSeconds(-5)).toBe(10);
    expect(backoffSeconds(Number.NaN)).toBe(10);
  });

  it('24 retries wait about 16 hours in all (the outage the jobs consumer survives)', () => {
    // 10 + 20 + … + 2560 = 5110 s, then 15 × 3600 s.
    expect(totalBackoffSeconds(24)).toBe(5110 + 15 * 3600);
    expect(totalBackoffSeconds(24) / 3600).toBeGreaterThan(16);
  });
});
