// Report ranges, scopes and the figures computed from maintained counters. Pure: no I/O.
import { ValidationError } from '../../lib/errors';
import { addMonths } from '../../lib/time';

/** The longest range a report reads (months). */
export const MAX_MONTHS = 36;
/** "Ordered within N days" is counted up to this many days after a message was sent. */
export const MAX_ORDER_DAYS = 30;

export const REPORT_NAMES = [
  'sales',
  'team-growth',
  'retention',
  'ranks',
  'lead-funnel',
  'messages',
] as const;
export type ReportName = (typeof REPORT_NAMES)[number];

/** 0 = the company; otherwise a distributor's team (their own customers, leads and messages). */
export interface Scope {
  distributorId: number | null;
}
export const scopeId = (s: Scope) => s.distributorId ?? 0;

export interface MonthRange {
  from: string;
  to: string;
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** Checks a from..to range of months (YYYY-MM, inclusive). */
export function requireRange(from: string, to: string): MonthRange {
  const issues = [];
  if (!MONTH.test(from))
    issues.push({ path: 'from', message: 'Use YYYY-MM.', code: 'INVALID_FORMAT' as const });
  if (!MONTH.test(to)) issues.push({ path: 'to', message: 'Use YYYY-MM.', code: 'INVALID_FORMAT' as const });
  if (issues.length) throw new ValidationError('from and to must look like 2026-11.', issues);
  if (from > to)
    throw new ValidationError('from is after to.', [
      { path: 'from', message: 'After to.', code: 'INVALID_VALUE' },
    ]);
  if (months({ from, to }).length > MAX_MONTHS)
    throw new ValidationError(`A report covers at most ${MAX_MONTHS} months.`, [
      { path: 'to', message: `At most ${MAX_MONTHS} months after from.`, code: 'INVALID_VALUE' },
    ]);
  return { from, to };
}

export function requireDays(days: number): number {
  if (!Number.isInteger(days) || days < 0 || days > MAX_ORDER_DAYS)
    throw new ValidationError(`days must be 0 to ${MAX_ORDER_DAYS}.`, [
      { path: 'days', message: `0 to ${MAX_ORDER_DAYS}.`, code: 'INVALID_VALUE' },
    ]);
  return days;
}

/** Every month of the range, in order. */
export function months(r: MonthRange): string[] {
  const out: string[] = [];
  for (let m = r.from; m <= r.to && out.length <= MAX_MONTHS; m = addMonths(m, 1)) out.push(m);
  return out;
}

/** floor(10000 × part / whole); null when whole is 0. */
export function shareBp(part: number, whole: number): number | null {
  return whole > 0 ? Math.floor((10000 * part) / whole) : null;
}

/**
 * Median of a histogram of whole hours (the lower median, as a whole hour): the hour bucket that holds the
 * middle lead. Null without leads.
 */
export function histogramMedian(buckets: readonly { value: number; count: number }[]): number | null {
  const sorted = [...buckets].filter((b) => b.count > 0).sort((a, b) => a.value - b.value);
  const total = sorted.reduce((s, b) => s + b.count, 0);
  if (total === 0) return null;
  const middle = Math.ceil(total / 2);
  let seen = 0;
  for (const b of sorted) {
    seen += b.count;
    if (seen >= middle) return b.value;
  }
  return null;
}

export interface GrowthMonth {
  month: string;
  enrollments: number;
  terminations: number;
  net: number;
}

/** Enrollments and terminations per month of the range, zero-filled. */
export function growthMonths(
  range: MonthRange,
  enrolled: ReadonlyMap<string, number>,
  terminated: ReadonlyMap<string, number>,
): GrowthMonth[] {
  return months(range).map((month) => {
    const enrollments = enrolled.get(month) ?? 0;
    const terminations = terminated.get(month) ?? 0;
    return { month, enrollments, terminations, net: enrollments - terminations };
  });
}

export interface Cohort {
  cohort: string;
  customers: number;
  /** Customers of the cohort who paid an order in each following month (index 0 = the month after). */
  returning: number[];
  returningBp: (number | null)[];
}

/** Cohorts of the range from (cohort, month, customers) counts; months after `to` are not shown. */
export function cohorts(
  range: MonthRange,
  counts: readonly { cohort: string; month: string; customers: number }[],
): Cohort[] {
  const byCohort = new Map<string, Map<string, number>>();
  for (const c of counts) {
    const m = byCohort.get(c.cohort) ?? new Map<string, number>();
    byCohort.set(c.cohort, m);
    m.set(c.month, c.customers);
  }
  return months(range).map((cohort) => {
    const m = byCohort.get(cohort) ?? new Map<string, number>();
    const customers = m.get(cohort) ?? 0;
    const returning = months({ from: addMonths(cohort, 1), to: range.to })
      .filter((x) => x > cohort)
      .map((x) => m.get(x) ?? 0);
    return { cohort, customers, returning, returningBp: returning.map((r) => shareBp(r, customers)) };
  });
}
