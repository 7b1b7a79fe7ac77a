// Pure helper of the import: referral codes derived from ids.

const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const MULTIPLIER = 0x1b873593a5; // odd: a bijection modulo 2^45
const SALT = 0x0d1e5c0ffee;
const P16 = 2 ** 16;
const P23 = 2 ** 23;
const P30 = 2 ** 30;
const P45 = 2 ** 45;
const SALT_LO = SALT % P30;
const SALT_HI = Math.floor(SALT / P30);
const M_HI = Math.floor(MULTIPLIER / P23);
const M_LO = MULTIPLIER % P23;

/** (id * MULTIPLIER) mod 2^45 in doubles: limbs keep every partial product below 2^53 (ids < 2^31). */
function mulMod45(id: number): number {
  const ih = Math.floor(id / P16);
  const il = id % P16;
  const sum =
    ((ih * M_HI) % 2 ** 6) * 2 ** 39 +
    ((ih * M_LO) % 2 ** 29) * P16 +
    ((il * M_HI) % 2 ** 22) * P23 +
    il * M_LO;
  return sum % P45;
}

/**
 * The referral code of an imported member without one: 9 characters (enrollment draws 8, so the two never
 * meet), a bijection of the id, so that no two imported members share one and a rerun gives the same code.
 * Plain doubles, not BigInt: a million codes are made per large import.
 */
export function importedReferralCode(id: number): string {
  const m = mulMod45(id);
  // XOR with the salt and 5-bit digits, on 30-bit and 15-bit halves (small integers stay fast).
  const lo = (m % P30) ^ SALT_LO;
  const hi = Math.floor(m / P30) ^ SALT_HI;
  const a = CODE_ALPHABET;
  const c0 = a[lo & 31];
  const c1 = a[(lo >>> 5) & 31];
  const c2 = a[(lo >>> 10) & 31];
  const c3 = a[(lo >>> 15) & 31];
  const c4 = a[(lo >>> 20) & 31];
  const c5 = a[(lo >>> 25) & 31];
  const c6 = a[hi & 31];
  const c7 = a[(hi >>> 5) & 31];
  return c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + a[(hi >>> 10) & 31];
}
