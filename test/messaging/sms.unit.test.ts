import { describe, expect, it } from 'vitest';
import { smsInfo } from '../../src/modules/messaging/sms';

describe('SMS encoding and segments', () => {
  it('plain text, Danish and German letters stay GSM-7: 160 in one segment, 153 a segment beyond', () => {
    expect(smsInfo('')).toMatchObject({ encoding: 'GSM7', segments: 0 });
    expect(smsInfo('Hej Åse, tak for din ordre på 1.234,50 kr. Grüße, Jørgen')).toMatchObject({
      encoding: 'GSM7',
      segments: 1,
      nonGsmCharacters: [],
    });
    expect(smsInfo('a'.repeat(160))).toMatchObject({
      encoding: 'GSM7',
      units: 160,
      segments: 1,
      remainingInSegment: 0,
    });
    expect(smsInfo('a'.repeat(161))).toMatchObject({ segments: 2, remainingInSegment: 153 * 2 - 161 });
    expect(smsInfo('a'.repeat(306))).toMatchObject({ segments: 2, remainingInSegment: 0 });
    expect(smsInfo('a'.repeat(307))).toMatchObject({ segments: 3 });
  });

  it('extension characters (€ [ ] { } ~ ^ | \\) cost two septets and are never split across segments', () => {
    expect(smsInfo('€'.repeat(80))).toMatchObject({ encoding: 'GSM7', units: 160, segments: 1 });
    expect(smsInfo('€'.repeat(81))).toMatchObject({ units: 162, segments: 2 });
    // 152 plain septets, then an escape pair: the pair would straddle 153, so it opens the second segment.
    expect(smsInfo(`${'a'.repeat(152)}€${'a'.repeat(10)}`)).toMatchObject({
      units: 164,
      segments: 2,
      remainingInSegment: 153 - 12,
    });
  });

  it('Polish letters force UCS-2: 70 characters in one segment, 67 a segment beyond', () => {
    const pl = smsInfo('Cześć Łukasz, dziękuję za zamówienie');
    expect(pl.encoding).toBe('UCS2');
    expect(pl.nonGsmCharacters).toEqual(['ś', 'ć', 'Ł', 'ę', 'ó']);
    expect(smsInfo('ą'.repeat(70))).toMatchObject({ encoding: 'UCS2', segments: 1, remainingInSegment: 0 });
    expect(smsInfo('ą'.repeat(71))).toMatchObject({ segments: 2 });
    expect(smsInfo('ą'.repeat(134))).toMatchObject({ segments: 2 });
    expect(smsInfo('ą'.repeat(135))).toMatchObject({ segments: 3 });
    // One Polish letter in an otherwise GSM text of 100 characters: two UCS-2 segments instead of one.
    expect(smsInfo(`${'a'.repeat(99)}ł`)).toMatchObject({ encoding: 'UCS2', units: 100, segments: 2 });
  });

  it('a dash or curly quote forces UCS-2 too; an emoji is two UTF-16 units and is kept whole', () => {
    expect(smsInfo('Hi – there').encoding).toBe('UCS2');
    expect(smsInfo('It’s here').encoding).toBe('UCS2');
    expect(smsInfo('😀')).toMatchObject({ encoding: 'UCS2', characters: 1, units: 2, segments: 1 });
    // 66 units, then a surrogate pair that does not fit in the 67-unit segment.
    expect(smsInfo(`${'ą'.repeat(66)}😀${'ą'.repeat(5)}`)).toMatchObject({
      units: 73,
      segments: 2,
      remainingInSegment: 67 - 7,
    });
  });
});
