import { monthInZone } from '../../lib/time';
import { loadSettings } from '../company/settings';
import type { DistributorRow } from '../genealogy/model';
import { sponsorSubtreeRange } from '../genealogy/paths';
import type { Plan } from './plan';
import { planOf, versionInForce } from './versions/repository';

export interface Requirement {
  name: string;
  required: number;
  current: number;
  met: boolean;
}

export interface RankProgress {
  period: string;
  currentRank: string | null;
  nextRank: string | null;
  requirements: Requirement[];
}

type Rank = NonNullable<Plan['ranks']>[number];

/**
 * What a distributor still needs for the next rank this period, from the live volumes of the open period.
 * Leg tests use the leg members' lifetime ranks (this period's paid-as ranks exist only once it is closed),
 * so the answer is an estimate until the close.
 */
export async function rankProgress(
  db: D1Database,
  member: DistributorRow,
  now: Date,
): Promise<RankProgress | null> {
  const settings = await loadSettings(db);
  const period = monthInZone(now, settings.timeZone);
  const version = await versionInForce(db, period);
  if (!version) return null;
  const ranks = planOf(version).ranks ?? [];
  const vol = await db
    .prepare('SELECT pv, gv FROM volume WHERE distributor_id = ? AND period = ?')
    .bind(member.id, period)
    .first<{ pv: number; gv: number }>();
  const pv = vol?.pv ?? 0;
  const { results: legs } = await db
    .prepare(
      `SELECT d.id, d.sponsor_path, coalesce(v.gv, 0) AS gv FROM distributor d
       LEFT JOIN volume v ON v.distributor_id = d.id AND v.period = ? WHERE d.sponsor_id = ?`,
    )
    .bind(period, member.id)
    .all<{ id: number; sponsor_path: string; gv: number }>();
  const rankIndex = (id: string | null) => (id == null ? -1 : ranks.findIndex((r) => r.id === id));

  const test = async (rank: Rank): Promise<Requirement[]> => {
    const reqs: Requirement[] = [{ name: 'PV', required: rank.minPv, current: pv, met: pv >= rank.minPv }];
    const cap =
      rank.maxLegPercent != null
        ? Math.floor((rank.maxLegPercent * rank.minGv) / 100)
        : Number.POSITIVE_INFINITY;
    const gv = pv + legs.reduce((s, l) => s + Math.min(l.gv, cap), 0);
    reqs.push({
      name:
        rank.maxLegPercent != null ? `GV (at most ${rank.maxLegPercent} % of ${rank.minGv} per leg)` : 'GV',
      required: rank.minGv,
      current: gv,
      met: gv >= rank.minGv,
    });
    if (rank.legs) {
      const qualifying = ranks.slice(rankIndex(rank.legs.rank)).map((r) => r.id);
      let count = 0;
      for (const leg of legs) {
        const [lo, hi] = sponsorSubtreeRange(leg.sponsor_path);
        const hit = await db
          .prepare(
            'SELECT 1 FROM distributor WHERE sponsor_path >= ? AND sponsor_path < ? AND lifetime_rank_id IN (SELECT value FROM json_each(?)) LIMIT 1',
          )
          .bind(lo, hi, JSON.stringify(qualifying))
          .first();
        if (hit) count++;
        if (count >= rank.legs.count) break;
      }
      reqs.push({
        name: `Legs with a ${rank.legs.rank} or higher`,
        required: rank.legs.count,
        current: count,
        met: count >= rank.legs.count,
      });
    }
    return reqs;
  };

  // Paid-as rank is the highest rank whose own tests pass (SPEC §3.1), so test from the top down.
  let current = -1;
  for (let i = ranks.length - 1; i >= 0; i--) {
    if ((await test(ranks[i])).every((r) => r.met)) {
      current = i;
      break;
    }
  }
  const next = current + 1 < ranks.length ? ranks[current + 1] : null;
  return {
    period,
    currentRank: current >= 0 ? ranks[current].id : null,
    nextRank: next?.id ?? null,
    requirements: next ? await test(next) : [],
  };
}
