// Lead reads with the access rule, and staff reassignment.
import { z } from 'zod';
import { atomic, nowIso, selectByIds } from '../../lib/db';
import { ForbiddenError, NotFoundError, ValidationError } from '../../lib/errors';
import { freeText } from '../../lib/text';
import { parseInput } from '../../lib/validate';
import type { Viewer } from '../auth/viewer';
import { notificationStatement } from '../notifications/statements';
import type { LeadAnswer, Utm } from './model';
import type { lead, leadAssignment } from './tables';

/** A lead as intake and routing read it (the pipeline's columns: PipelineLeadRow). */
export type LeadRow = Omit<
  typeof lead.$inferSelect,
  'lost_reason' | 'converted_customer_id' | 'converted_distributor_id' | 'converted_at'
>;

export type AssignmentRow = typeof leadAssignment.$inferSelect;

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

/** The assignment histories of many leads in one query, by lead then id. */
export async function assignmentsOfLeads(
  db: D1Database,
  leadIds: readonly number[],
): Promise<AssignmentRow[]> {
  const { results } = await db
    .prepare(
      'SELECT * FROM lead_assignment WHERE lead_id IN (SELECT value FROM json_each(?)) ORDER BY lead_id, id',
    )
    .bind(JSON.stringify(leadIds))
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
    ...(distributorId != null && distributorId !== lead.assigned_distributor_id
      ? [
          notificationStatement(db, {
            distributorId,
            kind: 'LEAD_ASSIGNED',
            subjectType: 'LEAD',
            subjectId: leadId,
            payload: {
              name: lead.full_name ?? [lead.first_name, lead.last_name].filter(Boolean).join(' '),
              source: lead.source,
              reason: 'MANUAL',
            },
            at: now,
          }),
        ]
      : []),
  ]);
  return (updated.results as LeadRow[])[0];
}
