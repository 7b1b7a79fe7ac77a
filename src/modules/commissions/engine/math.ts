// The one rounding rule of the spec: floor toward −∞ of an exact integer quotient.

const SAFE = Number.MAX_SAFE_INTEGER;

/**
 * floor(a × b / c) for integers a, b and c > 0, exact. While |a × b| stays below 2^53 the product is exact
 * and the correctly rounded double quotient cannot cross an integer, so Math.floor is exact; beyond that
 * BigInt takes over. Math.floor (not Math.trunc or `| 0`) rounds negatives toward −∞: 5 % of −1 is −1.
 */
export function mulDivFloor(a: number, b: number, c: number): number {
  const p = a * b;
  if (p >= -SAFE && p <= SAFE) return Math.floor(p / c);
  const n = BigInt(a) * BigInt(b);
  const d = BigInt(c);
  let q = n / d; // truncates toward zero
  if (n % d !== 0n && n < 0n) q -= 1n;
  return Number(q);
}

/** The spec's component amount: floor(rateBasisPoints × V / 10000). */
export function applyBp(bp: number, volume: number): number {
  return mulDivFloor(bp, volume, 10_000);
}
