import { resolveCursorConnection } from '@pothos/plugin-relay';
import { ValidationError } from '../lib/errors';

// Page sizes: one rule for every connection and list argument. A size outside the allowed range is
// refused with a clear error (as GitHub's API does: "first must be between 1 and 100"), never silently cut.

export const MAX_PAGE_SIZE = 100;

/** Refuses `value` of the argument `name` unless it lies in 1..max; null (absent) passes. */
export function checkPageSize(name: string, value: number | null | undefined, max: number): void {
  if (value == null || (value >= 1 && value <= max)) return;
  throw new ValidationError(`${name} must be between 1 and ${max}.`, [
    value < 1
      ? { path: name, message: `Between 1 and ${max}; got ${value}.`, code: 'TOO_SMALL', params: { min: 1 } }
      : { path: name, message: `Between 1 and ${max}; got ${value}.`, code: 'TOO_LARGE', params: { max } },
  ]);
}

/** resolveCursorConnection with first/last checked against maxSize (default 100) instead of clamped. */
export const resolvePage: typeof resolveCursorConnection = (options, resolve) => {
  const max = options.maxSize ?? MAX_PAGE_SIZE;
  checkPageSize('first', options.args.first, max);
  checkPageSize('last', options.args.last, max);
  return resolveCursorConnection(options, resolve);
};
