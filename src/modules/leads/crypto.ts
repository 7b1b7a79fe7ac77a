// Secrets and signatures of the webhooks: constant-time comparisons, HMAC-SHA256 over raw bytes.

const encoder = new TextEncoder();

export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let out = '';
  for (const b of view) out += b.toString(16).padStart(2, '0');
  return out;
}

export async function sha256Hex(data: string | Uint8Array<ArrayBuffer>): Promise<string> {
  const bytes = typeof data === 'string' ? encoder.encode(data) : data;
  return toHex(await crypto.subtle.digest('SHA-256', bytes));
}

/** Imported HMAC keys per isolate: a busy webhook signs with the same few secrets over and over. */
const hmacKeys = new Map<string, Promise<CryptoKey>>();
const MAX_CACHED_KEYS = 100;

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = hmacKeys.get(secret);
  if (!key) {
    if (hmacKeys.size >= MAX_CACHED_KEYS) hmacKeys.clear();
    key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
    ]);
    // A failed import is not kept.
    key.catch(() => hmacKeys.delete(secret));
    hmacKeys.set(secret, key);
  }
  return key;
}

export async function hmacSha256Hex(secret: string, data: Uint8Array<ArrayBuffer> | string): Promise<string> {
  const key = await hmacKey(secret);
  const bytes = typeof data === 'string' ? encoder.encode(data) : data;
  return toHex(await crypto.subtle.sign('HMAC', key, bytes));
}

/**
 * Compares two strings in time independent of where they differ. Both sides are hashed first so that the
 * lengths compared are equal and the length of the secret does not leak either.
 */
export async function constantTimeEqual(a: string, b: string): Promise<boolean> {
  const [ha, hb] = await Promise.all([
    crypto.subtle.digest('SHA-256', encoder.encode(a)),
    crypto.subtle.digest('SHA-256', encoder.encode(b)),
  ]);
  return timingSafeEqualBytes(new Uint8Array(ha), new Uint8Array(hb));
}

/** Equal-length byte arrays compared without an early exit. */
export function timingSafeEqualBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** Compares a stored SHA-256 hex with the hash of a presented secret, in constant time. */
export async function matchesSha256(presented: string, storedHex: string): Promise<boolean> {
  const h = await sha256Hex(presented);
  return timingSafeEqualBytes(encoder.encode(h), encoder.encode(storedHex.toLowerCase()));
}

/** Checks "sha256=<hex>" (or bare hex) against HMAC-SHA256(secret, raw body). */
export async function verifyHmacSignature(
  secret: string,
  raw: Uint8Array<ArrayBuffer>,
  header: string | null | undefined,
): Promise<boolean> {
  if (!header) return false;
  const presented = header
    .trim()
    .replace(/^sha256=/i, '')
    .toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(presented)) return false;
  const expected = await hmacSha256Hex(secret, raw);
  return timingSafeEqualBytes(encoder.encode(presented), encoder.encode(expected));
}
