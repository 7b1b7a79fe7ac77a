import {
  KIND_CUSTOMER,
  KIND_PERSONAL,
  type MemberArrays,
  STATUS_ACTIVE,
  STATUS_SUSPENDED,
  STATUS_TERMINATED,
  type VolumeLines,
} from './types';

// Object-per-row builders for small inputs (tests, what-if on a handful of members). Large periods should
// fill the typed arrays directly.

export interface MemberRow {
  sponsor: number;
  placementParent?: number;
  position?: number;
  status?: 'ACTIVE' | 'SUSPENDED' | 'TERMINATED';
  joinedAt?: number;
  forcedRank?: number;
  lifetimeRankBefore?: number;
  carryInLeft?: number;
  carryInRight?: number;
  balanceIn?: number;
  retailCustomers?: number;
}

const STATUS = { ACTIVE: STATUS_ACTIVE, SUSPENDED: STATUS_SUSPENDED, TERMINATED: STATUS_TERMINATED };

export function membersFrom(rows: MemberRow[]): MemberArrays {
  const n = rows.length;
  const m: MemberArrays = {
    count: n,
    sponsor: Int32Array.from(rows, (r) => r.sponsor),
    placementParent: Int32Array.from(rows, (r) => r.placementParent ?? -1),
    placementPosition: Uint8Array.from(rows, (r) => r.position ?? 0),
    status: Uint8Array.from(rows, (r) => STATUS[r.status ?? 'ACTIVE']),
    joinedAt: Float64Array.from(rows, (r) => r.joinedAt ?? 0),
    forcedRank: Int8Array.from(rows, (r) => r.forcedRank ?? -1),
    lifetimeRankBefore: Int8Array.from(rows, (r) => r.lifetimeRankBefore ?? -1),
    carryInLeft: Float64Array.from(rows, (r) => r.carryInLeft ?? 0),
    carryInRight: Float64Array.from(rows, (r) => r.carryInRight ?? 0),
    balanceIn: Float64Array.from(rows, (r) => r.balanceIn ?? 0),
    retailCustomers: Int32Array.from(rows, (r) => r.retailCustomers ?? 0),
  };
  return m;
}

export interface LineRow {
  member: number;
  qv?: number;
  cv?: number;
  kind?: 'PERSONAL' | 'CUSTOMER';
  at: number;
  orderAt?: number;
  retailProfit?: number;
  starterKit?: boolean;
}

export function linesFrom(rows: LineRow[]): VolumeLines {
  return {
    count: rows.length,
    member: Int32Array.from(rows, (r) => r.member),
    qv: Float64Array.from(rows, (r) => r.qv ?? 0),
    cv: Float64Array.from(rows, (r) => r.cv ?? 0),
    kind: Uint8Array.from(rows, (r) => (r.kind === 'CUSTOMER' ? KIND_CUSTOMER : KIND_PERSONAL)),
    at: Float64Array.from(rows, (r) => r.at),
    orderAt: Float64Array.from(rows, (r) => r.orderAt ?? r.at),
    retailProfit: Float64Array.from(rows, (r) => r.retailProfit ?? 0),
    starterKit: Uint8Array.from(rows, (r) => (r.starterKit ? 1 : 0)),
  };
}
