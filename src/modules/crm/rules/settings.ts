import { z } from 'zod';
import { nowIso } from '../../../lib/db';
import { NotFoundError } from '../../../lib/errors';
import { parseInput } from '../../../lib/validate';
import type { crmRule } from '../tables';

export const CRM_RULES = ['ORDER_FOLLOW_UP', 'REORDER_REMINDER', 'DORMANT_MEMBER'] as const;
export type CrmRuleName = (typeof CRM_RULES)[number];

/** What a rule does when it fires: the owner's task, its template message (messaging), or both. */
export const RULE_ACTIONS = ['TASK', 'MESSAGE', 'BOTH'] as const;
export type RuleAction = (typeof RULE_ACTIONS)[number];

/** Whether a rule's run creates its tasks. */
export const makesTasks = (r: CrmRuleRow) => r.enabled === 1 && r.action !== 'MESSAGE';
/** Whether a rule's run sends its messages (by the channels messaging has enabled for it). */
export const sendsMessages = (r: CrmRuleRow) => r.enabled === 1 && r.action !== 'TASK';

export type CrmRuleRow = typeof crmRule.$inferSelect;

export async function listRules(db: D1Database): Promise<CrmRuleRow[]> {
  const { results } = await db.prepare('SELECT * FROM crm_rule ORDER BY rule').all<CrmRuleRow>();
  return results;
}

export async function ruleSettings(db: D1Database, rule: CrmRuleName): Promise<CrmRuleRow> {
  const row = await db.prepare('SELECT * FROM crm_rule WHERE rule = ?').bind(rule).first<CrmRuleRow>();
  if (!row) throw new NotFoundError(`Rule ${rule} not found.`);
  return row;
}

const patchSchema = z.object({
  rule: z.enum(CRM_RULES),
  enabled: z.boolean().nullish(),
  n: z.number().int().min(1, 'At least 1.').max(365, 'At most 365.').nullish(),
  action: z.enum(RULE_ACTIONS).nullish(),
});

export async function updateRule(db: D1Database, raw: unknown): Promise<CrmRuleRow> {
  const p = parseInput(patchSchema, raw, 'rule settings');
  const current = await ruleSettings(db, p.rule);
  const row = await db
    .prepare('UPDATE crm_rule SET enabled = ?, n = ?, action = ?, updated_at = ? WHERE rule = ? RETURNING *')
    .bind(
      p.enabled == null ? current.enabled : p.enabled ? 1 : 0,
      p.n ?? current.n,
      p.action ?? current.action,
      nowIso(),
      p.rule,
    )
    .first<CrmRuleRow>();
  return row!;
}
