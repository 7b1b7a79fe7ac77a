import { describe, expect, it } from 'vitest';
import {
  computePeriod,
  FORCED_NO_RANK,
  linesFrom,
  type MemberRow,
  membersFrom,
  STATUS_SUSPENDED,
  STATUS_TERMINATED,
} from '../../src/modules/commissions/engine';
import { END, IN, plan, run, START } from './engine-helpers';

// Staff decisions the engine honours (issue 9 §7): a paid-as rank forced down to no rank, and which
// statuses' balances are held.

describe('forced to no rank', () => {
  const p = {
    schemaVersion: 1,
    ranks: [
      { id: 'LOW', minPv: 0, minGv: 0 },
      { id: 'HIGH', minPv: 100, minGv: 0 },
      { id: 'TOP', minPv: 0, minGv: 0, legs: { count: 1, rank: 'HIGH' } },
    ],
  };
  const chain: MemberRow[] = [{ sponsor: -1 }, { sponsor: 0 }, { sponsor: 1 }];
  const lines = [{ member: 2, qv: 100, cv: 1_000, at: IN }];

  it('pays as no rank although every rank test passes, and uplines see no rank in that leg', () => {
    expect([...run(p, chain, lines).paidAsRank]).toEqual([2, 2, 1]);
    const r = run(p, [chain[0], chain[1], { sponsor: 1, forcedRank: FORCED_NO_RANK }], lines);
    expect([...r.paidAsRank]).toEqual([0, 0, -1]);
    expect(r.lifetimeRank[2]).toBe(-1);
  });

  it('also without a rank ladder, and refuses codes below it', () => {
    const members = membersFrom([{ sponsor: -1 }]);
    members.forcedRank![0] = FORCED_NO_RANK;
    const bare = plan({ schemaVersion: 1 });
    const period = { start: START, end: END };
    expect([...computePeriod({ plan: bare, members, lines: linesFrom([]), period }).paidAsRank]).toEqual([
      -1,
    ]);
    expect(() => run(p, [{ sponsor: -1, forcedRank: -3 }], [])).toThrow(/forcedRank/);
  });
});

describe('held statuses', () => {
  const p = plan({ schemaVersion: 1, retail: true, payout: { minPayout: 1_000 } });
  const period = { start: START, end: END };
  const members = (heldStatuses?: number[]) => {
    const m = membersFrom([
      { sponsor: -1, balanceIn: 5_000 },
      { sponsor: 0, balanceIn: 5_000, status: 'SUSPENDED' },
      { sponsor: 0, balanceIn: 5_000, status: 'TERMINATED' },
    ]);
    m.heldStatuses = heldStatuses;
    return m;
  };
  const payout = (heldStatuses?: number[]) => [
    ...computePeriod({ plan: p, members: members(heldStatuses), lines: linesFrom([]), period }).payout,
  ];

  it('by default (SPEC §3.1) pays every balance over minPayout whatever the status', () => {
    expect(payout()).toEqual([5_000, 5_000, 5_000]);
    expect(payout([])).toEqual([5_000, 5_000, 5_000]);
  });

  it('holds the balances of the statuses the company holds', () => {
    const r = computePeriod({
      plan: p,
      members: members([STATUS_SUSPENDED, STATUS_TERMINATED]),
      lines: linesFrom([]),
      period,
    });
    expect([...r.payout]).toEqual([5_000, 0, 0]);
    expect([...r.balanceOut]).toEqual([0, 5_000, 5_000]);
    expect(payout([STATUS_TERMINATED])).toEqual([5_000, 5_000, 0]);
    expect(() => payout([7])).toThrow(/heldStatuses/);
  });
});
