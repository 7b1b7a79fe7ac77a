import { builder } from '../../../graphql/builder';
import { Distributor, loadVisible } from '../../genealogy/graphql';
import { PROSPECT_STATUSES, type ProspectRow } from '../prospects/model';
import { canViewProspect, prospectsByIds } from '../prospects/repository';

export const ProspectStatusEnum = builder.enumType('ProspectStatus', { values: PROSPECT_STATUSES });
export const ProspectSourceEnum = builder.enumType('ProspectSource', {
  values: ['MANUAL', 'CSV', 'VCARD'] as const,
});

export const Prospect = builder.objectRef<ProspectRow>('Prospect');
builder.node(Prospect, {
  description: 'A person on a distributor’s own contact list. Private to the owner (and staff).',
  id: { resolve: (p) => p.id },
  loadMany: async (ids, ctx) => {
    const rows = await prospectsByIds(ctx.db, ids.map(Number));
    return ids.map((id) => rows.find((r) => r.id === Number(id) && canViewProspect(ctx.viewer, r)) ?? null);
  },
  isTypeOf: (o) => typeof o === 'object' && o !== null && 'next_step_date' in o,
  fields: (t) => ({
    firstName: t.exposeString('first_name'),
    lastName: t.exposeString('last_name'),
    email: t.exposeString('email', { nullable: true }),
    phone: t.exposeString('phone', { nullable: true }),
    notes: t.exposeString('notes', { nullable: true }),
    status: t.field({ type: ProspectStatusEnum, resolve: (p) => p.status }),
    nextStep: t.exposeString('next_step', { nullable: true }),
    nextStepDate: t.exposeString('next_step_date', { nullable: true, description: 'YYYY-MM-DD.' }),
    source: t.field({ type: ProspectSourceEnum, resolve: (p) => p.source }),
    owner: t.field({
      type: Distributor,
      nullable: true,
      resolve: async (p, _a, ctx) => (await loadVisible(ctx.db, ctx.viewer, [p.owner_id]))[0],
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (p) => p.created_at }),
    updatedAt: t.field({ type: 'DateTime', resolve: (p) => p.updated_at }),
  }),
});
