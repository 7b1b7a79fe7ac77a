import { z } from 'zod';
import { nowIso } from '../../../lib/db';
import { ConflictError, NotFoundError, ValidationError } from '../../../lib/errors';
import { LIMITS, requiredText } from '../../../lib/text';
import { parseInput } from '../../../lib/validate';
import { planOf, requirePlanVersion, versionInForce } from '../versions/repository';
import { isPeriodId } from './bounds';
import { periodById } from './repository';

// Staff overrides of a paid-as rank (SPEC §3: a forced rank replaces the computed one, higher or lower).
// Three outcomes: pay as a given rank, pay as no rank (rank_id NULL), or remove the override.

const schema = z
  .object({
    period: z.string().refine(isPeriodId, 'Use YYYY-MM.'),
    distributorId: z.number().int().positive(),
    rankId: z
      .string()
      .trim()
      .min(1, 'Required.')
      .max(LIMITS.id, `At most ${LIMITS.id} characters.`)
      .nullish(),
    noRank: z.boolean().nullish(),
    reason: requiredText(),
  })
  .refine((i) => !(i.noRank && i.rankId != null), {
    message: 'Give rankId or noRank: true, not both.',
    path: ['noRank'],
  });
export type RankOverrideInput = z.input<typeof schema>;

/** The plan's rank ids for the period: its own plan version once closing, else the one in force. */
async function rankIdsFor(
  db: D1Database,
  period: string,
  versionId: number | null,
): Promise<string[] | null> {
  const version = versionId ? await requirePlanVersion(db, versionId) : await versionInForce(db, period);
  return version ? (planOf(version).ranks ?? []).map((r) => r.id) : null;
}

export async function setRankOverride(
  db: D1Database,
  raw: RankOverrideInput,
  distributorExists: (id: number) => Promise<boolean>,
): Promise<void> {
  const input = parseInput(schema, raw, 'rank override');
  const period = await periodById(db, input.period);
  if (period && ['COMMITTED', 'PAID'].includes(period.status))
    throw new ConflictError('A committed period never changes.', 'PERIOD_COMMITTED');
  if (!(await distributorExists(input.distributorId))) throw new NotFoundError('Distributor not found.');
  if (input.rankId != null) {
    const ranks = await rankIdsFor(db, input.period, period?.plan_version_id ?? null);
    if (!ranks?.includes(input.rankId))
      throw new ValidationError('Unknown rank.', [
        {
          path: 'rankId',
          message: ranks?.length
            ? `Ranks: ${ranks.join(', ')}.`
            : `No plan in force for ${input.period} defines ranks.`,
        },
      ]);
  }
  const forced = input.rankId != null || input.noRank === true;
  await (forced
    ? db
        .prepare(
          `INSERT INTO rank_override (period_id, distributor_id, rank_id, reason, created_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (period_id, distributor_id) DO UPDATE SET rank_id = excluded.rank_id, reason = excluded.reason`,
        )
        .bind(input.period, input.distributorId, input.rankId ?? null, input.reason, nowIso())
        .run()
    : db
        .prepare('DELETE FROM rank_override WHERE period_id = ? AND distributor_id = ?')
        .bind(input.period, input.distributorId)
        .run());
}
