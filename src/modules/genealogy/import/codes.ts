// Pure helpers of the import: join months in bulk and referral codes derived from ids.

const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const CODE_BITS = 45n; // 9 characters of 32
const MASK = (1n << CODE_BITS) - 1n;
const MULTIPLIER = 0x1b873593a5n; // odd: a bijection modulo 2^45
const SALT = 0x0d1e5c0ffeen;

/**
 * The referral code of an imported member without one: 9 characters (enrollment draws 8, so the two never
 * meet), a bijection of the id, so that no two imported members share one and a rerun gives the same code.
 */
export function importedReferralCode(id: number): string {
  let x = ((BigInt(id) * MULTIPLIER) & MASK) ^ SALT;
  let out = '';
  for (let i = 0; i < 9; i++) {
    out += CODE_ALPHABET[Number(x & 31n)];
    x >>= 5n;
  }
  return out;
}

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
