// Lead routing: referral code, then UTM tag, then the first matching rule (round-robin among its ACTIVE
// members), else the company pool. Each decision carries its reason for the assignment history.
import { countryCode, type NormalizedLead, normalizePostal } from './model';

export type AssignmentReason = 'REFERRAL_CODE' | 'UTM' | 'RULE' | 'POOL' | 'MANUAL';

export interface RouteDecision {
  distributorId: number | null;
  reason: AssignmentReason;
  ruleId: number | null;
  detail: string;
}

/** UTM tags that may carry a distributor's referral code, in the order they are tried. */
const UTM_KEYS = ['content', 'term', 'campaign', 'source', 'medium'] as const;

async function activeByCode(db: D1Database, code: string): Promise<{ id: number; status: string } | null> {
  const t = code.trim();
  if (t === '' || t.length > 100) return null;
  return db
    .prepare('SELECT id, status FROM distributor WHERE referral_code = ?')
    .bind(t)
    .first<{ id: number; status: string }>();
}

export async function routeLead(db: D1Database, lead: NormalizedLead): Promise<RouteDecision> {
  const notes: string[] = [];
  if (lead.referralCode) {
    const d = await activeByCode(db, lead.referralCode);
    if (d?.status === 'ACTIVE')
      return {
        distributorId: d.id,
        reason: 'REFERRAL_CODE',
        ruleId: null,
        detail: `referral code ${lead.referralCode}`,
      };
    notes.push(
      d
        ? `referral code ${lead.referralCode} belongs to a ${d.status} member`
        : `unknown referral code ${lead.referralCode}`,
    );
  }
  for (const key of UTM_KEYS) {
    const value = lead.utm[key];
    if (!value) continue;
    // "ref:CODE", "ref-CODE" or the bare code.
    const code = value.replace(/^ref[:=_-]/i, '');
    const d = await activeByCode(db, code);
    if (d?.status === 'ACTIVE')
      return { distributorId: d.id, reason: 'UTM', ruleId: null, detail: `utm_${key}=${value}` };
    if (d) notes.push(`utm_${key}=${value} names a ${d.status} member`);
  }
  const country = countryCode(lead.country);
  const postal = normalizePostal(lead.postalCode);
  const { results: rules } = await db
    .prepare(
      `SELECT id, name, country, postal_prefix FROM lead_routing_rule
       WHERE active = 1 AND (country IS NULL OR country = ?)
         AND (postal_prefix IS NULL OR (? IS NOT NULL AND substr(?, 1, length(postal_prefix)) = postal_prefix))
       ORDER BY priority, id`,
    )
    .bind(country, postal, postal)
    .all<{ id: number; name: string; country: string | null; postal_prefix: string | null }>();
  for (const rule of rules) {
    // One statement picks and advances the turn, so concurrent leads do not both take the same member.
    const picked = await db
      .prepare(
        `UPDATE lead_routing_member
         SET turn = (SELECT max(turn) + 1 FROM lead_routing_member WHERE rule_id = ?1)
         WHERE rule_id = ?1 AND distributor_id = (
           SELECT m.distributor_id FROM lead_routing_member m JOIN distributor d ON d.id = m.distributor_id
           WHERE m.rule_id = ?1 AND d.status = 'ACTIVE' ORDER BY m.turn, m.position LIMIT 1)
         RETURNING distributor_id`,
      )
      .bind(rule.id)
      .first<{ distributor_id: number }>();
    if (picked)
      return {
        distributorId: picked.distributor_id,
        reason: 'RULE',
        ruleId: rule.id,
        detail: `rule "${rule.name}" (${[rule.country, rule.postal_prefix && `postal ${rule.postal_prefix}*`].filter(Boolean).join(', ') || 'any'}), round-robin`,
      };
    notes.push(`rule "${rule.name}" has no ACTIVE member`);
  }
  return {
    distributorId: null,
    reason: 'POOL',
    ruleId: null,
    detail: notes.join('; ') || 'no referral code, UTM tag or rule matched',
  };
}
