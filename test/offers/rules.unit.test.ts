import { describe, expect, it } from 'vitest';
import { offerLinkMessage } from '../../src/modules/offers/notify';
import { contrast, escapeHtml, textOn } from '../../src/modules/offers/page';
import { divideHalfUp, priceLines, unitNet, vatOf } from '../../src/modules/offers/rules';

describe('offer figures (pure)', () => {
  it('rounds half up, exactly beyond 2^53', () => {
    expect(divideHalfUp(5n, 10n)).toBe(1); // 0.5 → 1
    expect(divideHalfUp(4n, 10n)).toBe(0);
    expect(divideHalfUp(15n, 10n)).toBe(2);
    expect(unitNet(12345, 250)).toBe(12036); // 12036.375
    expect(unitNet(29900, 1000)).toBe(26910);
    expect(unitNet(1, 5000)).toBe(1); // 0.5 → 1
    expect(unitNet(100_000_000, 0)).toBe(100_000_000);
    expect(vatOf(104802, 2500)).toBe(26201); // 26200.5
    expect(vatOf(8998, 2300)).toBe(2070); // 2069.54
    expect(vatOf(2_000_000_000_000, 2500)).toBe(500_000_000_000);
  });

  it('sums line nets and puts VAT once on the total', () => {
    const p = priceLines(
      [
        { unitPrice: 333, discountBp: 0, quantity: 1 },
        { unitPrice: 333, discountBp: 0, quantity: 1 },
      ],
      2500,
    );
    // Per line 83.25 → 83 each would give 166; on the total 666 × 25 % = 166.5 → 167.
    expect([p.net, p.vat, p.gross]).toEqual([666, 167, 833]);
  });
});

describe('page helpers', () => {
  it('picks the text colour with the better contrast on the brand colour (≥ 4.5:1 for the defaults)', () => {
    expect(textOn('#1d4e89')).toBe('#ffffff');
    expect(textOn('#ffd400')).toBe('#111111');
    expect(contrast('#1d4e89', '#ffffff')).toBeGreaterThan(4.5);
    expect(contrast('#0b6e4f', '#ffffff')).toBeGreaterThan(4.5);
  });

  it('escapes HTML', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});

describe('the link message for the outbox', () => {
  it('says offer, total, validity and link in the recipient’s language', () => {
    const m = offerLinkMessage(
      { id: 7, locale: 'pl', gross: 22017, currency: 'PLN', valid_until: '2026-12-31' },
      'https://crm.example/o/abc',
      'Zdrowie Sp. z o.o.',
    );
    expect(m.subject).toBe('Oferta nr 7 · Zdrowie Sp. z o.o.');
    expect(m.text).toMatch(
      /^Oferta nr 7 · Zdrowie Sp\. z o\.o\.: Razem brutto 220,17\szł\. Ważna do 2026-12-31\.\nhttps:\/\/crm\.example\/o\/abc$/,
    );
  });
});
