import { ExpiringMap } from '../../lib/expiringMap';

// Per isolate: staff tokens whose account version was read from D1 in the last few seconds, so that a staff
// member's requests do not each pay a D1 round trip (the staff lookup that 22 Nov's requests skipped the same
// way; the token_version check added on 4 Dec brought it back on every request: +1 round trip per request,
// bench/results/genealogy.md "per-request floor"). Distributors are still read on every request: their viewer
// carries their current tree paths. Raising a staff account's version in this isolate forgets it at once;
// another isolate keeps accepting the old token for at most STAFF_CONFIRMED_MS (README, "Access and sessions").

export const STAFF_CONFIRMED_MS = 10_000;

/** staff id → the token version confirmed. */
const confirmed = new ExpiringMap<number, number>(STAFF_CONFIRMED_MS, 10_000);

export function isStaffVersionConfirmed(id: number, version: number): boolean {
  return confirmed.get(id) === version;
}

export function confirmStaffVersion(id: number, version: number): void {
  confirmed.set(id, version);
}

/** After a staff account's version is raised (sign-out, password change or reset) or the account removed. */
export function forgetStaffVersion(id: number): void {
  confirmed.delete(id);
}
