import { type FieldIssue, ValidationError } from '../../../lib/errors';
import { issueOfZod } from '../../../lib/validate';
import { type Plan, PlanSchema } from './schema';

export type PlanCheck = { ok: true; plan: Plan } | { ok: false; issues: FieldIssue[] };

/**
 * Validates a plan JSON: shape (zod) first, then the rules that span fields — rank references, bracket
 * order, level lists that must line up. Every issue carries the path of the offending value.
 */
export function checkPlan(json: unknown): PlanCheck {
  const parsed = PlanSchema.safeParse(json);
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.map(issueOfZod),
    };
  }
  const plan = parsed.data;
  const issues = crossChecks(plan);
  return issues.length ? { ok: false, issues } : { ok: true, plan };
}

/** Like checkPlan but throws a ValidationError (a typed GraphQL error) listing every issue. */
export function parsePlan(json: unknown): Plan {
  const check = checkPlan(json);
  if (!check.ok) throw new ValidationError('Invalid compensation plan.', check.issues);
  return check.plan;
}

function crossChecks(plan: Plan): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const add = (path: (string | number)[], message: string) => issues.push({ path: path.join('.'), message });
  const ranks = plan.ranks ?? [];
  const ids = new Set<string>();
  ranks.forEach((r, i) => {
    if (ids.has(r.id)) add(['ranks', i, 'id'], `rank id "${r.id}" is used twice`);
    ids.add(r.id);
  });
  const known = (id: string) => ids.has(id);
  const unknown = (id: string) =>
    ranks.length === 0
      ? `rank "${id}" is referenced but the plan has no ranks`
      : `rank "${id}" does not exist (ranks: ${[...ids].join(', ')})`;

  ranks.forEach((r, i) => {
    if (r.legs && !known(r.legs.rank)) add(['ranks', i, 'legs', 'rank'], unknown(r.legs.rank));
  });

  const uni = plan.unilevel;
  if (uni?.minRankForLevel) {
    if (uni.minRankForLevel.length > uni.levels.length)
      add(
        ['unilevel', 'minRankForLevel'],
        `has ${uni.minRankForLevel.length} entries but there are only ${uni.levels.length} levels`,
      );
    uni.minRankForLevel.forEach((id, k) => {
      if (id !== null && !known(id)) add(['unilevel', 'minRankForLevel', k], unknown(id));
    });
  }

  const bin = plan.binary;
  if (bin?.capByRank) {
    for (const id of Object.keys(bin.capByRank)) {
      if (!known(id)) add(['binary', 'capByRank', id], unknown(id));
    }
  }

  const mx = plan.matrix;
  if (mx) {
    if (mx.levels.length > mx.depth)
      add(['matrix', 'levels'], `has ${mx.levels.length} levels but the matrix is only ${mx.depth} deep`);
    if (bin && mx.width !== 2)
      add(['matrix', 'width'], 'binary and matrix share one placement tree, so the matrix width must be 2');
  }

  const st = plan.stairstep;
  if (st) {
    st.brackets.forEach((b, i) => {
      if (i === 0) return;
      const prev = st.brackets[i - 1];
      if (b.minGroupPv <= prev.minGroupPv)
        add(
          ['stairstep', 'brackets', i, 'minGroupPv'],
          `brackets must ascend: ${b.minGroupPv} is not above ${prev.minGroupPv} (bracket ${i - 1})`,
        );
      if (b.bp < prev.bp)
        add(
          ['stairstep', 'brackets', i, 'bp'],
          `a higher bracket cannot pay less: ${b.bp} is below ${prev.bp} (bracket ${i - 1})`,
        );
    });
  }

  const m = plan.matching;
  if (m) {
    if (!uni) add(['matching'], 'matching pays on unilevel earnings, but the plan has no unilevel part');
    if (m.minRank.length !== m.levels.length)
      add(
        ['matching', 'minRank'],
        `needs one entry per level (${m.levels.length}), has ${m.minRank.length}; use null for no minimum`,
      );
    m.minRank.forEach((id, g) => {
      if (id !== null && !known(id)) add(['matching', 'minRank', g], unknown(id));
    });
  }
  return issues;
}
