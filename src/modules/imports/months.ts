// The company-time-zone month of an import row's date (genealogy joins, order payments), fast enough for
// a million rows.

import { isCanonicalInstant } from './instants';

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

/**
 * 'YYYY-MM' of an instant in the company time zone (as monthInZone), fast for a million rows: away from
 * a UTC month boundary (more than 15 h, beyond any zone offset) the local month is the UTC month; near
 * one, the zone is asked once per quarter hour.
 */
export function monthResolver(timeZone: string): (iso: string) => string {
  const fmt = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit' });
  const cache = new Map<number, string>();
  const margin = 15 * 3600_000;
  return (iso) => {
    // A canonical instant ('2026-11-02T10:00:00.000Z') on day 2 to 27 is more than a day from either UTC month
    // boundary: its month is its first seven characters (no Date for most of a million rows).
    if (isCanonicalInstant(iso)) {
      const day = (iso.charCodeAt(8) - 48) * 10 + iso.charCodeAt(9) - 48;
      if (day >= 2 && day <= 27) return iso.slice(0, 7);
    }
    const ms = Date.parse(iso);
    const d = new Date(ms);
    const y = d.getUTCFullYear();
    const mo = d.getUTCMonth();
    if (ms - Date.UTC(y, mo, 1) > margin && Date.UTC(y, mo + 1, 1) - ms > margin)
      return `${String(y).padStart(4, '0')}-${pad2(mo + 1)}`;
    const key = Math.floor(ms / 900_000);
    let month = cache.get(key);
    if (month === undefined) {
      const parts = fmt.formatToParts(d);
      month = `${parts.find((p) => p.type === 'year')?.value}-${parts.find((p) => p.type === 'month')?.value}`;
      cache.set(key, month);
    }
    return month;
  };
}
