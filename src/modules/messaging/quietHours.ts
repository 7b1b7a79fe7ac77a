// Quiet hours (pure): a marketing SMS waits until the recipient's local morning. The recipient's time zone
// comes from their country (one zone per country for the markets served), else the company's.

const COUNTRY_ZONE: Record<string, string> = {
  DK: 'Europe/Copenhagen',
  PL: 'Europe/Warsaw',
  DE: 'Europe/Berlin',
  AT: 'Europe/Vienna',
  CH: 'Europe/Zurich',
  SE: 'Europe/Stockholm',
  NO: 'Europe/Oslo',
  NL: 'Europe/Amsterdam',
  GB: 'Europe/London',
  FR: 'Europe/Paris',
};

export function recipientZone(country: string | null, companyZone: string): string {
  return (country && COUNTRY_ZONE[country.toUpperCase()]) || companyZone;
}

/** Minutes since midnight of 'HH:MM', or null. */
export function minutesOf(hhmm: string): number | null {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

function localParts(instant: number, timeZone: string) {
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
  return {
    y: get('year'),
    mo: get('month'),
    d: get('day'),
    h: get('hour'),
    mi: get('minute'),
    s: get('second'),
  };
}

/** The UTC instant of a local wall-clock time (DST-safe: the offset is taken where the result lands). */
function instantOfLocal(y: number, mo: number, d: number, minutes: number, timeZone: string): number {
  const wall = Date.UTC(y, mo - 1, d, 0, minutes);
  const offsetAt = (t: number) => {
    const p = localParts(t, timeZone);
    return Date.UTC(p.y, p.mo - 1, p.d, p.h, p.mi, p.s) - Math.floor(t / 1000) * 1000;
  };
  let t = wall - offsetAt(wall);
  t = wall - offsetAt(t);
  return t;
}

/**
 * `now` if it lies outside the quiet hours [start, end) in the zone, else the instant they end. The window
 * may span midnight (21:00-08:00); equal start and end mean no quiet hours.
 */
export function nextAllowedInstant(now: Date, timeZone: string, start: string, end: string): Date {
  const s = minutesOf(start);
  const e = minutesOf(end);
  if (s === null || e === null || s === e) return now;
  const p = localParts(now.getTime(), timeZone);
  const m = p.h * 60 + p.mi;
  const quiet = s > e ? m >= s || m < e : m >= s && m < e;
  if (!quiet) return now;
  // Ends tomorrow when the window spans midnight and we are before midnight.
  const day = new Date(Date.UTC(p.y, p.mo - 1, p.d + (s > e && m >= s ? 1 : 0)));
  return new Date(instantOfLocal(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), e, timeZone));
}
