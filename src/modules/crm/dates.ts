// Company-local days: tasks are due on a day in the company's time zone, while instants stay UTC.
import { addDays } from '../../lib/time';

export { addDays, addMonths, dayInZone, startOfDayInZone } from '../../lib/time';

export function isDay(value: string): boolean {
  return (
    /^\d{4}-\d{2}-\d{2}$/.test(value) &&
    !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) &&
    addDays(value, 0) === value
  );
}
