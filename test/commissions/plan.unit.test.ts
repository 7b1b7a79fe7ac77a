// Plan JSON validation: the shipped examples pass, and each kind of mistake is reported at its own path.
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/lib/errors';
import { checkPlan, compilePlan, parsePlan } from '../../src/modules/commissions/plan';
import { EXAMPLE_PLANS } from '../../src/modules/commissions/plans/examples';

function issuesOf(json: unknown) {
  const c = checkPlan(json);
  if (c.ok) throw new Error('expected the plan to be refused');
  return c.issues;
}

const RANKS = [
  { id: 'BRONZE', minPv: 50, minGv: 0 },
  { id: 'SILVER', minPv: 100, minGv: 1000 },
];

describe('plan validation', () => {
  it('accepts both example plans and fills defaults', () => {
    for (const json of Object.values(EXAMPLE_PLANS)) {
      const c = checkPlan(json);
      expect(c.ok, JSON.stringify(!c.ok && c.issues)).toBe(true);
    }
    const minimal = parsePlan({ schemaVersion: 1 });
    expect(minimal).toMatchObject({ activePv: 0, starterKitsCarryVolume: false, retail: false });
    expect(minimal.payout.minPayout).toBe(0);
  });

  it('refuses stairstep brackets that do not ascend, and higher brackets that pay less', () => {
    const issues = issuesOf({
      schemaVersion: 1,
      stairstep: {
        brackets: [
          { minGroupPv: 200, bp: 300 },
          { minGroupPv: 200, bp: 600 },
          { minGroupPv: 1200, bp: 500 },
        ],
      },
    });
    expect(issues).toEqual([
      {
        path: 'stairstep.brackets.1.minGroupPv',
        message: expect.stringMatching(/must ascend: 200 is not above 200/),
      },
      {
        path: 'stairstep.brackets.2.bp',
        message: expect.stringMatching(/cannot pay less: 500 is below 600/),
      },
    ]);
  });

  it('refuses a rank referenced that does not exist, wherever it is referenced', () => {
    const issues = issuesOf({
      schemaVersion: 1,
      ranks: [...RANKS, { id: 'GOLD', minPv: 100, minGv: 5000, legs: { count: 2, rank: 'PLATINUM' } }],
      unilevel: { levels: [500, 500, 300], minRankForLevel: [null, 'SILVER', 'GOLDEN'], compression: true },
      binary: { bp: 1000, capByRank: { BRONZ: 1000 } },
      matching: { levels: [1000], minRank: ['DIAMOND'] },
    });
    expect(issues.map((i) => i.path)).toEqual([
      'ranks.2.legs.rank',
      'unilevel.minRankForLevel.2',
      'binary.capByRank.BRONZ',
      'matching.minRank.0',
    ]);
    expect(issues[0].message).toBe('rank "PLATINUM" does not exist (ranks: BRONZE, SILVER, GOLD)');
    expect(issuesOf({ schemaVersion: 1, binary: { bp: 1, capByRank: { X: 1 } } })[0].message).toMatch(
      /the plan has no ranks/,
    );
  });

  it('refuses negative or fractional rates and amounts, with the path of the value', () => {
    const issues = issuesOf({
      schemaVersion: 1,
      activePv: -1,
      unilevel: { levels: [500, -100], compression: false },
      fastStart: { windowDays: 30, levels: [10.5] },
      payout: { minPayout: -5 },
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          path: 'activePv',
          message: 'cannot be negative',
          code: 'TOO_SMALL',
          params: { min: 0 },
        }),
        expect.objectContaining({ path: 'unilevel.levels.1', message: 'rates cannot be negative' }),
        expect.objectContaining({ path: 'fastStart.levels.0', message: 'rates are whole basis points' }),
        expect.objectContaining({ path: 'payout.minPayout', message: 'cannot be negative' }),
      ]),
    );
  });

  it('refuses parts that do not line up', () => {
    expect(issuesOf({ schemaVersion: 1, matching: { levels: [100], minRank: [null] } })).toEqual([
      { path: 'matching', message: 'matching pays on unilevel earnings, but the plan has no unilevel part' },
    ]);
    const paths = (json: unknown) => issuesOf(json).map((i) => i.path);
    expect(
      paths({
        schemaVersion: 1,
        ranks: RANKS,
        unilevel: { levels: [1], minRankForLevel: [null, null], compression: true },
        matching: { levels: [100, 50], minRank: ['SILVER'] },
      }),
    ).toEqual(['unilevel.minRankForLevel', 'matching.minRank']);
    expect(paths({ schemaVersion: 1, matrix: { width: 3, depth: 2, levels: [1, 2, 3] } })).toEqual([
      'matrix.levels',
    ]);
    expect(
      paths({ schemaVersion: 1, binary: { bp: 1 }, matrix: { width: 3, depth: 2, levels: [1] } }),
    ).toEqual(['matrix.width']);
    expect(paths({ schemaVersion: 1, ranks: [RANKS[0], RANKS[0]] })).toEqual(['ranks.1.id']);
  });

  it('refuses unknown fields, a missing version and a cap with more than two decimals', () => {
    expect(issuesOf({ schemaVersion: 1, unilevl: {} })[0]).toMatchObject({ path: '' });
    expect(issuesOf({})[0].path).toBe('schemaVersion');
    expect(issuesOf({ schemaVersion: 1, payout: { capPercentOfCv: 40.125 } })[0]).toMatchObject({
      path: 'payout.capPercentOfCv',
      message: 'at most two decimals',
    });
    expect(checkPlan({ schemaVersion: 1, payout: { capPercentOfCv: 42.5 } }).ok).toBe(true);
  });

  it('parsePlan throws a ValidationError listing every issue', () => {
    try {
      parsePlan({ schemaVersion: 1, unilevel: { levels: [-1], compression: 'yes' } });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as ValidationError).issues.map((i) => i.path).sort()).toEqual([
        'unilevel.compression',
        'unilevel.levels.0',
      ]);
    }
  });
});

describe('plan compilation', () => {
  it('resolves rank ids to indices and binary caps to the highest listed rank at or below', () => {
    const c = compilePlan(
      parsePlan({
        schemaVersion: 1,
        ranks: [...RANKS, { id: 'GOLD', minPv: 100, minGv: 5000, legs: { count: 2, rank: 'SILVER' } }],
        unilevel: { levels: [500, 400], minRankForLevel: [null, 'GOLD'], compression: true },
        binary: { bp: 1000, capByRank: { SILVER: 2500 }, capUnranked: 100 },
        payout: { capPercentOfCv: 42.5 },
      }),
    );
    expect(c.ranks[2]).toMatchObject({ legCount: 2, legRank: 1 });
    expect(c.unilevel!.minRank).toEqual([-1, 2]);
    // index 0 = no rank, then BRONZE (not listed: keeps capUnranked), SILVER, GOLD (SILVER's cap).
    expect(c.binary!.capByRank).toEqual([100, 100, 2500, 2500]);
    expect(c.capBpOfCv).toBe(4250);
  });
});
