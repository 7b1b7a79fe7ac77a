import { RateLimitedError } from '../../lib/errors';

// Guessing limits on the Workers Rate Limiting binding (wrangler.toml [[ratelimits]], period 60 s). Every
// attempt counts, successful or not, so that a correct guess is refused too while a key is over its limit.
// The binding does not tell when its window ends; callers are told to wait one whole period.

export const RETRY_AFTER_SECONDS = 60;

/** Rate-limit keys of one kind of attempt: one per client address (when known) and one per account. */
export function limitKeys(scope: string, clientAddress: string | null, account: string): string[] {
  return [...(clientAddress ? [`${scope}:addr:${clientAddress}`] : []), `${scope}:${account}`];
}

/** True when any key is over its limit (each key counts this attempt). */
export async function overLimit(limiter: RateLimit, keys: string[]): Promise<boolean> {
  const outcomes = await Promise.all(keys.map((key) => limiter.limit({ key })));
  return outcomes.some((o) => !o.success);
}

/** Throws RateLimitedError when any key is over its limit. */
export async function enforceLimit(limiter: RateLimit, keys: string[]): Promise<void> {
  if (await overLimit(limiter, keys)) throw new RateLimitedError(RETRY_AFTER_SECONDS);
}

/** The caller's address as Cloudflare reports it (absent only outside Cloudflare, e.g. in unit tests). */
export function clientAddressOf(request: Request): string | null {
  return request.headers.get('cf-connecting-ip');
}
