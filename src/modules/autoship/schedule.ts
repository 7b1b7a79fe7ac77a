// Pure date arithmetic of autoship schedules, on local calendar dates ('YYYY-MM-DD').
import { addDays, dayInZone } from '../../lib/time';

export { addDays };

export interface Schedule {
  intervalDays: number | null;
  dayOfMonth: number | null;
}

function parts(date: string): [number, number, number] {
  const [y, m, d] = date.split('-').map(Number);
  return [y, m, d];
}

function format(y: number, m: number, d: number): string {
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** The due date after `due`: N days later, or the day of the month in the following month. */
export function nextDueDate(due: string, s: Schedule): string {
  if (s.intervalDays != null) return addDays(due, s.intervalDays);
  const [y, m] = parts(due);
  return m === 12 ? format(y + 1, 1, s.dayOfMonth!) : format(y, m + 1, s.dayOfMonth!);
}

/** The first due date on or after `from` for a day-of-month schedule. */
export function firstDueDate(from: string, s: Schedule): string {
  if (s.intervalDays != null) return from;
  const [y, m, d] = parts(from);
  if (d <= s.dayOfMonth!) return format(y, m, s.dayOfMonth!);
  return m === 12 ? format(y + 1, 1, s.dayOfMonth!) : format(y, m + 1, s.dayOfMonth!);
}

/** Today's date in a time zone. */
export const localDate = dayInZone;
