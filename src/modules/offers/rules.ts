// The figures of an offer, over plain data: integer minor units, no I/O.
//
// Catalogue prices are net of VAT. A line's discount lowers its unit price: unit net =
// round half up (unit price × (10000 − discount bp) / 10000); line net = unit net × quantity. The offer's net is
// the sum of its lines; VAT is computed once on that net at the market's rate, rounded half up; gross = net +
// VAT. (One rate per offer: every market has one standard rate.)

/** round half up of n / d for non-negative integers, exact for any size (BigInt). */
export function divideHalfUp(n: bigint, d: bigint): number {
  return Number((2n * n + d) / (2n * d));
}

export function unitNet(unitPrice: number, discountBp: number): number {
  return divideHalfUp(BigInt(unitPrice) * BigInt(10_000 - discountBp), 10_000n);
}

export function vatOf(net: number, vatRateBp: number): number {
  return divideHalfUp(BigInt(net) * BigInt(vatRateBp), 10_000n);
}

export interface PricedLine {
  unitPrice: number;
  discountBp: number;
  quantity: number;
}

export function priceLines<T extends PricedLine>(lines: T[], vatRateBp: number) {
  const priced = lines.map((l) => {
    const net = unitNet(l.unitPrice, l.discountBp);
    return { ...l, unitNet: net, lineNet: net * l.quantity };
  });
  const net = priced.reduce((s, l) => s + l.lineNet, 0);
  const vat = vatOf(net, vatRateBp);
  return { lines: priced, net, vat, gross: net + vat };
}

/** Formats minor units as "1.234,50 kr." style text for a locale and currency (2-decimal currencies). */
export function formatMoney(minor: number, currency: string, locale: string): string {
  const tag = { da: 'da-DK', pl: 'pl-PL', de: 'de-DE', en: 'en-GB' }[locale] ?? 'en-GB';
  return new Intl.NumberFormat(tag, { style: 'currency', currency }).format(minor / 100);
}

export function formatPercent(bp: number, locale: string): string {
  const tag = { da: 'da-DK', pl: 'pl-PL', de: 'de-DE', en: 'en-GB' }[locale] ?? 'en-GB';
  return new Intl.NumberFormat(tag, { style: 'percent', maximumFractionDigits: 2 }).format(bp / 10_000);
}
