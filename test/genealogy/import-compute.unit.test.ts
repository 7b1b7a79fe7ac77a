import { describe, expect, it } from 'vitest';
import { monthInZone } from '../../src/lib/time';
import { importedReferralCode } from '../../src/modules/genealogy/import/codes';
import {
  computeImport,
  type ImportInput,
  REF_BROKEN,
  REF_NONE,
} from '../../src/modules/genealogy/import/compute';
import { parsePart } from '../../src/modules/genealogy/import/parse';
import { monthResolver } from '../../src/modules/imports/months';

// The pure part of the import: placement, structure checks and counters over typed arrays (no I/O).

interface Row {
  sponsor: number; // row index, REF_NONE, or n + k for existing member k
  parent?: number;
  position?: number;
  active?: boolean;
  month?: number;
}

const noExisting = {
  count: 0,
  id: new Int32Array(0),
  parent: new Int32Array(0),
  position: new Int8Array(0),
  placementDepth: new Int32Array(0),
  placementTeamSize: new Int32Array(0),
  rootPaths: new Map<number, string>(),
  sponsors: new Map<number, { sponsorPath: string; sponsorDepth: number }>(),
};

function input(rows: Row[], kind: 'BINARY' | 'MATRIX' = 'BINARY', width = 2): ImportInput {
  const n = rows.length;
  return {
    kind,
    width,
    rows: n,
    line: Int32Array.from(rows, (_, i) => i + 1),
    sponsor: Int32Array.from(rows, (r) => r.sponsor),
    parent: Int32Array.from(rows, (r) => r.parent ?? REF_NONE),
    position: Int16Array.from(rows, (r) => r.position ?? -1),
    active: Uint8Array.from(rows, (r) => (r.active === false ? 0 : 1)),
    month: Int32Array.from(rows, (r) => r.month ?? 0),
    months: Math.max(1, ...rows.map((r) => (r.month ?? 0) + 1)),
    bad: new Uint8Array(n),
    existing: noExisting,
  };
}

function planOf(rows: Row[], kind: 'BINARY' | 'MATRIX' = 'BINARY', width = 2) {
  const r = computeImport(input(rows, kind, width), 1);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.plan;
}

function issuesOf(rows: Row[], kind: 'BINARY' | 'MATRIX' = 'BINARY', width = 2) {
  const r = computeImport(input(rows, kind, width), 1);
  if (r.ok) throw new Error('expected issues');
  return r.issues.map((i) => `${i.row + 1}: ${i.message}`);
}

/** Brute force from the paths: what every counter must be. */
function bruteForce(plan: ReturnType<typeof planOf>, rows: Row[]) {
  const n = rows.length;
  const sp = rows.map((_, i) => plan.sponsorPath(i));
  const pp = rows.map((_, i) => plan.placementPath(i));
  const levels = new Map<string, number>();
  const joins = new Map<string, number>();
  const team = rows.map(() => 0);
  const active = rows.map(() => 0);
  const pteam = rows.map(() => 0);
  for (let a = 0; a < n; a++)
    for (let x = 0; x < n; x++) {
      if (x !== a && sp[x].startsWith(sp[a])) {
        team[a]++;
        if (rows[x].active !== false) active[a]++;
        const lk = `${a}|${plan.sponsorDepth[x] - plan.sponsorDepth[a]}`;
        levels.set(lk, (levels.get(lk) ?? 0) + 1);
        const jk = `${a}|${rows[x].month ?? 0}`;
        joins.set(jk, (joins.get(jk) ?? 0) + 1);
      }
      if (x !== a && pp[x].startsWith(pp[a])) pteam[a]++;
    }
  return { team, active, pteam, levels, joins };
}

function triples(flat: Int32Array) {
  const m = new Map<string, number>();
  for (let k = 0; k < flat.length; k += 3) m.set(`${flat[k]}|${flat[k + 1]}`, flat[k + 2]);
  return m;
}

