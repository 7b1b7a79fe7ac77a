// The income disclosure statement as CSV and as a printable HTML page with an SVG chart, in da/pl/de/en. Pure.
import { csvText } from '../commissions/payouts/csv';
import { formatMinor } from '../commissions/payouts/files';
import { BUCKETS, type EarningsStats } from './disclosure';
import type { DisclosureLocale } from './model';
import type { IncomeDisclosure } from './statement';

/** Basis points as a percent with two decimals: 1234 → "12.34". */
export function bpPercent(bp: number): string {
  return `${Math.floor(bp / 100)}.${String(bp % 100).padStart(2, '0')}`;
}

const CSV_HEADER = [
  'from',
  'to',
  'periods',
  'currency',
  'group',
  'participants',
  'share_percent',
  'earned_nothing',
  'earned_nothing_percent',
  'mean',
  'median',
  'lowest',
  'highest',
  'p10',
  'p25',
  'p50',
  'p75',
  'p90',
  'total',
  'mean_own_purchases',
  'mean_starter_kits',
];

/** One row for all participants (group ALL), then one per highest paid-as rank (NONE: no rank). */
export function disclosureCsv(d: IncomeDisclosure): string {
  const rows = [CSV_HEADER.join(',')];
  const row = (group: string, s: EarningsStats) =>
    rows.push(
      [
        csvText(d.from),
        csvText(d.to),
        csvText(d.periods.join(' ')),
        csvText(d.currency),
        csvText(group),
        String(s.count),
        bpPercent(s.shareBp),
        String(s.earnedNothing),
        bpPercent(s.earnedNothingBp),
        formatMinor(s.mean),
        formatMinor(s.median),
        formatMinor(s.lowest),
        formatMinor(s.highest),
        ...s.percentiles.map((p) => formatMinor(p.value)),
        formatMinor(s.total),
        formatMinor(s.meanOwnPurchases),
        formatMinor(s.meanStarterKits),
      ].join(','),
    );
  if (d.all) row('ALL', d.all);
  for (const g of d.groups) row(g.rankId ?? 'NONE', g);
  return `${rows.join('\r\n')}\r\n`;
}

interface Words {
  title: string;
  range: string;
  participants: string;
  all: string;
  noRank: string;
  rank: string;
  count: string;
  share: string;
  nothing: string;
  mean: string;
  median: string;
  lowest: string;
  highest: string;
  ownPurchases: string;
  starterKits: string;
  chart: string;
  methodTitle: string;
  method: (d: IncomeDisclosure) => string[];
}

