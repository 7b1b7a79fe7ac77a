// The one interface every provider adapter implements. Adapters turn one outbox message into the
// provider's request and its answer into an outcome; they write nothing.
import type { Channel, ProviderName, SuppressionReason } from '../model';

export interface OutgoingMessage {
  outboxId: number;
  /** Sent as the provider's idempotency key where it has one. */
  idempotencyKey: string;
  to: string;
  from: string;
  subject: string | null;
  text: string;
  html: string | null;
  headers: Record<string, string>;
  smsEncoding: 'GSM7' | 'UCS2' | null;
  /** Where the provider posts status callbacks (null: configured at the provider). */
  statusCallbackUrl: string | null;
}

export type SendOutcome =
  /** The provider took the message. */
  | { kind: 'accepted'; providerMessageId: string; providerStatus: string }
  /** Not taken, try again later: 429 (with Retry-After when given), 5xx, 409 concurrent idempotent request. */
  | { kind: 'retry'; retryAfterSeconds: number | null; error: string }
  /** Refused for good. */
  | {
      kind: 'rejected';
      status: 'FAILED' | 'UNDELIVERABLE' | 'SUPPRESSED';
      error: string;
      suppress: SuppressionReason | null;
    };

/** What a provider knows of a message we may have sent before a crash. */
export type LookupResult =
  | { kind: 'found'; providerMessageId: string; providerStatus: string }
  | { kind: 'not-found' }
  /** The provider cannot tell (no lookup API): do not send again. */
  | { kind: 'unknown' };

export interface ProviderAdapter {
  name: ProviderName;
  channel: Channel;
  /** Sending again with the same idempotency key cannot make a second message. */
  idempotent: boolean;
  send(message: OutgoingMessage): Promise<SendOutcome>;
  /** Whether the provider already took this message (claimed at `since`); only non-idempotent providers need it. */
  lookup(message: OutgoingMessage, since: string): Promise<LookupResult>;
}

/** An adapter's view of its configuration problem: retried, since a fixed secret makes it work. */
export class ProviderNotConfigured extends Error {
  override name = 'ProviderNotConfigured';
}

/** Seconds from a Retry-After header (delta-seconds or an HTTP date), or null. */
export function retryAfterSeconds(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  const t = header.trim();
  if (/^\d+$/.test(t)) return Number(t);
  const at = Date.parse(t);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

/** Reads a JSON body, or null when it is not JSON. */
export async function jsonOf(res: Response): Promise<Record<string, unknown> | null> {
  try {
    const v = await res.json();
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The common answer to a response that is neither accepted nor a known refusal. */
export function transientOrRejected(res: Response, error: string): SendOutcome {
  if (res.status === 429 || res.status >= 500 || res.status === 401 || res.status === 403)
    return { kind: 'retry', retryAfterSeconds: retryAfterSeconds(res.headers.get('retry-after')), error };
  return { kind: 'rejected', status: 'FAILED', error, suppress: null };
}

/** fetch through an optional service binding (tests bind local fakes of each provider). */
export function fetchVia(
  binding: Fetcher | undefined,
  url: string | URL,
  init?: RequestInit,
): Promise<Response> {
  // No Request object in between: a broadcast makes one request per message, and building one was ~7 % of
  // the isolate's CPU in a profile of bench:messages.
  return binding ? binding.fetch(url, init) : fetch(url, init);
}
