// Lead reads with the access rule, and staff reassignment.
import { z } from 'zod';
import { ForbiddenError, NotFoundError, ValidationError } from '../../graphql/errors';
import { atomic, nowIso, selectByIds } from '../../lib/db';
import { freeText } from '../../lib/text';
import { parseInput } from '../../lib/validate';
import type { Viewer } from '../auth/viewer';
import type { LeadAnswer, LeadSource, Utm } from './model';
import type { AssignmentReason } from './routing';

export interface LeadRow {
  id: number;
  source: LeadSource;
  source_name: string | null;
  external_id: string;
  intake_id: number | null;
  status: string;
  is_test: number;
  form_id: string | null;
  campaign_id: string | null;
  adgroup_id: string | null;
  creative_id: string | null;
  ad_id: string | null;
  asset_group_id: string | null;
  page_id: string | null;
  gcl_id: string | null;
  full_name: string | null;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  phone: string | null;
  street_address: string | null;
  postal_code: string | null;
  city: string | null;
  region: string | null;
  country: string | null;
  country_code: string | null;
  company_name: string | null;
  job_title: string | null;
  referral_code: string | null;
  utm: string;
  answers: string;
  assigned_distributor_id: number | null;
  submitted_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface AssignmentRow {
  id: number;
  lead_id: number;
  distributor_id: number | null;
  reason: AssignmentReason;
  rule_id: number | null;
  detail: string | null;
  assigned_by: string;
  created_at: string;
}

export const parseAnswers = (r: LeadRow): LeadAnswer[] => JSON.parse(r.answers) as LeadAnswer[];
export const parseUtm = (r: LeadRow): Utm => JSON.parse(r.utm) as Utm;

/** SPEC §5: a distributor sees the leads assigned to them; staff see all, the pool included. */
export function canViewLead(viewer: Viewer, lead: Pick<LeadRow, 'assigned_distributor_id'>): boolean {
  if (viewer.kind === 'ADMIN') return true;
  return viewer.kind === 'DISTRIBUTOR' && lead.assigned_distributor_id === viewer.distributorId;
}

export async function leadsByIds(db: D1Database, ids: readonly number[]): Promise<LeadRow[]> {
  return selectByIds<LeadRow>(db, 'SELECT * FROM lead WHERE id IN (SELECT value FROM json_each(?))', ids);
}

export async function assignmentsOf(db: D1Database, leadId: number): Promise<AssignmentRow[]> {
  const { results } = await db
    .prepare('SELECT * FROM lead_assignment WHERE lead_id = ? ORDER BY id')
    .bind(leadId)
    .all<AssignmentRow>();
  return results;
}

/** Staff: give the lead to an ACTIVE distributor, or back to the pool (distributorId null). */
export async function assignLead(
  db: D1Database,
  viewer: Viewer,
  leadId: number,
  distributorId: number | null,
  note: string | null,
): Promise<LeadRow> {
  if (viewer.kind !== 'ADMIN') throw new ForbiddenError('Only staff assign leads.');
  const [lead] = await leadsByIds(db, [leadId]);
  if (!lead) throw new NotFoundError('Lead not found.');
  if (note != null) note = parseInput(z.object({ note: freeText(1000) }), { note }, 'assignment').note;
  if (distributorId != null) {
    const d = await db
      .prepare('SELECT status FROM distributor WHERE id = ?')
      .bind(distributorId)
      .first<{ status: string }>();
    if (!d) throw new NotFoundError('Distributor not found.');
    if (d.status !== 'ACTIVE')
      throw new ValidationError('Leads go to ACTIVE distributors only.', [
        { path: 'distributorId', message: `The distributor is ${d.status}.` },
      ]);
  }
  const now = nowIso();
  const [, updated] = await atomic(db, [
    db
      .prepare(
        `INSERT INTO lead_assignment (lead_id, distributor_id, reason, rule_id, detail, assigned_by, created_at)
         VALUES (?, ?, 'MANUAL', NULL, ?, ?, ?)`,
      )
      .bind(leadId, distributorId, note?.trim() || null, `staff:${viewer.staffId}`, now),
    db
      .prepare('UPDATE lead SET assigned_distributor_id = ?, updated_at = ? WHERE id = ? RETURNING *')
      .bind(distributorId, now, leadId),
  ]);
  return (updated.results as LeadRow[])[0];
}
