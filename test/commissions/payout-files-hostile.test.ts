import { describe, expect, it } from 'vitest';
import { payoutCsv } from '../../src/modules/commissions/payouts/csv';
import { type Payee, pain001 } from '../../src/modules/commissions/payouts/files';

// Files that leave the system (issue 9 §8): hostile names cannot become spreadsheet formulas, XML
// markup, or characters and lengths a bank refuses.

const payee = (distributorId: number, name: string, extra: Partial<Payee> = {}): Payee => ({
  distributorId,
  name,
  email: null,
  iban: 'DE89370400440532013000',
  bic: null,
  amount: 1000,
  ...extra,
});

const cells = (csv: string) => csv.split('\r\n')[1];

describe('payouts.csv', () => {
  it('neutralises cells a spreadsheet would run as formulas', () => {
    for (const [name, cell] of [
      ['=HYPERLINK("http://x")', `"'=HYPERLINK(""http://x"")"`],
      ['+1+2', "'+1+2"],
      ['-2+3', "'-2+3"],
      ['@SUM(A1)', "'@SUM(A1)"],
      ['\tcmd', `"'\tcmd"`],
      ['\rcmd', `"'\rcmd"`],
    ])
      expect(cells(payoutCsv('2026-10', 'EUR', [payee(7, name)]))).toBe(
        `2026-10,7,${cell},,DE89370400440532013000,,10.00,EUR`,
      );
  });

  it('neutralises every text column, not the amounts it writes itself', () => {
    const csv = payoutCsv('2026-10', 'EUR', [payee(7, 'Anna', { email: '=cmd@x.example', bic: '@B' })]);
    expect(cells(csv)).toBe("2026-10,7,Anna,'=cmd@x.example,DE89370400440532013000,'@B,10.00,EUR");
    expect(cells(payoutCsv('2026-10', 'EUR', [payee(7, 'Anna', { amount: -250 })]))).toContain(',-2.50,EUR');
    // Markup is quoted, letters and emoji are kept as they are.
    const quoted = payoutCsv('2026-10', 'EUR', [payee(7, `<&>"' Łukasz Søren 😀`)]);
    expect(cells(quoted)).toBe(`2026-10,7,"<&>""' Łukasz Søren 😀",,DE89370400440532013000,,10.00,EUR`);
  });
});

describe('sepa.xml', () => {
  const file = (payees: Payee[], debtorName = 'Acme GmbH', messageId = 'MLM-2026-10-1') =>
    pain001({
      messageId,
      createdAt: new Date('2026-11-02T10:00:00Z'),
      executionDate: '2026-11-03',
      debtor: { name: debtorName, iban: 'DE89370400440532013000', bic: null },
      period: '2026-10',
      payees,
    });
  const all = (xml: string, tag: string) =>
    [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => m[1]);

  it('transliterates hostile names to the SEPA set and escapes what XML needs', () => {
    const xml = file([
      payee(1, '=HYPERLINK("http://x")'),
      payee(2, `<&>"' O'Brien`),
      payee(3, 'Łukasz Żółć-Wiśniewski'),
      payee(4, 'Søren Ærøskøbing Åse'),
      payee(5, 'Jürgen Straße 😀👍🏽'),
      payee(6, 'A\u0000B\u202Ec\u2066d'),
      payee(7, 'Œuvre Þórunn'),
    ]);
    expect(all(xml, 'Nm').slice(2)).toEqual([
      'HYPERLINK( http://x )',
      '&apos; O&apos;Brien',
      'Lukasz Zolc-Wisniewski',
      'Soren AEroskobing Ase',
      'Jurgen Strasse',
      'A B c d',
      'OEuvre THorunn',
    ]);
    for (const name of all(xml, 'Nm'))
      expect(name.replaceAll('&apos;', "'")).toMatch(/^[A-Za-z0-9/\-?:().,'+ ]{1,70}$/);
    expect(xml).not.toContain('<&>');
    expect(xml).not.toContain('HYPERLINK("');
  });

  it('keeps ISO 20022 lengths and never writes an empty name', () => {
    const long = 'Ł'.repeat(200);
    const xml = file([payee(8, long), payee(9, '😀😀')], `${'Ø'.repeat(80)} & Co`, `MLM-${'x'.repeat(60)}`);
    for (const name of all(xml, 'Nm')) expect(name.length).toBeLessThanOrEqual(70);
    expect(all(xml, 'Nm')).toContain('Distributor 9');
    for (const tag of ['MsgId', 'PmtInfId', 'EndToEndId'])
      for (const id of all(xml, tag)) {
        expect(id.length).toBeLessThanOrEqual(35);
        expect(id).toMatch(/^[A-Za-z0-9\-?:().,'+][A-Za-z0-9/\-?:().,'+]*$/);
      }
    for (const u of all(xml, 'Ustrd')) expect(u.length).toBeLessThanOrEqual(140);
  });
});
