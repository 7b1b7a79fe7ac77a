// The six reports of issue 15 §4, each assembled from maintained counters (see migration 0024) for one
// scope: the company (staff) or a distributor's team.
import { ConflictError } from '../../lib/errors';
import { monthInZone } from '../../lib/time';
import { loadSettings } from '../company/settings';
import {
  type Cohort,
  cohorts,
  type GrowthMonth,
  growthMonths,
  histogramMedian,
  type MonthRange,
  months,
  requireDays,
  requireRange,
  type Scope,
} from './model';
import * as repo from './repository';
import { uncoveredTeamMonths, unfinishedTeamRankPeriods } from './teamRanks';

export interface RangeArgs {
  from: string;
  to: string;
}

/**
 * A team's sales, retention, leads and messages are the rollups of committed periods (migration 0031, made by
 * the job after each commit): a range with an open month, or a committed period whose rollup is still running,
 * is a ConflictError REPORT_NOT_READY (never a partial team figure). The company's figures are live.
 */
async function requireTeamCovered(db: D1Database, s: Scope, range: MonthRange): Promise<void> {
  if (s.distributorId == null) return;
  const uncovered = await uncoveredTeamMonths(db, months(range));
  if (uncovered.length > 0)
    throw new ConflictError(
      `Team reports cover committed periods only; ${uncovered.join(', ')} ${uncovered.length === 1 ? 'is' : 'are'} not committed or still being summed up.`,
      'REPORT_NOT_READY',
    );
}

export interface SalesReport {
  range: MonthRange;
  scope: 'COMPANY' | 'TEAM';
  /**
   * Per period × market × product × currency × kind: the company's (live), or the team's (committed periods,
   * the distributor included).
   */
  rows: repo.SalesRow[];
  /** Team scope: the team's and the distributor's own volume per period. Empty for the company. */
  team: repo.TeamVolumeRow[];
}

export async function salesReport(db: D1Database, s: Scope, args: RangeArgs): Promise<SalesReport> {
  const range = requireRange(args.from, args.to);
  if (s.distributorId == null)
    return { range, scope: 'COMPANY', rows: await repo.sales(db, s, range), team: [] };
  await requireTeamCovered(db, s, range);
  const [rows, team] = await Promise.all([
    repo.sales(db, s, range),
    repo.teamVolumes(db, s.distributorId, range),
  ]);
  return { range, scope: 'TEAM', rows, team };
}

export async function teamGrowthReport(db: D1Database, s: Scope, args: RangeArgs): Promise<GrowthMonth[]> {
  const range = requireRange(args.from, args.to);
  let root: { id: number; month: string } | null = null;
  if (s.distributorId == null) {
    const r = await repo.rootMember(db);
    if (r) root = { id: r.id, month: monthInZone(new Date(r.joined_at), (await loadSettings(db)).timeZone) };
  }
  const [enrolled, terminated] = await Promise.all([
    repo.enrollments(db, s, range, root),
    repo.terminations(db, s, range),
  ]);
  return growthMonths(range, enrolled, terminated);
}

export async function retentionReport(db: D1Database, s: Scope, args: RangeArgs): Promise<Cohort[]> {
  const range = requireRange(args.from, args.to);
  await requireTeamCovered(db, s, range);
  return cohorts(range, await repo.cohortCounts(db, s, range));
}

/**
 * The company's counts are made by the commit itself; a team's are made by a job after it, and until that
 * job is through a team report of the period is a ConflictError REPORT_NOT_READY (never a partial count).
 */
export async function rankReport(db: D1Database, s: Scope, args: RangeArgs): Promise<repo.RankRow[]> {
  const range = requireRange(args.from, args.to);
  if (s.distributorId != null) {
    const unfinished = await unfinishedTeamRankPeriods(db, range.from, range.to);
    if (unfinished.length > 0)
      throw new ConflictError(
        `Team rank counts of ${unfinished.join(', ')} are still being made; try again in a few minutes.`,
        'REPORT_NOT_READY',
      );
  }
  return repo.rankDistribution(db, s, range);
}

export interface FunnelRow {
  source: string;
  campaign: string;
  new: number;
  contacted: number;
  qualified: number;
  converted: number;
  /** Lower median of whole hours from arrival to the first status change; null when none was contacted. */
  medianHoursToFirstContact: number | null;
}

export async function leadFunnelReport(db: D1Database, s: Scope, args: RangeArgs): Promise<FunnelRow[]> {
  const range = requireRange(args.from, args.to);
  await requireTeamCovered(db, s, range);
  const { funnel, contact } = await repo.leadFunnelCounts(db, s, range);
  const rows = new Map<string, FunnelRow & { hours: { value: number; count: number }[] }>();
  const row = (source: string, campaign: string) => {
    const key = JSON.stringify([source, campaign]);
    let r = rows.get(key);
    if (!r) {
      r = {
        source,
        campaign,
        new: 0,
        contacted: 0,
        qualified: 0,
        converted: 0,
        medianHoursToFirstContact: null,
        hours: [],
      };
      rows.set(key, r);
    }
    return r;
  };
  const STAGES = ['new', 'contacted', 'qualified', 'converted'] as const;
  for (const f of funnel) row(f.source, f.campaign)[STAGES[f.stage]] = f.leads;
  for (const c of contact) row(c.source, c.campaign).hours.push({ value: c.hours, count: c.leads });
  return [...rows.values()]
    .map(({ hours, ...r }) => ({ ...r, medianHoursToFirstContact: histogramMedian(hours) }))
    .sort((a, b) => a.source.localeCompare(b.source) || a.campaign.localeCompare(b.campaign));
}

export async function messageReport(
  db: D1Database,
  s: Scope,
  args: RangeArgs & { days: number },
): Promise<repo.MessageRow[]> {
  const range = requireRange(args.from, args.to);
  const days = requireDays(args.days);
  await requireTeamCovered(db, s, range);
  return repo.messageCounts(db, s, range, days);
}
