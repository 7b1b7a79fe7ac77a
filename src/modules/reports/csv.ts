// The reports as CSV (one header line, one line per row). Pure.
import { csvText } from '../commissions/payouts/csv';
import type { Cohort, GrowthMonth } from './model';
import type { FunnelRow, SalesReport } from './reports';
import type { MessageRow, RankRow } from './repository';

type Cell = string | number | null;

function table(header: readonly string[], rows: readonly Cell[][]): string {
  const line = (cells: readonly Cell[]) =>
    cells.map((c) => (c == null ? '' : typeof c === 'number' ? String(c) : csvText(c))).join(',');
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

/** The company's or a team's sales per period × market × product (the team volume is GraphQL's `team`). */
export function salesCsv(r: SalesReport): string {
  return table(
    ['period', 'market', 'sku', 'currency', 'kind', 'quantity', 'amount_minor', 'qv', 'cv'],
    r.rows.map((s) => [s.period, s.market, s.sku, s.currency, s.kind, s.quantity, s.amount, s.qv, s.cv]),
  );
}

export function growthCsv(rows: readonly GrowthMonth[]): string {
  return table(
    ['month', 'enrollments', 'terminations', 'net_growth'],
    rows.map((g) => [g.month, g.enrollments, g.terminations, g.net]),
  );
}

/** One line per cohort and following month. */
export function retentionCsv(rows: readonly Cohort[]): string {
  return table(
    ['cohort', 'customers', 'months_after', 'returning', 'returning_bp'],
    rows.flatMap((c) => c.returning.map((n, i) => [c.cohort, c.customers, i + 1, n, c.returningBp[i]])),
  );
}

export function ranksCsv(rows: readonly RankRow[]): string {
  return table(
    ['period', 'rank', 'members'],
    rows.map((r) => [r.period, r.rank ?? 'NONE', r.members]),
  );
}

export function funnelCsv(rows: readonly FunnelRow[]): string {
  return table(
    ['source', 'campaign', 'new', 'contacted', 'qualified', 'converted', 'median_hours_to_first_contact'],
    rows.map((f) => [
      f.source,
      f.campaign,
      f.new,
      f.contacted,
      f.qualified,
      f.converted,
      f.medianHoursToFirstContact,
    ]),
  );
}

export function messagesCsv(rows: readonly MessageRow[], days: number): string {
  return table(
    [
      'channel',
      'template',
      'sent',
      'delivered',
      'failed',
      'opted_out',
      'replied',
      `ordered_within_${days}_days`,
    ],
    rows.map((m) => [m.channel, m.template, m.sent, m.delivered, m.failed, m.optedOut, m.replied, m.ordered]),
  );
}