describe('computeImport', () => {
  it('binary auto-placement: the outermost position of the weaker leg, LEFT on a tie, in file order', () => {
    // 0 root; 1, 2, 3, 4 sponsored by 0; 5 by 1.
    const plan = planOf([
      { sponsor: REF_NONE },
      { sponsor: 0 },
      { sponsor: 0 },
      { sponsor: 0 },
      { sponsor: 0 },
      { sponsor: 1 },
    ]);
    expect([0, 1, 2, 3, 4, 5].map((i) => plan.placementPath(i))).toEqual(['', '0', '1', '00', '11', '01']);
    expect(plan.sponsorPath(5)).toBe('1.2.6.');
    expect(Array.from(plan.applyOrder)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('matrix auto-placement: breadth-first, left to right, under the sponsor', () => {
    const rows: Row[] = [{ sponsor: REF_NONE }];
    for (let i = 1; i <= 13; i++) rows.push({ sponsor: 0 });
    rows.push({ sponsor: 2 }); // under its sponsor, not under the root's next free place
    const plan = planOf(rows, 'MATRIX', 3);
    expect(rows.map((_, i) => plan.placementPath(i))).toEqual([
      '',
      '0',
      '1',
      '2',
      '00',
      '01',
      '02',
      '10',
      '11',
      '12',
      '20',
      '21',
      '22',
      '000',
      '100',
    ]);
  });

  it('explicit placement inside the sponsor’s downline, even when the parent comes later in the file', () => {
    const plan = planOf([
      { sponsor: REF_NONE },
      { sponsor: 0, parent: 2, position: 1 },
      { sponsor: 0, parent: 0, position: 0 },
    ]);
    expect([0, 1, 2].map((i) => plan.placementPath(i))).toEqual(['', '01', '0']);
    expect(Array.from(plan.applyOrder)).toEqual([0, 2, 1]);
    expect(plan.childCount[2]).toBe(1);
    expect(plan.placementTeamSize[0]).toBe(2);
  });

  it('counters equal a brute-force count on random networks (binary and matrix, mixed statuses)', () => {
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    for (const [kind, width] of [
      ['BINARY', 2],
      ['MATRIX', 3],
    ] as const) {
      const rows: Row[] = [{ sponsor: REF_NONE }];
      for (let i = 1; i < 300; i++)
        rows.push({ sponsor: Math.floor(rnd() * i), active: rnd() > 0.2, month: Math.floor(rnd() * 5) });
      const plan = planOf(rows, kind, width);
      const bf = bruteForce(plan, rows);
      expect(Array.from(plan.teamSize)).toEqual(bf.team);
      expect(Array.from(plan.teamActive)).toEqual(bf.active);
      expect(Array.from(plan.placementTeamSize)).toEqual(bf.pteam);
      expect(triples(plan.levels)).toEqual(bf.levels);
      expect(triples(plan.joins)).toEqual(bf.joins);
      // Paths are unique and each row's placement parent is the row whose path is its prefix.
      const paths = rows.map((_, i) => plan.placementPath(i));
      expect(new Set(paths).size).toBe(rows.length);
      for (let i = 1; i < rows.length; i++) {
        expect(paths[plan.placementParent[i]]).toBe(paths[i].slice(0, -1));
        // In the sponsor's placement downline.
        expect(paths[i].startsWith(paths[rows[i].sponsor])).toBe(true);
      }
    }
  });

  it('hangs a file under existing members: their deltas and paths', () => {
    // Existing: id 10 root "" (sponsor path "10."), id 11 at "0" (sponsored by 10, path "10.11.").
    const existing = {
      count: 2,
      id: Int32Array.from([10, 11]),
      parent: Int32Array.from([-1, 2]), // node 2 = existing #0 (n = 2 rows)
      position: Int8Array.from([-1, 0]),
      placementDepth: Int32Array.from([0, 1]),
      placementTeamSize: Int32Array.from([1, 0]),
      rootPaths: new Map([[2, '']]),
      sponsors: new Map([[3, { sponsorPath: '10.11.', sponsorDepth: 1 }]]),
    };
    const inp = input([{ sponsor: 3 }, { sponsor: 0, active: false }]);
    inp.existing = existing;
    const r = computeImport(inp, 100);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    const p = r.plan;
    expect([p.sponsorPath(0), p.sponsorPath(1)]).toEqual(['10.11.100.', '10.11.100.101.']);
    expect([p.placementPath(0), p.placementPath(1)]).toEqual(['00', '000']);
    expect(p.existing.team.sort()).toEqual([
      [10, 2, 1],
      [11, 2, 1],
    ]);
    expect(p.existing.placement.sort()).toEqual([
      [10, 2, 0, 1],
      [11, 2, 1, 1],
    ]);
    expect(p.existing.levels.sort()).toEqual([
      [10, 2, 1],
      [10, 3, 1],
      [11, 1, 1],
      [11, 2, 1],
    ]);
  });

  it('refuses sponsor cycles, placement cycles, taken, out-of-range and outside positions', () => {
    expect(issuesOf([{ sponsor: REF_NONE }, { sponsor: 2 }, { sponsor: 1 }])).toEqual([
      '2: Sponsor cycle through lines 2, 3.',
      '3: Sponsor cycle through lines 2, 3.',
    ]);
    expect(
      issuesOf([
        { sponsor: REF_NONE },
        { sponsor: 0, parent: 2, position: 0 },
        { sponsor: 0, parent: 1, position: 0 },
      ]),
    ).toEqual(['3: Placement cycle: line 2 is placed below this row.']);
    expect(
      issuesOf([
        { sponsor: REF_NONE },
        { sponsor: 0, parent: 0, position: 1 },
        { sponsor: 0, parent: 0, position: 1 },
      ]),
    ).toEqual(['3: Placement position 1 under that parent is already taken by line 2.']);
    expect(issuesOf([{ sponsor: REF_NONE }, { sponsor: 0, parent: 0, position: 2 }])).toEqual([
      '2: placementPosition must be 0 to 1.',
    ]);
    // Row 3 is sponsored by 1 but placed under 2, which is not in 1's placement downline.
    expect(
      issuesOf([
        { sponsor: REF_NONE },
        { sponsor: 0 },
        { sponsor: 0 },
        { sponsor: 1, parent: 2, position: 0 },
      ]),
    ).toEqual(['4: The placement parent must be the sponsor or in the sponsor’s placement downline.']);
    // A broken reference (reported by the caller) blocks its dependants without more noise.
    const r = computeImport(input([{ sponsor: REF_NONE }, { sponsor: REF_BROKEN }, { sponsor: 1 }]), 1);
    expect(r).toEqual({ ok: false, issues: [] });
  });
});

describe('import helpers', () => {
  it('monthResolver agrees with monthInZone, near month boundaries too', () => {
    for (const tz of ['Europe/Copenhagen', 'America/Los_Angeles', 'Pacific/Kiritimati', 'UTC']) {
      const month = monthResolver(tz);
      let t = Date.UTC(2025, 0, 1);
      for (let k = 0; k < 3000; k++) {
        t += 37 * 60_000 * 7 + (k % 13) * 60_000;
        const iso = new Date(t).toISOString();
        expect(month(iso), `${tz} ${iso}`).toBe(monthInZone(new Date(t), tz));
      }
    }
  });

  it('generated referral codes are distinct 9-character codes', () => {
    const codes = new Set<string>();
    for (let id = 1; id <= 50_000; id++) codes.add(importedReferralCode(id));
    expect(codes.size).toBe(50_000);
    expect(importedReferralCode(1)).toMatch(/^[A-HJ-NP-Z2-9]{9}$/);
  });

  it('parses CSV with quotes, line breaks in quotes and per-line numbers', () => {
    const csv =
      'externalId,sponsorExternalId,firstName,lastName,country,locale,placementPosition,placementParentExternalId\n' +
      'A,,"Ann, ""the first""",Berg,DK,da,,\n' +
      'B,A,"Two\nLines",X,dk,en,RIGHT,A\n' +
      '\n' +
      'C,A,Bad,Email,DK,xx,,\n';
    const p = parsePart('CSV', csv, '2026-01-01T00:00:00.000Z');
    expect(p.lines).toBe(5);
    expect(p.records).toBe(3);
    expect(p.rows.map((r) => [r[0], r[1], r[5], r[4], r[9], r[14]])).toEqual([
      [1, 'A', 'Ann, "the first"', null, 'DK', 0],
      // One record over two lines; a line break is a control character, refused in a name (issue 9 §7).
      [2, 'B', null, null, null, 1],
      [5, 'C', null, null, null, 1],
    ]);
    expect(p.issues).toEqual([
      [2, expect.stringContaining('firstName: No control')],
      [5, expect.stringContaining('locale')],
    ]);
  });

  it('the fast row check gives what rowSchema alone gives: same rows, same messages', () => {
    const base = {
      externalId: 'X1',
      sponsorExternalId: 'S1',
      placementParentExternalId: 'P1',
      placementPosition: 1,
      firstName: 'Åse',
      lastName: 'Øster',
      email: 'ase@example.dk',
      phone: '+4512345678',
      country: 'DK',
      locale: 'da',
      status: 'ACTIVE',
      joinedAt: '2025-03-01T10:00:00.000Z',
      referralCode: 'ASE-1',
    };
    const variants: Record<string, unknown>[] = [
      {},
      { email: ' ASE@Example.DK ' },
      { email: 'bad@x' },
      { email: '.a@b.co' },
      { email: 'a..b@c.co' },
      { email: 5 },
      { phone: '+45 1234-5678' },
      { phone: '+0451234567' },
      { phone: '12345678' },
      { country: ' dk ' },
      { country: 'DNK' },
      { locale: 'fr' },
      { locale: ' da' },
      { status: 'SUSPENDED' },
      { status: 'active' },
      { joinedAt: '2025-01-01T00:00:00+02:00' },
      { joinedAt: '2025-01-01T00:00:00' },
      { joinedAt: '2025-13-01T00:00:00Z' },
      { joinedAt: '2025-01-01T00:00Z' },
      { joinedAt: '2025-01-01T00:00:00.123456Z' },
      { referralCode: ' ab_C-1 ' },
      { referralCode: 'ab' },
      { referralCode: 'a b c' },
      { placementPosition: 'LEFT' },
      { placementPosition: 'right' },
      { placementPosition: '7' },
      { placementPosition: 36 },
      { placementPosition: 1.5 },
      { placementPosition: -1 },
      { placementParentExternalId: undefined },
      { placementParentExternalId: undefined, placementPosition: undefined },
      { placementParentExternalId: '   ' },
      { extra: 1 },
      { externalId: 5 },
      { externalId: ' X2 ' },
      { externalId: 'y'.repeat(64) },
      { externalId: 'y'.repeat(65) },
      { firstName: '   ' },
      { firstName: 'x'.repeat(100) },
      { firstName: 'x'.repeat(101) },
      { lastName: ' Ø ' },
      { firstName: 'A\u202Eb' },
      { lastName: 'x\u0000' },
      { country: 'XX' },
      { country: 'jp' },
      { sponsorExternalId: '' },
      { sponsorExternalId: ' S9 ' },
      { sponsorExternalId: 7 },
      { email: null, phone: '', status: undefined, joinedAt: undefined, referralCode: undefined },
    ];
    const lines = variants.map((v, i) =>
      JSON.stringify({ ...base, ...v, externalId: v.externalId ?? `X${i}` }),
    );
    const text = lines.join('\n');
    const now = '2026-01-01T00:00:00.000Z';
    const fast = parsePart('NDJSON', text, now);
    expect(fast).toEqual(parsePart('NDJSON', text, now, false));
    expect(fast.rows.filter((r) => r[14] === 0).length).toBeGreaterThan(15);
    expect(fast.issues.length).toBeGreaterThan(15);
    const csv = `${Object.keys(base).join(',')}\n${variants
      .map((v, i) =>
        Object.keys(base)
          .map((k) => String({ ...base, ...v, externalId: `C${i}` }[k as keyof typeof base] ?? ''))
          .join(','),
      )
      .join('\n')}`;
    expect(parsePart('CSV', csv, now)).toEqual(parsePart('CSV', csv, now, false));
  });
});
