import { describe, expect, it } from 'vitest';
import { emailAddress, smsNumber } from '../../src/modules/messaging/addresses';

describe('recipient addresses', () => {
  it('national numbers are read in the person’s country and normalised to E.164', () => {
    expect(smsNumber('20 12 34 56', 'DK')).toEqual({ ok: true, address: '+4520123456' });
    expect(smsNumber('512 345 678', 'pl')).toEqual({ ok: true, address: '+48512345678' });
    expect(smsNumber('0151 23456789', 'DE')).toEqual({ ok: true, address: '+4915123456789' });
    // An international number keeps its own country whatever the person's is.
    expect(smsNumber('+48 512-345-678', 'DK')).toEqual({ ok: true, address: '+48512345678' });
    expect(smsNumber('0048 512 345 678', 'DE')).toEqual({ ok: true, address: '+48512345678' });
  });

  it('invalid numbers, numbers without a country, and landlines are refused with a reason', () => {
    expect(smsNumber('123', 'DK')).toMatchObject({ ok: false });
    expect(smsNumber('20 12 34 56', null)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('no country'),
    });
    // A German fixed line (Berlin) cannot take an SMS.
    expect(smsNumber('030 12345678', 'DE')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('not a mobile'),
    });
    expect(smsNumber('', 'DK')).toMatchObject({ ok: false });
  });

  it('e-mail addresses are validated and lower-cased', () => {
    expect(emailAddress(' Anna.Nowak@Example.COM ')).toEqual({ ok: true, address: 'anna.nowak@example.com' });
    expect(emailAddress('anna@')).toMatchObject({ ok: false });
    expect(emailAddress('anna nowak@example.com')).toMatchObject({ ok: false });
  });
});
