// The SEPA character set (EPC basic Latin: a–z A–Z 0–9 / - ? : ( ) . , ' + space), pure.
import { SEPA_MAX } from '../../../lib/limits';

// Letters are transliterated as the EPC guidelines do (diacritics dropped: ü→u, å→a, ś→s), with the
// letters that have no diacritic form spelled out (ł→l, ø→o, æ→ae, ß→ss); anything else (emoji,
// symbols, control characters) is dropped.

const SPECIAL: Record<string, string> = {
  ł: 'l',
  Ł: 'L',
  ø: 'o',
  Ø: 'O',
  æ: 'ae',
  Æ: 'AE',
  œ: 'oe',
  Œ: 'OE',
  ß: 'ss',
  ẞ: 'SS',
  đ: 'd',
  Đ: 'D',
  ð: 'd',
  Ð: 'D',
  þ: 'th',
  Þ: 'TH',
  ı: 'i',
};

/** ISO 20022 lengths: names 70, unstructured remittance 140, identifiers 35. */
export { SEPA_MAX };

/** Text in the SEPA set, at most `max` characters, spaces collapsed. */
export function sepaText(text: string, max: number = SEPA_MAX.name): string {
  const latin = [...text]
    .map((c) => SPECIAL[c] ?? c)
    .join('')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9/\-?:().,'+ ]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return latin.slice(0, max).trim();
}

/** An identifier (MsgId, PmtInfId, EndToEndId): SEPA set without spaces, no leading or double `/`, ≤ 35. */
export function sepaId(text: string): string {
  return sepaText(text, 1000)
    .replace(/ /g, '-')
    .replace(/\/+/g, '/')
    .replace(/^\//, '')
    .slice(0, SEPA_MAX.id);
}
