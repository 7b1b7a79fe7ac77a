// Period boundaries: months in the company's time zone, as UTC instants (half-open [start, end)).
import { addMonths, startOfDayInZone } from '../../../lib/time';

/** The UTC instant of local midnight on the first day of a month ('YYYY-MM') in a zone. */
export function monthStart(period: string, timeZone: string): number {
  return startOfDayInZone(`${period}-01`, timeZone).getTime();
}

export function periodBounds(period: string, timeZone: string): { start: number; end: number } {
  return { start: monthStart(period, timeZone), end: monthStart(addMonths(period, 1), timeZone) };
}

export function isPeriodId(value: string): boolean {
  return /^\d{4}-(0[1-9]|1[0-2])$/.test(value);
}
