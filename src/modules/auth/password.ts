// PBKDF2-SHA256 from WebCrypto: the slow KDF that Workers provide natively.
// Workers cap PBKDF2 at 100,000 iterations; the count is stored in the hash so it can be raised later.
import { z } from 'zod';

/** A new password: 10 to 200 characters (sign-up, change, staff reset). */
export const passwordRule = z.string().min(10, 'At least 10 characters.').max(200);

const ITERATIONS = 100_000;
const encoder = new TextEncoder();

function toB64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function fromB64(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

async function derive(
  password: string,
  salt: Uint8Array<ArrayBuffer>,
  iterations: number,
): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(password), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt, iterations },
    key,
    256,
  );
  return new Uint8Array(bits);
}

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await derive(password, salt, ITERATIONS);
  return `pbkdf2-sha256$${ITERATIONS}$${toB64(salt)}$${toB64(hash)}`;
}

export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  // Hash even when there is no account, so that timing does not tell which e-mails exist.
  const [scheme, iter, saltB64, hashB64] = (stored ?? 'pbkdf2-sha256$100000$AAAAAAAAAAAAAAAAAAAAAA==$').split(
    '$',
  );
  if (scheme !== 'pbkdf2-sha256') return false;
  const expected = fromB64(hashB64 ?? '');
  const actual = await derive(password, fromB64(saltB64), Number(iter));
  return stored !== null && timingSafeEqual(actual, expected);
}
