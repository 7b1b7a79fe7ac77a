// Use case of §2: the income disclosure statement of a range of committed periods, from the ledger.
import { z } from 'zod';
import { ValidationError } from '../../lib/errors';
import { parseInput } from '../../lib/validate';
import { archivedAmong } from '../archive/periodRows';
import { planOf, planVersionById } from '../commissions/versions/repository';
import { loadSettings } from '../company/settings';
import {
  type DisclosureGroup,
  disclose,
  type EarningsStats,
  histogram,
  type Participant,
} from './disclosure';
import { committedPeriods, otherCurrencyOrders, participantsPage } from './repository';

const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;
const MAX_PERIODS = 120;

const rangeSchema = z
  .object({
    year: z.number().int().min(2000).max(2100).nullish(),
    from: z.string().regex(PERIOD, 'Use YYYY-MM.').nullish(),
    to: z.string().regex(PERIOD, 'Use YYYY-MM.').nullish(),
  })
  .superRefine((r, ctx) => {
    const byYear = r.year != null;
    const byRange = r.from != null || r.to != null;
    if (byYear === byRange || (byRange && (r.from == null || r.to == null)))
      ctx.addIssue({ code: 'custom', path: ['year'], message: 'Give either a year, or both from and to.' });
    else if (byRange && r.from! > r.to!)
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'to must not be before from.' });
    else if (byRange) {
      const months = (s: string) => Number(s.slice(0, 4)) * 12 + Number(s.slice(5)) - 1;
      if (months(r.to!) - months(r.from!) + 1 > MAX_PERIODS)
        ctx.addIssue({ code: 'custom', path: ['to'], message: `At most ${MAX_PERIODS} periods.` });
    }
  });

export type RangeInput = z.input<typeof rangeSchema>;

export interface IncomeDisclosure {
  from: string;
  to: string;
  /** The committed periods the statement covers (a range may hold periods not yet committed: left out). */
  periods: string[];
  start: string;
  end: string;
  currency: string;
  participants: number;
  /** null only when nobody was a distributor in the range. */
  all: EarningsStats | null;
  groups: DisclosureGroup[];
  /** Participants per chart bucket (see BUCKETS). */
  histogram: number[];
  /** Own orders paid in another currency than the payout currency: not in the costs (no exchange rates). */
  otherCurrencyOrders: number;
}

export async function incomeDisclosure(db: D1Database, raw: RangeInput): Promise<IncomeDisclosure> {
  const r = parseInput(rangeSchema, raw, 'income disclosure range');
  const from = r.year != null ? `${r.year}-01` : r.from!;
  const to = r.year != null ? `${r.year}-12` : r.to!;
  const periods = await committedPeriods(db, from, to);
  if (periods.length === 0)
    throw new ValidationError(`No committed period between ${from} and ${to}.`, [
      {
        path: r.year != null ? 'year' : 'from',
        message: 'The range holds no committed period.',
        code: 'NOT_FOUND',
        params: { from, to },
      },
    ]);
  const currency = (await loadSettings(db)).payoutCurrency;
  // Rank order per period: the rank's index in the plan version that period was closed under.
  const rankIndex = new Map<string, Map<string, number>>();
  for (const p of periods) {
    const version = await planVersionById(db, p.plan_version_id);
    const ids = version ? (planOf(version).ranks ?? []).map((k) => k.id) : [];
    rankIndex.set(p.id, new Map(ids.map((id, i) => [id, i])));
  }
  const ids = periods.map((p) => p.id);
  // Archived periods' order lines are in R2; their costs were summed per member when they moved.
  const archived = [...(await archivedAmong(db, ids))];
  const start = periods[0].starts_at;
  const end = periods[periods.length - 1].ends_at;
  const participants: Participant[] = [];
  for (let after = 0; ; ) {
    const rows = await participantsPage(db, { periods: ids, archived, start, end, currency }, after);
    if (rows.length === 0) break;
    for (const row of rows) {
      let rankOrder = -1;
      let rankId: string | null = null;
      for (const [period, rank] of JSON.parse(row.ranks) as [string, string][]) {
        const i = rankIndex.get(period)?.get(rank) ?? -1;
        if (i > rankOrder || (i === rankOrder && i >= 0)) {
          rankOrder = i;
          rankId = rank;
        }
      }
      participants.push({
        distributorId: row.id,
        rankOrder,
        rankId,
        earnings: row.earnings,
        ownPurchases: row.own_purchases,
        starterKits: row.starter_kits,
      });
    }
    after = rows[rows.length - 1].id;
  }
  const { all, groups } = disclose(participants);
  return {
    from,
    to,
    periods: ids,
    start,
    end,
    currency,
    participants: participants.length,
    all,
    groups,
    histogram: histogram(participants),
    otherCurrencyOrders: await otherCurrencyOrders(db, ids, currency),
  };
}
