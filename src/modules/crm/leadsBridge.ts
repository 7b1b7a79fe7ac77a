// Everything the CRM needs from the leads module, in one place: the lead access rule, loading leads, and
// the "new leads assigned to me" list of myDay. The leads module owns the lead table.
import type { Viewer } from '../auth/viewer';
import { canViewLead, type LeadRow, leadsByIds } from '../leads/repository';

export type { LeadRow };

export async function visibleLead(db: D1Database, viewer: Viewer, id: number): Promise<LeadRow | null> {
  const [row] = await leadsByIds(db, [id]);
  return row && canViewLead(viewer, row) ? row : null;
}

/** New (status NEW) leads assigned to a distributor, newest first. */
export async function newLeadsAssignedTo(
  db: D1Database,
  distributorId: number,
  limit: number,
): Promise<LeadRow[]> {
  const { results } = await db
    .prepare(
      `SELECT * FROM lead WHERE assigned_distributor_id = ? AND status = 'NEW' AND is_test = 0
       ORDER BY id DESC LIMIT ?`,
    )
    .bind(distributorId, limit)
    .all<LeadRow>();
  return results;
}
