// Period boundaries: months in the company's time zone, as UTC instants (half-open [start, end)).

/** Local time minus UTC, in ms, at an instant in a zone. */
function zoneOffsetMs(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(instant));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const local = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return local - Math.floor(instant / 1000) * 1000;
}

/** The UTC instant of local midnight on the first day of a month ('YYYY-MM') in a zone. */
export function monthStart(period: string, timeZone: string): number {
  const [y, m] = period.split('-').map(Number);
  const naive = Date.UTC(y, m - 1, 1);
  let start = naive - zoneOffsetMs(naive, timeZone);
  // Across a DST change the offset at the guess may differ from the offset at the answer.
  start = naive - zoneOffsetMs(start, timeZone);
  return start;
}

export function periodBounds(period: string, timeZone: string): { start: number; end: number } {
  const [y, m] = period.split('-').map(Number);
  const next = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
  return { start: monthStart(period, timeZone), end: monthStart(next, timeZone) };
}

export function isPeriodId(value: string): boolean {
  return /^\d{4}-(0[1-9]|1[0-2])$/.test(value);
}
