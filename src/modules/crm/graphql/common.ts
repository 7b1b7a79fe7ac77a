import { builder } from '../../../graphql/builder';
import type { GraphQLContext } from '../../../graphql/context';
import { ValidationError } from '../../../lib/errors';
import { Customer } from '../../customers/graphql';
import { type CustomerRow, canViewCustomer } from '../../customers/repository';
import { Distributor, visibleDistributor } from '../../genealogy/graphql';
import type { DistributorRow } from '../../genealogy/model';
import { Lead } from '../../leads/graphql/leads';
import type { LeadRow } from '../leadsBridge';
import type { ProspectRow } from '../prospects/model';
import { canViewProspect } from '../prospects/repository';
import { type SubjectRef, type SubjectType, visibleSubject } from '../subjects';
import { Prospect } from './prospectType';

const SUBJECT_OF_TYPENAME: Record<string, SubjectType> = {
  Customer: 'CUSTOMER',
  Prospect: 'PROSPECT',
  Distributor: 'DISTRIBUTOR',
  Lead: 'LEAD',
};
const TYPENAME_OF_SUBJECT: Record<SubjectType, string> = {
  CUSTOMER: 'Customer',
  PROSPECT: 'Prospect',
  DISTRIBUTOR: 'Distributor',
  LEAD: 'Lead',
};

/** A person's global id (Customer, Prospect, Distributor or Lead) as a CRM subject. */
export function subjectFromGlobalId(gid: { typename: string; id: string }, path = 'subjectId'): SubjectRef {
  const type = SUBJECT_OF_TYPENAME[gid.typename];
  const id = Number(gid.id);
  if (!type || !Number.isSafeInteger(id))
    throw new ValidationError('Not a person’s id.', [
      { path, message: 'Use the id of a customer, prospect, distributor or lead.', code: 'INVALID_ID' },
    ]);
  return { type, id };
}

const TYPE_MARK = Symbol('crmSubjectType');
type Marked = object & { [TYPE_MARK]?: string };

export const CrmSubject = builder.unionType('CrmSubject', {
  description: 'The person an activity or task is about.',
  types: [Customer, Prospect, Distributor, Lead],
  resolveType: (v) => (v as Marked)[TYPE_MARK] as 'Customer',
});

/** The subject row for output, or null when the viewer may not see it (anymore). */
export async function resolveSubject(
  ctx: GraphQLContext,
  type: SubjectType | null,
  id: number | null,
): Promise<CustomerRow | ProspectRow | DistributorRow | LeadRow | null> {
  if (!type || id == null) return null;
  const row = await loadedSubject(ctx, type, id);
  if (!row) return null;
  return Object.assign(row, { [TYPE_MARK]: TYPENAME_OF_SUBJECT[type] }) as unknown as CustomerRow;
}

/** A subject row through the request's loaders (a page of tasks or activities reads each kind once). */
async function loadedSubject(
  ctx: GraphQLContext,
  type: SubjectType,
  id: number,
): Promise<CustomerRow | ProspectRow | DistributorRow | LeadRow | null> {
  switch (type) {
    case 'CUSTOMER': {
      const c = await ctx.loaders.customer.load(id);
      return c && canViewCustomer(ctx.viewer, c) ? c : null;
    }
    case 'PROSPECT': {
      const p = await ctx.loaders.prospect.load(id);
      return p && canViewProspect(ctx.viewer, p) ? p : null;
    }
    case 'DISTRIBUTOR':
      return visibleDistributor(ctx, id);
    default:
      // Leads have their own visibility rules (assignment history): read one by one.
      return ((await visibleSubject(ctx.db, ctx.viewer, { type, id }))?.row as LeadRow | undefined) ?? null;
  }
}

export const DayScalarNote = 'A day, YYYY-MM-DD, in the company time zone.';
