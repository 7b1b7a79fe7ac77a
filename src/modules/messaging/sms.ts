// SMS encoding and segment count (pure). GSM 03.38 7-bit when every character is in the default alphabet
// or its extension table (which costs two septets: an escape and the character), UCS-2 otherwise. Polish
// letters (ą ę ś ć ź ż ł ń ó) are not in GSM-7, so a Polish text is usually UCS-2: 70 characters in one
// segment instead of 160. Concatenated messages carry a 6-byte header: 153 septets or 67 UTF-16 units a
// segment, and a segment never splits an escape pair or a surrogate pair.

/** The GSM 03.38 default alphabet (without ESC). */
const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
/** The extension table: each is sent as ESC + the character (two septets). */
const GSM_EXTENDED = new Set('\f^{}\\[~]|€');

export type SmsEncoding = 'GSM7' | 'UCS2';

export interface SmsInfo {
  encoding: SmsEncoding;
  /** Characters as the user sees them (code points). */
  characters: number;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2) the text takes. */
  units: number;
  segments: number;
  /** Units left in the last segment before another one starts. */
  remainingInSegment: number;
  /** Characters that forced UCS-2 (distinct, in order of appearance); empty for GSM-7. */
  nonGsmCharacters: string[];
}

const LIMITS = {
  GSM7: { single: 160, multi: 153 },
  UCS2: { single: 70, multi: 67 },
} as const;

export function smsInfo(text: string): SmsInfo {
  const chars = [...text];
  const nonGsm: string[] = [];
  for (const ch of chars)
    if (!GSM_BASIC.has(ch) && !GSM_EXTENDED.has(ch) && !nonGsm.includes(ch)) nonGsm.push(ch);
  const encoding: SmsEncoding = nonGsm.length === 0 ? 'GSM7' : 'UCS2';
  // The cost of each character in units, in order: a segment boundary never falls inside one.
  const costs = chars.map(
    (ch) => (encoding === 'GSM7' ? (GSM_EXTENDED.has(ch) ? 2 : 1) : ch.length) /* 2 for a surrogate pair */,
  );
  const units = costs.reduce((a, b) => a + b, 0);
  const limit = LIMITS[encoding];
  if (units === 0)
    return {
      encoding,
      characters: 0,
      units: 0,
      segments: 0,
      remainingInSegment: limit.single,
      nonGsmCharacters: [],
    };
  if (units <= limit.single)
    return {
      encoding,
      characters: chars.length,
      units,
      segments: 1,
      remainingInSegment: limit.single - units,
      nonGsmCharacters: nonGsm,
    };
  let segments = 1;
  let used = 0;
  for (const cost of costs) {
    if (used + cost > limit.multi) {
      segments++;
      used = 0;
    }
    used += cost;
  }
  return {
    encoding,
    characters: chars.length,
    units,
    segments,
    remainingInSegment: limit.multi - used,
    nonGsmCharacters: nonGsm,
  };
}
