// GraphQL of the lead pipeline: status history and conversion fields on Lead, setLeadStatus, convertLead.

import { builder } from '../../../graphql/builder';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../../lib/errors';
import { Customer } from '../../customers/graphql';
import { type CustomerRow, canViewCustomer, customersByIds } from '../../customers/repository';
import { actorLabel } from '../../genealogy/actorLabel';
import { Distributor, LocaleEnum, loadVisible } from '../../genealogy/graphql';
import type { DistributorRow } from '../../genealogy/model';
import {
  convertLead,
  type LeadStatus,
  type PipelineLeadRow,
  type StatusChangeRow,
  setLeadStatus,
} from '../pipeline';
import { Lead, LeadStatusEnum } from './leads';

const StatusChange = builder.objectRef<StatusChangeRow>('LeadStatusChange').implement({
  fields: (t) => ({
    from: t.field({ type: LeadStatusEnum, resolve: (c) => c.from_status }),
    to: t.field({ type: LeadStatusEnum, resolve: (c) => c.to_status }),
    reason: t.exposeString('reason', {
      nullable: true,
      description: 'Why (required for LOST); CUSTOMER or DISTRIBUTOR for a conversion.',
    }),
    actor: t.string({
      description:
        '"staff:<id>" or "distributor:<id>" for staff and whoever may see that member; else a public name ("Anna K.", "Staff").',
      resolve: (c, _args, ctx) => actorLabel(ctx, c.actor),
    }),
    at: t.field({ type: 'DateTime', resolve: (c) => c.created_at }),
  }),
});

const KIND = Symbol('leadConversionKind');
type Marked = (CustomerRow | DistributorRow) & { [KIND]?: 'Customer' | 'Distributor' };

const LeadConversion = builder.unionType('LeadConversion', {
  description: 'What a converted lead became.',
  types: [Customer, Distributor],
  resolveType: (v) => (v as Marked)[KIND] ?? 'Customer',
});

const ConvertTargetEnum = builder.enumType('LeadConversionTarget', {
  values: {
    CUSTOMER: { description: 'A customer owned by the distributor the lead is assigned to.' },
    DISTRIBUTOR: { description: 'A distributor enrolled under the distributor the lead is assigned to.' },
  },
});

builder.objectFields(Lead, (t) => ({
  lostReason: t.string({
    nullable: true,
    description: 'Why the lead was lost (while LOST).',
    resolve: (l) => (l as PipelineLeadRow).lost_reason ?? null,
  }),
  statusHistory: t.field({
    type: [StatusChange],
    description: 'Every status change, oldest first.',
    resolve: (l, _a, ctx) => ctx.loaders.leadStatusHistory.load(l.id),
  }),
  convertedAt: t.field({
    type: 'DateTime',
    nullable: true,
    resolve: (l) => (l as PipelineLeadRow).converted_at ?? null,
  }),
  convertedTo: t.field({
    type: LeadConversion,
    nullable: true,
    description: 'The customer or distributor the lead became (null if not converted or not visible).',
    resolve: async (l, _a, ctx) => {
      const p = l as PipelineLeadRow;
      if (p.converted_customer_id != null) {
        const [c] = await customersByIds(ctx.db, [p.converted_customer_id]);
        return c && canViewCustomer(ctx.viewer, c) ? Object.assign(c, { [KIND]: 'Customer' as const }) : null;
      }
      if (p.converted_distributor_id != null) {
        const [d] = await loadVisible(ctx.db, ctx.viewer, [p.converted_distributor_id]);
        return d ? Object.assign(d, { [KIND]: 'Distributor' as const }) : null;
      }
      return null;
    },
  }),
}));

const SetLeadStatusInput = builder.inputType('SetLeadStatusInput', {
  fields: (t) => ({
    id: t.globalID({ required: true, for: Lead }),
    status: t.field({
      type: LeadStatusEnum,
      required: true,
      description: 'NEW→CONTACTED→QUALIFIED; any open status→LOST (with a reason); LOST→CONTACTED reopens.',
    }),
    reason: t.string({ required: false, description: 'Required for LOST.' }),
  }),
});

const ConvertLeadInput = builder.inputType('ConvertLeadInput', {
  description: 'Details left out are taken from the lead (name, e-mail, phone, country code).',
  fields: (t) => ({
    id: t.globalID({ required: true, for: Lead }),
    to: t.field({ type: ConvertTargetEnum, required: true }),
    firstName: t.string({ required: false }),
    lastName: t.string({ required: false }),
    email: t.string({ required: false }),
    phone: t.string({ required: false }),
    country: t.string({ required: false, description: 'ISO alpha-2.' }),
    locale: t.field({ type: LocaleEnum, required: false, description: 'Default en.' }),
    notes: t.string({ required: false, description: 'CUSTOMER only.' }),
    placementParentId: t.globalID({ required: false, for: Distributor, description: 'DISTRIBUTOR only.' }),
  }),
});

const ERRORS = [ValidationError, ConflictError, NotFoundError, ForbiddenError];

builder.mutationFields((t) => ({
  setLeadStatus: t.field({
    type: Lead,
    description:
      'Move a lead along the pipeline (its assigned distributor or staff). Recorded in statusHistory.',
    authScopes: { loggedIn: true },
    errors: { types: ERRORS, dataField: { name: 'lead' } },
    args: { input: t.arg({ type: SetLeadStatusInput, required: true }) },
    resolve: (_r, { input }, ctx) =>
      setLeadStatus(ctx.db, ctx.viewer, Number(input.id.id), {
        status: input.status as LeadStatus,
        reason: input.reason,
      }),
  }),
  convertLead: t.field({
    type: Lead,
    description:
      'Turn an open, assigned lead into a customer of its distributor or a distributor they sponsor; the lead ' +
      'becomes CONVERTED and keeps its history and activities.',
    authScopes: { loggedIn: true },
    errors: { types: ERRORS, dataField: { name: 'lead' } },
    args: { input: t.arg({ type: ConvertLeadInput, required: true }) },
    resolve: (_r, { input }, ctx) =>
      convertLead(ctx.db, ctx.viewer, Number(input.id.id), {
        to: input.to,
        firstName: input.firstName,
        lastName: input.lastName,
        email: input.email,
        phone: input.phone,
        country: input.country,
        locale: input.locale,
        notes: input.notes,
        placementParentId: input.placementParentId ? Number(input.placementParentId.id) : null,
      }),
  }),
}));
