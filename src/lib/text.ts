import { z } from 'zod';
import { ISO_COUNTRIES } from './countries';

// Shared text rules for every input, staff's included: a length limit on every free text, and names
// (people, companies, the SEPA debtor) free of control and bidirectional-override characters, which
// would otherwise reach payout files, CSV exports and other people's screens.

export const LIMITS = {
  name: 100,
  companyName: 140,
  reason: 500,
  note: 5000,
  id: 64,
} as const;

/** Character ranges refused in names: C0/C1 controls (NUL included) and the bidi embeddings, overrides and
 * isolates U+202A–E, U+2066–9. Free text may also hold tab and line breaks. */
const BIDI: [number, number][] = [
  [0x202a, 0x202e],
  [0x2066, 0x2069],
];
const NAME_REFUSED: [number, number][] = [[0x00, 0x1f], [0x7f, 0x9f], ...BIDI];
const TEXT_REFUSED: [number, number][] = [[0x00, 0x08], [0x0b, 0x0c], [0x0e, 0x1f], [0x7f, 0x9f], ...BIDI];

const hex = (c: number) => `\\u${c.toString(16).padStart(4, '0')}`;
const none = (ranges: [number, number][]) =>
  new RegExp(`^[^${ranges.map(([a, b]) => `${hex(a)}-${hex(b)}`).join('')}]*$`);
const NO_CONTROL = none(NAME_REFUSED);
const NO_CONTROL_BUT_LINES = none(TEXT_REFUSED);

export function hasControlOrBidi(s: string): boolean {
  return !NO_CONTROL.test(s);
}

const NO_CONTROL_MESSAGE = 'No control or bidirectional-override characters.';

/** A required one-line name: trimmed, 1..max characters, no control or bidi-override characters. */
export const nameText = (max: number = LIMITS.name) =>
  z
    .string()
    .trim()
    .min(1, 'Required.')
    .max(max, `At most ${max} characters.`)
    .regex(NO_CONTROL, NO_CONTROL_MESSAGE);

/** Required free text (a reason): trimmed, 1..max characters, line breaks allowed. */
export const requiredText = (max: number = LIMITS.reason) =>
  z
    .string()
    .trim()
    .min(1, 'Required.')
    .max(max, `At most ${max} characters.`)
    .regex(NO_CONTROL_BUT_LINES, NO_CONTROL_MESSAGE);

/** Optional free text (notes): at most max characters, line breaks allowed. */
export const freeText = (max: number = LIMITS.note) =>
  z.string().max(max, `At most ${max} characters.`).regex(NO_CONTROL_BUT_LINES, NO_CONTROL_MESSAGE);

/** ISO 3166-1 alpha-2, upper-cased; user-assigned codes such as XX are refused. */
export const countryCode = z
  .string()
  .trim()
  .toUpperCase()
  .pipe(z.enum(ISO_COUNTRIES, { error: 'Use an ISO 3166-1 alpha-2 country code such as DK.' }));
