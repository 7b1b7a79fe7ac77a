// Canonical UTC instants ('2026-11-02T10:00:00.000Z', what toISOString gives). The imports stage every instant
// so; a million-row pass can then take its month from the text or compare two as text, without a Date each.

/** Whether `s` has the shape YYYY-MM-DDTHH:MM:SS.sssZ. */
export function isCanonicalInstant(s: string): boolean {
  return (
    s.length === 24 &&
    s.charCodeAt(4) === 45 && // -
    s.charCodeAt(7) === 45 &&
    s.charCodeAt(10) === 84 && // T
    s.charCodeAt(13) === 58 && // :
    s.charCodeAt(16) === 58 &&
    s.charCodeAt(19) === 46 && // .
    s.charCodeAt(23) === 90 // Z
  );
}
