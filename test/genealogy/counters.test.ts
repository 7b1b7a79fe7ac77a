import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import {
  adminToken,
  enroll,
  enrollConcurrently,
  genealogyState,
  gid,
  move,
  setCompany,
  setStatus,
  terminate,
  tryEnroll,
} from '../helpers';
import { counterMismatches, expectCountersRight } from './counters';

// The maintained counters stay right through any mix of writes: a seeded random sequence of enrollments,
// moves in both trees, suspensions, reactivations and terminations, checked after every operation.

const SEED = 20261122;
const OPERATIONS = 150;

/** mulberry32: a small deterministic PRNG, so that a failure can be replayed. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(list: T[]): T => list[Math.floor(next() * list.length)],
  };
}

interface Row {
  id: number;
  status: string;
  sponsor_id: number | null;
  placement_path: string;
}

// Refusals the random walk may run into; anything else (or a GraphQL error) fails the test.
const EXPECTED_REFUSALS = new Set([
  'ConflictError:CYCLE',
  'ConflictError:POSITION_TAKEN',
  'ConflictError:PARENT_FULL',
  'ConflictError:PARENT_TERMINATED',
  'ConflictError:SPONSOR_NOT_ACTIVE',
  'ConflictError:TERMINATED',
  'ValidationError:',
]);

describe('maintained counters', () => {
  it('the checker notices each kind of wrong counter', async () => {
    const admin = await adminToken('checker@test.example');
    const root = await enroll(admin, null);
    const child = await enroll(admin, root);
    await enroll(admin, child);
    await expectCountersRight('before corrupting');
    const corruptions = [
      'UPDATE distributor SET team_size = team_size + 1 WHERE id = ?1',
      'UPDATE distributor SET team_active = team_active - 1 WHERE id = ?1',
      'UPDATE distributor SET placement_team_size = placement_team_size + 1 WHERE id = ?1',
      'UPDATE distributor SET placement_child_count = 2 WHERE id = ?1',
      'UPDATE distributor SET placement_open = 0 WHERE id = ?1',
      'UPDATE downline_level SET members = members + 1 WHERE ancestor_id = ?1',
      "UPDATE downline_joins SET month = '1999-01' WHERE ancestor_id = ?1",
      'UPDATE distributor SET sponsor_depth = sponsor_depth + 1 WHERE id = ?1',
      "UPDATE distributor SET placement_path = placement_path || '1' WHERE id = ?1",
    ];
    for (const sql of corruptions) {
      const undo = await genealogyState();
      await env.DB.prepare(sql).bind(root).run();
      expect((await counterMismatches()).length, sql).toBeGreaterThan(0);
      // Restore by replaying the saved rows of the touched tables.
      const [distributors, levels, joins] = JSON.parse(undo) as Record<string, unknown>[][];
      await restore('distributor', distributors);
      await restore('downline_level', levels);
      await restore('downline_joins', joins);
      await expectCountersRight(`after undoing ${sql}`);
    }
    await emptyCompany();
  });

  it('stay right when enrollments, moves and status changes run at the same moment', async () => {
    const admin = await adminToken('concurrent@test.example');
    const root = await enroll(admin, null);
    const a = await enroll(admin, root);
    const b = await enroll(admin, root);
    const p = await enroll(admin, a);
    const x = await enroll(admin, p);
    const y = await enroll(admin, x);
    const sequentially = async (steps: (() => Promise<any>)[]) => {
      const out = [];
      for (const step of steps) out.push(await step());
      return out;
    };
    const results = (
      await Promise.all([
        enrollConcurrently(admin, x, 8),
        sequentially([0, 1, 2, 3, 4, 5].map((i) => () => move(admin, p, 'SPONSOR', i % 2 ? a : b))),
        sequentially([0, 1, 2, 3].map((i) => () => setStatus(admin, y, i % 2 ? 'ACTIVE' : 'SUSPENDED'))),
        sequentially([() => move(admin, y, 'PLACEMENT', b), () => move(admin, y, 'PLACEMENT', a)]),
        Promise.all([setStatus(admin, p, 'SUSPENDED'), setStatus(admin, p, 'SUSPENDED')]),
      ])
    ).flat();
    expect(results.filter((r) => !r.__typename.endsWith('Success'))).toEqual([]);
    await expectCountersRight('after concurrent writes');
    await emptyCompany();
  });

  it(`stay right through ${OPERATIONS} random operations (seed ${SEED})`, async () => {
    const admin = await adminToken();
    const rnd = prng(SEED);
    await enroll(admin, null);
    const tally: Record<string, number> = {};
    const members = async () =>
      (
        await env.DB.prepare(
          'SELECT id, status, sponsor_id, placement_path FROM distributor ORDER BY id',
        ).all<Row>()
      ).results;
    const joinedAt = () =>
      new Date(Date.UTC(2025, 5, 1) + rnd.int(520) * 86_400_000 + rnd.int(86_400) * 1000);

    for (let step = 0; step < OPERATIONS; step++) {
      const all = await members();
      const live = all.filter((m) => m.status !== 'TERMINATED');
      const nonRoot = live.filter((m) => m.sponsor_id != null);
      const roll = rnd.next();
      let kind: string;
      let run: () => Promise<any>;
      if (roll < 0.4 || nonRoot.length < 3) {
        const active = live.filter((m) => m.status === 'ACTIVE');
        const sponsor = rnd.pick(active.length ? active : live);
        const input: Record<string, unknown> = {
          firstName: `R${step}`,
          lastName: 'Random',
          country: 'DK',
          locale: 'da',
          sponsorId: gid(sponsor.id),
          joinedAt: joinedAt().toISOString(),
        };
        const how = rnd.next();
        if (how < 0.2) input.leg = rnd.pick(['LEFT', 'RIGHT']);
        else if (how < 0.4) {
          const inside = all.filter((m) => m.placement_path.startsWith(sponsor.placement_path));
          input.placementParentId = gid(rnd.pick(inside).id);
          input.placementPosition = rnd.int(2);
        }
        kind = 'enroll';
        run = () => tryEnroll(input, admin);
      } else if (roll < 0.55) {
        const m = rnd.pick(nonRoot);
        const to = rnd.pick(live);
        kind = 'move sponsor';
        run = () => move(admin, m.id, 'SPONSOR', to.id);
      } else if (roll < 0.7) {
        const m = rnd.pick(nonRoot);
        const to = rnd.pick(live);
        kind = 'move placement';
        run = () => move(admin, m.id, 'PLACEMENT', to.id, rnd.next() < 0.5 ? undefined : rnd.int(2));
      } else if (roll < 0.88) {
        const m = rnd.pick(rnd.next() < 0.9 ? nonRoot : all);
        kind = m.status === 'ACTIVE' ? 'suspend' : 'reactivate';
        run = () => setStatus(admin, m.id, m.status === 'ACTIVE' ? 'SUSPENDED' : 'ACTIVE');
      } else if (roll < 0.97) {
        const m = rnd.pick(nonRoot);
        kind = 'terminate';
        run = () => terminate(admin, m.id);
      } else {
        const rollUp = rnd.pick(['SPONSOR', 'COMPANY'] as const);
        kind = `roll-up ${rollUp}`;
        run = async () => {
          await setCompany({ terminate_roll_up: rollUp });
          return { __typename: 'MutationSettingsSuccess' };
        };
      }
      const before = await genealogyState();
      const result = await run();
      const outcome = result.__typename.endsWith('Success')
        ? 'ok'
        : `${result.__typename}:${result.code ?? ''}`;
      const label = `step ${step} (${kind}) -> ${outcome}: ${JSON.stringify(result)}`;
      if (outcome !== 'ok') {
        expect(EXPECTED_REFUSALS.has(outcome), label).toBe(true);
        expect(await genealogyState(), `${label} wrote something`).toBe(before);
      }
      tally[`${kind} ${outcome === 'ok' ? 'ok' : 'refused'}`] =
        (tally[`${kind} ${outcome === 'ok' ? 'ok' : 'refused'}`] ?? 0) + 1;
      await expectCountersRight(label);
    }
    // The walk must really have exercised every kind of write.
    for (const kind of ['enroll', 'move sponsor', 'move placement', 'suspend', 'reactivate', 'terminate'])
      expect(tally[`${kind} ok`] ?? 0, `${kind} in ${JSON.stringify(tally)}`).toBeGreaterThan(0);
  });
});

/** Leaves an empty company for the next test (each test here starts its own network from a root). */
async function emptyCompany() {
  await env.DB.batch(
    ['downline_level', 'downline_joins', 'genealogy_event', 'distributor'].map((t) =>
      env.DB.prepare(`DELETE FROM ${t}`),
    ),
  );
}

async function restore(table: string, rows: Record<string, unknown>[]) {
  const stmts = [env.DB.prepare(`DELETE FROM ${table}`)];
  for (const row of rows) {
    const cols = Object.keys(row);
    stmts.push(
      env.DB.prepare(
        `INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
      ).bind(...cols.map((c) => row[c])),
    );
  }
  await env.DB.batch(stmts);
}
