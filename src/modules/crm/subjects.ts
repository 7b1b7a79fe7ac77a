// The subject of an activity or task: (type, id) of any person a user may see. Each type brings its own
// access rule; a subject the viewer may not see is "not found" (its existence is not revealed).
import { NotFoundError } from '../../lib/errors';
import type { Viewer } from '../auth/viewer';
import { canViewCustomer, customersByIds } from '../customers/repository';
import { canViewDistributor } from '../genealogy/access';
import { distributorById } from '../genealogy/reads';
import { visibleLead } from './leadsBridge';
import { canViewProspect, prospectsByIds } from './prospects/repository';

export const SUBJECT_TYPES = ['CUSTOMER', 'PROSPECT', 'DISTRIBUTOR', 'LEAD'] as const;
export type SubjectType = (typeof SUBJECT_TYPES)[number];

export interface SubjectRef {
  type: SubjectType;
  id: number;
}

export interface ResolvedSubject extends SubjectRef {
  /** The distributor the person belongs to (customer/prospect owner, lead assignee, the distributor). */
  ownerId: number | null;
  name: string;
  /** The person's row (CustomerRow, ProspectRow, DistributorRow or LeadRow). */
  row: object;
}

/** Loads a subject if the viewer may see it, else throws NotFoundError. */
export async function requireSubject(
  db: D1Database,
  viewer: Viewer,
  ref: SubjectRef,
): Promise<ResolvedSubject> {
  const found = await visibleSubject(db, viewer, ref);
  if (!found) throw new NotFoundError(`${ref.type.toLowerCase()} not found.`);
  return found;
}

export async function visibleSubject(
  db: D1Database,
  viewer: Viewer,
  ref: SubjectRef,
): Promise<ResolvedSubject | null> {
  switch (ref.type) {
    case 'CUSTOMER': {
      const [c] = await customersByIds(db, [ref.id]);
      return c && canViewCustomer(viewer, c)
        ? { ...ref, ownerId: c.owner_id, name: `${c.first_name} ${c.last_name}`, row: c }
        : null;
    }
    case 'PROSPECT': {
      const [p] = await prospectsByIds(db, [ref.id]);
      return p && canViewProspect(viewer, p)
        ? { ...ref, ownerId: p.owner_id, name: `${p.first_name} ${p.last_name}`.trim(), row: p }
        : null;
    }
    case 'DISTRIBUTOR': {
      const d = await distributorById(db, ref.id);
      return d && canViewDistributor(viewer, d)
        ? { ...ref, ownerId: d.id, name: `${d.first_name} ${d.last_name}`, row: d }
        : null;
    }
    case 'LEAD': {
      const l = await visibleLead(db, viewer, ref.id);
      return l
        ? {
            ...ref,
            ownerId: l.assigned_distributor_id,
            name: l.full_name ?? ([l.first_name, l.last_name].filter(Boolean).join(' ') || 'Lead'),
            row: l,
          }
        : null;
    }
  }
}
