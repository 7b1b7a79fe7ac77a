// A distributor account's status. It sits with the accounts, the lowest module, because modules at every
// level decide by it: sign-in (a TERMINATED account has none), the company settings (whose sessions end on
// suspension, whose commission is held), and the genealogy (which changes it and shows it).

export const DISTRIBUTOR_STATUSES = ['ACTIVE', 'SUSPENDED', 'TERMINATED'] as const;
export type DistributorStatus = (typeof DISTRIBUTOR_STATUSES)[number];
