// Lead routing: referral code, then UTM tag, then the first matching rule (round-robin among its ACTIVE
// members), else the company pool. Each decision carries its reason for the assignment history.
// Routes a batch of leads in a few round trips: one read of the codes they name and the active rules, then
// the round-robin turns of all rule-routed leads in one batch (its statements run in order, in one
// transaction, so two leads of the same rule take successive members).

import { atomic } from '../../lib/db';
import { countryCode, type NormalizedLead, normalizePostal } from './model';
import type { leadRoutingRule } from './tables';

export type AssignmentReason = 'REFERRAL_CODE' | 'UTM' | 'RULE' | 'POOL' | 'MANUAL';

export interface RouteDecision {
  distributorId: number | null;
  reason: AssignmentReason;
  ruleId: number | null;
  detail: string;
}

/** UTM tags that may carry a distributor's referral code, in the order they are tried. */
const UTM_KEYS = ['content', 'term', 'campaign', 'source', 'medium'] as const;

interface Member {
  id: number;
  status: string;
}

type Rule = Pick<typeof leadRoutingRule.$inferSelect, 'id' | 'name' | 'country' | 'postal_prefix'>;

/** A code as a lookup key: referral codes compare without case (the column is COLLATE NOCASE). */
function codeOf(text: string): string | null {
  const t = text.trim();
  return t === '' || t.length > 100 ? null : t.toLowerCase();
}

/** A referral code or UTM tag a lead carries, in the order they are tried; `code` is its lookup key. */
interface CodeClaim {
  reason: 'REFERRAL_CODE' | 'UTM';
  code: string | null;
  /** As written in the assignment's detail. */
  label: string;
}

function codeClaims(lead: NormalizedLead): CodeClaim[] {
  const claims: CodeClaim[] = [];
  if (lead.referralCode)
    claims.push({ reason: 'REFERRAL_CODE', code: codeOf(lead.referralCode), label: lead.referralCode });
  for (const key of UTM_KEYS) {
    const value = lead.utm[key];
    // "ref:CODE", "ref-CODE" or the bare code.
    if (value)
      claims.push({
        reason: 'UTM',
        code: codeOf(value.replace(/^ref[:=_-]/i, '')),
        label: `utm_${key}=${value}`,
      });
  }
  return claims;
}

function ruleMatches(rule: Rule, country: string | null, postal: string | null): boolean {
  return (
    (rule.country == null || rule.country === country) &&
    (rule.postal_prefix == null || postal?.startsWith(rule.postal_prefix) === true)
  );
}

/** The decision by referral code or UTM tag, or the notes gathered on the way to the rules. */
function routeByCode(claims: CodeClaim[], members: Map<string, Member>): RouteDecision | string[] {
  const notes: string[] = [];
  for (const { reason, code, label } of claims) {
    const d = code ? members.get(code) : undefined;
    const detail = reason === 'REFERRAL_CODE' ? `referral code ${label}` : label;
    if (d?.status === 'ACTIVE') return { distributorId: d.id, reason, ruleId: null, detail };
    if (reason === 'REFERRAL_CODE')
      notes.push(d ? `${detail} belongs to a ${d.status} member` : `unknown ${detail}`);
    else if (d) notes.push(`${detail} names a ${d.status} member`);
  }
  return notes;
}

/** One statement picks and advances the turn, so concurrent leads do not both take the same member. */
const PICK = `UPDATE lead_routing_member
  SET turn = (SELECT max(turn) + 1 FROM lead_routing_member WHERE rule_id = ?1)
  WHERE rule_id = ?1 AND distributor_id = (
    SELECT m.distributor_id FROM lead_routing_member m JOIN distributor d ON d.id = m.distributor_id
    WHERE m.rule_id = ?1 AND d.status = 'ACTIVE' ORDER BY m.turn, m.position LIMIT 1)
  RETURNING distributor_id`;

function ruleDetail(rule: Rule): string {
  const scope = [rule.country, rule.postal_prefix && `postal ${rule.postal_prefix}*`]
    .filter(Boolean)
    .join(', ');
  return `rule "${rule.name}" (${scope || 'any'}), round-robin`;
}

/** Routes leads in order: the decisions, one per lead. */
export async function routeLeads(db: D1Database, leads: NormalizedLead[]): Promise<RouteDecision[]> {
  if (leads.length === 0) return [];
  const claims = leads.map(codeClaims);
  const codes = [...new Set(claims.flat().flatMap((c) => (c.code ? [c.code] : [])))];
  const [named, active] = await atomic(db, [
    db
      .prepare(
        'SELECT id, status, referral_code FROM distributor WHERE referral_code IN (SELECT value FROM json_each(?))',
      )
      .bind(JSON.stringify(codes)),
    db.prepare(
      'SELECT id, name, country, postal_prefix FROM lead_routing_rule WHERE active = 1 ORDER BY priority, id',
    ),
  ]);
  const members = new Map(
    (named.results as (Member & { referral_code: string })[]).map((m) => [m.referral_code.toLowerCase(), m]),
  );
  const rules = active.results as Rule[];

  const decisions: (RouteDecision | null)[] = leads.map(() => null);
  // Leads left for the rules: their matching rules in order, how far they got, and the notes so far.
  const waiting: { index: number; rules: Rule[]; next: number; notes: string[] }[] = [];
  leads.forEach((lead, index) => {
    const byCode = routeByCode(claims[index], members);
    if (!Array.isArray(byCode)) {
      decisions[index] = byCode;
      return;
    }
    const country = countryCode(lead.country);
    const postal = normalizePostal(lead.postalCode);
    waiting.push({
      index,
      rules: rules.filter((r) => ruleMatches(r, country, postal)),
      next: 0,
      notes: byCode,
    });
  });
  // Each round tries every waiting lead's next rule in one batch; a rule without an ACTIVE member sends the
  // lead on to its next rule in the following round (rare: most leads are placed in the first).
  for (let round = waiting.filter((w) => w.rules.length > 0); round.length > 0; ) {
    const picks = await atomic(
      db,
      round.map((w) => db.prepare(PICK).bind(w.rules[w.next].id)),
    );
    const again: typeof round = [];
    round.forEach((w, k) => {
      const rule = w.rules[w.next];
      const picked = (picks[k].results as { distributor_id: number }[])[0];
      if (picked) {
        decisions[w.index] = {
          distributorId: picked.distributor_id,
          reason: 'RULE',
          ruleId: rule.id,
          detail: ruleDetail(rule),
        };
        return;
      }
      w.notes.push(`rule "${rule.name}" has no ACTIVE member`);
      w.next++;
      if (w.next < w.rules.length) again.push(w);
    });
    round = again;
  }
  for (const w of waiting)
    decisions[w.index] ??= {
      distributorId: null,
      reason: 'POOL',
      ruleId: null,
      detail: w.notes.join('; ') || 'no referral code, UTM tag or rule matched',
    };
  return decisions as RouteDecision[];
}