const WORDS: Record<DisclosureLocale, Words> = {
  en: {
    title: 'Income disclosure statement',
    range: 'Periods',
    participants: 'Participants',
    all: 'All participants',
    noRank: 'No rank',
    rank: 'Highest paid-as rank',
    count: 'Number',
    share: 'Share',
    nothing: 'Earned nothing',
    mean: 'Mean',
    median: 'Median',
    lowest: 'Lowest',
    highest: 'Highest',
    ownPurchases: 'Own purchases (mean)',
    starterKits: 'Starter kits (mean)',
    chart: 'Participants by earnings in the range',
    methodTitle: 'Method',
    method: (d) => [
      `Who is counted: everyone who was a distributor at any time from ${d.start.slice(0, 10)} to ${d.end.slice(0, 10)} (joined before the end and not terminated before the start), including those who earned nothing and those who left.`,
      `Earnings: the commissions of the committed periods ${d.periods.join(', ')} as entered in the ledger, plus manual ledger adjustments made in the range, before any costs, in ${d.currency}. Percentiles are nearest-rank; the median is the 50th percentile.`,
      `Costs: what participants paid for their own orders (own purchases) and for starter kits in these periods, net of refunds, in ${d.currency}. The company records no other fees.`,
      `Groups: each participant is counted once, under the highest rank they were paid as in the range.`,
    ],
  },
  da: {
    title: 'Indkomstoplysning',
    range: 'Perioder',
    participants: 'Deltagere',
    all: 'Alle deltagere',
    noRank: 'Ingen rang',
    rank: 'Højeste udbetalte rang',
    count: 'Antal',
    share: 'Andel',
    nothing: 'Tjente intet',
    mean: 'Gennemsnit',
    median: 'Median',
    lowest: 'Laveste',
    highest: 'Højeste',
    ownPurchases: 'Egne køb (gennemsnit)',
    starterKits: 'Startpakker (gennemsnit)',
    chart: 'Deltagere efter indtjening i perioden',
    methodTitle: 'Metode',
    method: (d) => [
      `Hvem tælles med: alle, der var distributør på noget tidspunkt fra ${d.start.slice(0, 10)} til ${d.end.slice(0, 10)} (tilmeldt før slutningen og ikke opsagt før starten), også dem, der intet tjente, og dem, der er stoppet.`,
      `Indtjening: provisionerne for de afsluttede perioder ${d.periods.join(', ')} som bogført i hovedbogen, plus manuelle posteringer i perioden, før omkostninger, i ${d.currency}. Percentiler efter nærmeste rang; medianen er 50-percentilen.`,
      `Omkostninger: hvad deltagerne betalte for egne ordrer (egne køb) og startpakker i perioderne, fratrukket refusioner, i ${d.currency}. Virksomheden registrerer ingen andre gebyrer.`,
      `Grupper: hver deltager tælles én gang, under den højeste rang, de blev udbetalt som i perioden.`,
    ],
  },
  pl: {
    title: 'Oświadczenie o dochodach',
    range: 'Okresy',
    participants: 'Uczestnicy',
    all: 'Wszyscy uczestnicy',
    noRank: 'Bez rangi',
    rank: 'Najwyższa wypłacona ranga',
    count: 'Liczba',
    share: 'Udział',
    nothing: 'Nic nie zarobili',
    mean: 'Średnia',
    median: 'Mediana',
    lowest: 'Najniższe',
    highest: 'Najwyższe',
    ownPurchases: 'Zakupy własne (średnio)',
    starterKits: 'Zestawy startowe (średnio)',
    chart: 'Uczestnicy według zarobków w okresie',
    methodTitle: 'Metoda',
    method: (d) => [
      `Kogo liczymy: każdego, kto był dystrybutorem w dowolnym momencie od ${d.start.slice(0, 10)} do ${d.end.slice(0, 10)} (dołączył przed końcem i nie został rozwiązany przed początkiem), także tych, którzy nic nie zarobili, i tych, którzy odeszli.`,
      `Zarobki: prowizje zatwierdzonych okresów ${d.periods.join(', ')} zapisane w księdze, plus ręczne korekty księgowe z tego zakresu, przed kosztami, w ${d.currency}. Percentyle metodą najbliższej rangi; mediana to 50. percentyl.`,
      `Koszty: kwoty zapłacone przez uczestników za własne zamówienia (zakupy własne) i zestawy startowe w tych okresach, po zwrotach, w ${d.currency}. Firma nie rejestruje innych opłat.`,
      `Grupy: każdy uczestnik liczony jest raz, pod najwyższą rangą, z jaką otrzymał wypłatę w zakresie.`,
    ],
  },
  de: {
    title: 'Einkommensoffenlegung',
    range: 'Perioden',
    participants: 'Teilnehmer',
    all: 'Alle Teilnehmer',
    noRank: 'Kein Rang',
    rank: 'Höchster ausgezahlter Rang',
    count: 'Anzahl',
    share: 'Anteil',
    nothing: 'Nichts verdient',
    mean: 'Mittelwert',
    median: 'Median',
    lowest: 'Niedrigster',
    highest: 'Höchster',
    ownPurchases: 'Eigenkäufe (Mittel)',
    starterKits: 'Starterpakete (Mittel)',
    chart: 'Teilnehmer nach Verdienst im Zeitraum',
    methodTitle: 'Methode',
    method: (d) => [
      `Wer gezählt wird: alle, die zu irgendeinem Zeitpunkt vom ${d.start.slice(0, 10)} bis ${d.end.slice(0, 10)} Vertriebspartner waren (vor dem Ende beigetreten und nicht vor dem Beginn gekündigt), auch wer nichts verdient hat und wer ausgeschieden ist.`,
      `Verdienst: die Provisionen der abgeschlossenen Perioden ${d.periods.join(', ')} laut Hauptbuch, zuzüglich manueller Buchungen im Zeitraum, vor Kosten, in ${d.currency}. Perzentile nach dem Nearest-Rank-Verfahren; der Median ist das 50. Perzentil.`,
      `Kosten: was die Teilnehmer in diesen Perioden für eigene Bestellungen (Eigenkäufe) und Starterpakete bezahlt haben, abzüglich Erstattungen, in ${d.currency}. Weitere Gebühren erfasst das Unternehmen nicht.`,
      `Gruppen: jeder Teilnehmer wird einmal gezählt, unter dem höchsten Rang, als der er im Zeitraum bezahlt wurde.`,
    ],
  },
};

