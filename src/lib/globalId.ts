import { ValidationError } from './errors';

// The one place global ids are made and read (Relay: base64 of "Typename:id"). Clients may strip the
// padding or use the URL-safe alphabet (both are common in links and logs); every spelling reads the same.

const TYPENAME = /^[A-Z_a-z]\w*$/;
const BASE64 = /^[A-Za-z0-9+/]+$/;
const PRINTABLE_ASCII = /^[ -~]*$/;

export interface DecodedGlobalId {
  typename: string;
  id: string;
}

/** The global id of a node: padded, standard base64 (what the API has always returned). */
export function encodeGlobalId(typename: string, id: number | bigint | string): string {
  const text = `${typename}:${id}`;
  // Type names and numeric ids are ASCII: btoa takes them as they are (every edge of a page makes one).
  if (typeof id !== 'string' || PRINTABLE_ASCII.test(text)) return btoa(text);
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** Reads a global id sent in any spelling; a malformed one is a ValidationError (BAD_USER_INPUT). */
export function decodeGlobalId(raw: string): DecodedGlobalId {
  const text = decodeBase64(raw);
  const colon = text?.indexOf(':') ?? -1;
  const typename = colon > 0 ? text!.slice(0, colon) : '';
  const id = colon > 0 ? text!.slice(colon + 1) : '';
  if (!TYPENAME.test(typename) || id === '')
    throw new ValidationError(`Invalid global ID: ${JSON.stringify(raw.slice(0, 64))}.`, [
      { path: 'id', message: 'Not a global ID.', code: 'INVALID_ID' },
    ]);
  return { typename, id };
}

/** Decodes base64 with or without padding, standard or URL-safe; null when it is not base64 or UTF-8. */
function decodeBase64(raw: string): string | null {
  const body = raw.replace(/=+$/, '').replaceAll('-', '+').replaceAll('_', '/');
  if (!BASE64.test(body) || body.length % 4 === 1) return null;
  const binary = atob(body.padEnd(Math.ceil(body.length / 4) * 4, '='));
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}
