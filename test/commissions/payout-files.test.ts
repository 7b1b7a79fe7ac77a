import { describe, expect, it } from 'vitest';
import { isValidBic, isValidIban } from '../../src/lib/iban';
import { payoutCsv } from '../../src/modules/commissions/payouts/csv';
import { formatMinor } from '../../src/modules/commissions/payouts/files';
import { sepaText } from '../../src/modules/commissions/payouts/sepa';

describe('payout file helpers', () => {
  it('checks IBANs by mod-97 and BICs by shape', () => {
    expect(isValidIban('DE89 3704 0044 0532 0130 00')).toBe(true);
    expect(isValidIban('DK5000400440116243')).toBe(true);
    expect(isValidIban('PL61109010140000071219812874')).toBe(true);
    expect(isValidIban('DE89370400440532013001')).toBe(false);
    expect(isValidIban('XX00')).toBe(false);
    expect(isValidBic('COBADEFFXXX')).toBe(true);
    expect(isValidBic('COBADEFF')).toBe(true);
    expect(isValidBic('COBADE')).toBe(false);
  });

  it('writes amounts with two decimals and names in the SEPA character set', () => {
    expect(formatMinor(8000)).toBe('80.00');
    expect(formatMinor(5)).toBe('0.05');
    expect(formatMinor(-1234)).toBe('-12.34');
    expect(sepaText('Łukasz Wiśniewski & Søren Ærø <x>')).toBe('Lukasz Wisniewski Soren AEro x');
    expect(sepaText('x'.repeat(100))).toHaveLength(70);
  });

  it('quotes CSV fields that need it', () => {
    const csv = payoutCsv('2026-10', 'EUR', [
      { distributorId: 7, name: 'Nowak, "Anna"', email: null, iban: null, bic: null, amount: 2500 },
    ]);
    expect(csv).toBe(
      'period,distributor_id,name,email,iban,bic,amount,currency\r\n2026-10,7,"Nowak, ""Anna""",,,,25.00,EUR\r\n',
    );
  });
});
