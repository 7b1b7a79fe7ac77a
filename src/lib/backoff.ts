// How long a failed queue message waits before its next delivery: doubling from 10 s, capped at an hour,
// so that a short fault costs seconds and an outage of hours is ridden out without hammering anything.

/** Delay before delivery `attempt + 1`, in seconds (attempt = 1-based count of deliveries so far). */
export function backoffSeconds(attempt: number): number {
  const n = Math.max(1, Math.floor(attempt));
  return Math.min(10 * 2 ** Math.min(n - 1, 20), 3600);
}
