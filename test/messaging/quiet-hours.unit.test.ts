import { describe, expect, it } from 'vitest';
import { nextAllowedInstant, recipientZone } from '../../src/modules/messaging/quietHours';

const at = (iso: string) => new Date(iso);
const next = (iso: string, zone = 'Europe/Copenhagen', start = '21:00', end = '08:00') =>
  nextAllowedInstant(at(iso), zone, start, end).toISOString();

describe('quiet hours', () => {
  it('outside the window a message goes now; inside it waits for the local end, across midnight', () => {
    // 12:00 in Copenhagen (winter, UTC+1).
    expect(next('2026-12-07T11:00:00.000Z')).toBe('2026-12-07T11:00:00.000Z');
    // 20:59 local: still allowed; 21:00 local: waits until 08:00 local tomorrow (07:00 UTC).
    expect(next('2026-12-07T19:59:00.000Z')).toBe('2026-12-07T19:59:00.000Z');
    expect(next('2026-12-07T20:00:00.000Z')).toBe('2026-12-08T07:00:00.000Z');
    // 03:00 local: waits until 08:00 the same local day.
    expect(next('2026-12-08T02:00:00.000Z')).toBe('2026-12-08T07:00:00.000Z');
    // 08:00 local exactly: allowed.
    expect(next('2026-12-08T07:00:00.000Z')).toBe('2026-12-08T07:00:00.000Z');
  });

  it('uses the recipient’s zone and is right across a DST change', () => {
    // 23:30 UTC is 00:30 in Warsaw (winter): 08:00 Warsaw is 07:00 UTC.
    expect(next('2026-12-07T23:30:00.000Z', 'Europe/Warsaw')).toBe('2026-12-08T07:00:00.000Z');
    // Night of 28-29 March 2026 (clocks go forward at 02:00): 08:00 on the 29th is CEST, 06:00 UTC.
    expect(next('2026-03-28T22:00:00.000Z')).toBe('2026-03-29T06:00:00.000Z');
    // Night of 24-25 October 2026 (back at 03:00): 08:00 on the 25th is CET, 07:00 UTC.
    expect(next('2026-10-24T21:00:00.000Z')).toBe('2026-10-25T07:00:00.000Z');
    expect(recipientZone('pl', 'Europe/Copenhagen')).toBe('Europe/Warsaw');
    expect(recipientZone(null, 'Europe/Berlin')).toBe('Europe/Berlin');
    expect(recipientZone('XX', 'Europe/Berlin')).toBe('Europe/Berlin');
  });

  it('a window within one day, and none when start equals end', () => {
    expect(next('2026-12-07T12:30:00.000Z', 'UTC', '12:00', '13:00')).toBe('2026-12-07T13:00:00.000Z');
    expect(next('2026-12-07T13:00:00.000Z', 'UTC', '12:00', '13:00')).toBe('2026-12-07T13:00:00.000Z');
    expect(next('2026-12-07T23:00:00.000Z', 'UTC', '00:00', '00:00')).toBe('2026-12-07T23:00:00.000Z');
  });
});