function html(s: string): string {
  return s.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&#39;', '"': '&quot;' })[c]!,
  );
}

/** A bar chart of participants per earnings bucket (share of all participants), as inline SVG. */
export function earningsChart(d: IncomeDisclosure, title: string): string {
  const W = 640;
  const H = 260;
  const left = 40;
  const bottom = 40;
  const top = 30;
  const n = BUCKETS.length;
  const slot = (W - left - 10) / n;
  const total = Math.max(1, d.participants);
  const max = Math.max(1, ...d.histogram);
  const bars = d.histogram
    .map((count, i) => {
      const h = Math.round(((H - bottom - top) * count) / max);
      const x = Math.round(left + i * slot + slot * 0.15);
      const w = Math.round(slot * 0.7);
      const y = H - bottom - h;
      const pct = bpPercent(Math.floor((20_000 * count + total) / (2 * total)));
      return `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="#3b6ea5"><title>${count}</title></rect>
<text x="${x + w / 2}" y="${y - 4}" text-anchor="middle" font-size="11">${count} (${pct} %)</text>
<text x="${x + w / 2}" y="${H - bottom + 16}" text-anchor="middle" font-size="11">${html(BUCKETS[i].label)}</text>`;
    })
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${html(title)}">
<text x="${W / 2}" y="16" text-anchor="middle" font-size="13">${html(title)} (${html(d.currency)})</text>
<line x1="${left}" y1="${H - bottom}" x2="${W - 10}" y2="${H - bottom}" stroke="#333"/>
${bars}
</svg>`;
}

/** The printable statement: the figures, the chart and the method, in one locale. */
export function disclosureHtml(d: IncomeDisclosure, locale: DisclosureLocale): string {
  const w = WORDS[locale];
  const money = (v: number) => `${formatMinor(v)}`;
  const row = (label: string, s: EarningsStats) => `<tr><th scope="row">${html(label)}</th><td>${s.count}</td>
<td>${bpPercent(s.shareBp)} %</td><td>${s.earnedNothing} (${bpPercent(s.earnedNothingBp)} %)</td>
<td>${money(s.mean)}</td><td>${money(s.median)}</td><td>${money(s.lowest)}</td><td>${money(s.highest)}</td>
${s.percentiles.map((p) => `<td>${money(p.value)}</td>`).join('')}
<td>${money(s.meanOwnPurchases)}</td><td>${money(s.meanStarterKits)}</td></tr>`;
  const head = `<tr><th>${html(w.rank)}</th><th>${html(w.count)}</th><th>${html(w.share)}</th><th>${html(w.nothing)}</th>
<th>${html(w.mean)}</th><th>${html(w.median)}</th><th>${html(w.lowest)}</th><th>${html(w.highest)}</th>
${d.all ? d.all.percentiles.map((p) => `<th>P${p.p}</th>`).join('') : ''}
<th>${html(w.ownPurchases)}</th><th>${html(w.starterKits)}</th></tr>`;
  const body = [
    ...(d.all ? [row(w.all, d.all)] : []),
    ...d.groups.map((g) => row(g.rankId ?? w.noRank, g)),
  ].join('\n');
  return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<title>${html(w.title)} ${html(d.from)} – ${html(d.to)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; color: #111; }
table { border-collapse: collapse; margin: 1rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #999; padding: 0.25rem 0.5rem; text-align: right; }
th[scope=row], thead th:first-child { text-align: left; }
@media print { body { margin: 0; } }
</style>
</head>
<body>
<h1>${html(w.title)}</h1>
<p>${html(w.range)}: ${html(d.periods.join(', '))} · ${html(w.participants)}: ${d.participants} · ${html(d.currency)}</p>
<table>
<thead>${head}</thead>
<tbody>
${body}
</tbody>
</table>
${earningsChart(d, w.chart)}
<section id="method">
<h2>${html(w.methodTitle)}</h2>
${w
  .method(d)
  .map((p) => `<p>${html(p)}</p>`)
  .join('\n')}
</section>
</body>
</html>
`;
}
