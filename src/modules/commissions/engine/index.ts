// The pure commission engine: plain data in, plain data out (no I/O, clock or randomness).

export { type LineRow, linesFrom, type MemberRow, membersFrom } from './build';
export { computePeriod, PeriodEngine } from './engine';
export { componentKey } from './keys';
export * from './types';
