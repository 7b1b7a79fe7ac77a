import { BONUS, bonusName } from './types';

/**
 * The component key of a line, e.g. `unilevel:L3`, `binary:pair`, `stairstep:own`, `stairstep:child:17`,
 * `leadership:G2`, `fastStart:L1`, `matching:G1`, `matrix:L2`, `retail`. Member numbers are engine indices;
 * the I/O layer maps them to distributor ids.
 */
export function componentKey(bonus: number, level: number, source: number): string {
  const name = bonusName(bonus);
  switch (bonus) {
    case BONUS.unilevel:
    case BONUS.matrix:
    case BONUS.fastStart:
      return `${name}:L${level}`;
    case BONUS.leadership:
    case BONUS.matching:
      return `${name}:G${level}`;
    case BONUS.binary:
      return 'binary:pair';
    case BONUS.stairstep:
      return source >= 0 ? `stairstep:child:${source}` : 'stairstep:own';
    case BONUS.retail:
      return 'retail';
    default:
      throw new Error(`Unknown bonus code ${bonus}.`);
  }
}
