// Retry delays of queue messages: exponential, capped, deterministic (no jitter: Queues spreads redeliveries
// by itself, and a test can say exactly what a retry asks for).

/** The first retry waits this long. */
export const BACKOFF_BASE_SECONDS = 10;
/** No retry waits longer (with max_retries 24: 10 s, 20 s … 40 min, then 1 h each — about 16 h in all). */
export const BACKOFF_CAP_SECONDS = 3600;

/**
 * Seconds to wait before the next delivery of a message delivered `attempt` times so far (1-based, as
 * `message.attempts`): min(10 · 2^(attempt−1), 3600). A count below 1 (or not a number) counts as 1.
 */
export function backoffSeconds(attempt: number): number {
  const n = Number.isFinite(attempt) && attempt >= 1 ? Math.floor(attempt) : 1;
  // 2^9 · 10 = 5120 > 3600 already: no need to raise 2 to large powers.
  if (n > 10) return BACKOFF_CAP_SECONDS;
  return Math.min(BACKOFF_BASE_SECONDS * 2 ** (n - 1), BACKOFF_CAP_SECONDS);
}

/** Total seconds waited across `retries` retries (what an outage must stay under to be survived). */
export function totalBackoffSeconds(retries: number): number {
  let total = 0;
  for (let a = 1; a <= retries; a++) total += backoffSeconds(a);
  return total;
}
