import { builder } from '../../../graphql/builder';
import { checkPageSize, resolvePage } from '../../../graphql/pages';
import { ForbiddenError, NotFoundError, ValidationError } from '../../../lib/errors';
import { encodeGlobalId } from '../../../lib/globalId';
import { encodeCursor } from '../../../lib/keyset';
import { actorLabel } from '../../genealogy/actorLabel';
import { Distributor, loadVisible, visibleDistributor } from '../../genealogy/graphql';
import {
  deleteRule,
  type GoogleFormRow,
  type LeadSourceConfig,
  listGoogleForms,
  listMetaPages,
  listRules,
  listSources,
  type MetaPageRow,
  type RoutingRule,
  ruleById,
  saveRule,
  upsertGoogleForm,
  upsertMetaPage,
  upsertSource,
} from '../config';
import { type FailedIntakeRow, failedIntakes, leadListScope, leadsPage, retryFailedIntake } from '../lists';
import { LEAD_FIELDS, LEAD_SOURCES, type LeadAnswer, type Utm } from '../model';
import type { LeadStatus } from '../pipeline';
import {
  type AssignmentRow,
  assignLead,
  canViewLead,
  type LeadRow,
  leadsByIds,
  parseAnswers,
  parseUtm,
} from '../repository';

const LeadSourceEnum = builder.enumType('LeadSource', { values: LEAD_SOURCES });
export const LeadStatusEnum = builder.enumType('LeadStatus', {
  values: {
    NEW: { description: 'Arrived, not yet worked on.' },
    CONTACTED: { description: 'Someone got in touch.' },
    QUALIFIED: { description: 'A real prospect.' },
    CONVERTED: { description: 'Became a customer or a distributor (see convertedTo).' },
    LOST: { description: 'Given up, with a reason; may be reopened (CONTACTED).' },
  },
});
const LeadFieldEnum = builder.enumType('LeadField', {
  description: 'A standard lead field that a sender’s field can be mapped to.',
  values: LEAD_FIELDS,
});
const AssignmentReasonEnum = builder.enumType('LeadAssignmentReason', {
  values: {
    REFERRAL_CODE: { description: 'The lead carried the distributor’s referral code.' },
    UTM: { description: 'A UTM tag of the lead carried the distributor’s referral code.' },
    RULE: {
      description: 'A routing rule (country / postal-code prefix) chose the distributor, round-robin.',
    },
    POOL: { description: 'Nothing matched: the company pool.' },
    MANUAL: { description: 'Staff assigned it.' },
  },
});
const SourceAuthEnum = builder.enumType('LeadSourceAuth', {
  values: {
    TOKEN: { description: 'Authorization: Bearer <secret> (or X-Webhook-Token: <secret>).' },
    HMAC: { description: 'A header (default X-Signature) = sha256=<hex HMAC-SHA256 of the raw body>.' },
  },
});

const LeadAnswerType = builder.objectRef<LeadAnswer>('LeadAnswer').implement({
  description: 'An answer to a question without a standard field (custom questions, unmapped fields).',
  fields: (t) => ({
    key: t.exposeString('key'),
    label: t.exposeString('label', { nullable: true }),
    value: t.exposeString('value'),
  }),
});

const UtmType = builder.objectRef<Utm>('LeadUtm').implement({
  fields: (t) => ({
    source: t.string({ nullable: true, resolve: (u) => u.source ?? null }),
    medium: t.string({ nullable: true, resolve: (u) => u.medium ?? null }),
    campaign: t.string({ nullable: true, resolve: (u) => u.campaign ?? null }),
    term: t.string({ nullable: true, resolve: (u) => u.term ?? null }),
    content: t.string({ nullable: true, resolve: (u) => u.content ?? null }),
  }),
});

const AssignmentType = builder.objectRef<AssignmentRow>('LeadAssignment').implement({
  fields: (t) => ({
    distributor: t.field({
      type: Distributor,
      nullable: true,
      description: 'Null: the company pool (or a distributor the viewer may not see).',
      resolve: async (a, _args, ctx) =>
        a.distributor_id == null ? null : (await loadVisible(ctx.db, ctx.viewer, [a.distributor_id]))[0],
    }),
    toPool: t.boolean({ resolve: (a) => a.distributor_id == null }),
    reason: t.field({ type: AssignmentReasonEnum, resolve: (a) => a.reason }),
    detail: t.exposeString('detail', { nullable: true }),
    assignedBy: t.string({
      description: '"router" or "staff:<id>" (non-staff read "Staff").',
      resolve: (a, _args, ctx) => actorLabel(ctx, a.assigned_by),
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (a) => a.created_at }),
  }),
});

export const Lead = builder.objectRef<LeadRow>('Lead');
builder.node(Lead, {
  id: { resolve: (l) => l.id },
  loadMany: async (ids, ctx) => {
    const rows = await leadsByIds(ctx.db, ids.map(Number));
    return ids.map((id) => rows.find((r) => r.id === Number(id) && canViewLead(ctx.viewer, r)) ?? null);
  },
  isTypeOf: (o) => typeof o === 'object' && o !== null && 'assigned_distributor_id' in o && 'gcl_id' in o,
  fields: (t) => ({
    source: t.field({ type: LeadSourceEnum, resolve: (l) => l.source }),
    sourceName: t.exposeString('source_name', { nullable: true, description: 'The generic source’s name.' }),
    externalId: t.exposeString('external_id', {
      description: 'Google lead_id, Meta leadgen_id, or the generic sender’s id (else a hash of the body).',
    }),
    status: t.field({ type: LeadStatusEnum, resolve: (l) => l.status as LeadStatus }),
    isTest: t.boolean({ resolve: (l) => l.is_test === 1 }),
    formId: t.exposeString('form_id', { nullable: true }),
    campaignId: t.exposeString('campaign_id', { nullable: true }),
    adGroupId: t.exposeString('adgroup_id', { nullable: true }),
    creativeId: t.exposeString('creative_id', { nullable: true }),
    adId: t.exposeString('ad_id', { nullable: true }),
    assetGroupId: t.exposeString('asset_group_id', { nullable: true }),
    pageId: t.exposeString('page_id', { nullable: true }),
    gclId: t.exposeString('gcl_id', { nullable: true }),
    fullName: t.string({
      nullable: true,
      resolve: (l) => l.full_name ?? ([l.first_name, l.last_name].filter(Boolean).join(' ') || null),
    }),
    firstName: t.exposeString('first_name', { nullable: true }),
    lastName: t.exposeString('last_name', { nullable: true }),
    email: t.exposeString('email', { nullable: true }),
    phone: t.exposeString('phone', { nullable: true }),
    streetAddress: t.exposeString('street_address', { nullable: true }),
    postalCode: t.exposeString('postal_code', { nullable: true }),
    city: t.exposeString('city', { nullable: true }),
    region: t.exposeString('region', { nullable: true }),
    country: t.exposeString('country', { nullable: true, description: 'As the form sent it.' }),
    countryCode: t.exposeString('country_code', {
      nullable: true,
      description: 'ISO alpha-2 when recognised.',
    }),
    companyName: t.exposeString('company_name', { nullable: true }),
    jobTitle: t.exposeString('job_title', { nullable: true }),
    referralCode: t.exposeString('referral_code', { nullable: true }),
    utm: t.field({ type: UtmType, resolve: parseUtm }),
    answers: t.field({ type: [LeadAnswerType], resolve: parseAnswers }),
    assignedTo: t.field({
      type: Distributor,
      nullable: true,
      description: 'Null while the lead is in the company pool.',
      resolve: (l, _a, ctx) => visibleDistributor(ctx, l.assigned_distributor_id),
    }),
    inPool: t.boolean({ resolve: (l) => l.assigned_distributor_id == null }),
    assignments: t.field({
      type: [AssignmentType],
      description: 'Assignment history, oldest first.',
      resolve: (l, _a, ctx) => ctx.loaders.leadAssignments.load(l.id),
    }),
    submittedAt: t.field({ type: 'DateTime', nullable: true, resolve: (l) => l.submitted_at }),
    createdAt: t.field({ type: 'DateTime', resolve: (l) => l.created_at }),
  }),
});

builder.queryField('leads', (t) =>
  t.connection({
    type: Lead,
    authScopes: { loggedIn: true },
    description: 'A distributor’s own leads; staff: all leads, the pool, or one distributor’s. Newest first.',
    args: {
      pool: t.arg.boolean({
        required: false,
        description: 'Staff: only the unassigned (company pool) leads.',
      }),
      assignedTo: t.arg.globalID({
        required: false,
        for: Distributor,
        description: 'Staff: one distributor’s.',
      }),
      source: t.arg({ type: LeadSourceEnum, required: false }),
      includeTest: t.arg.boolean({ required: false, description: 'Include test leads (default true).' }),
    },
    complexity: (args) => ({ field: 2, multiplier: Math.min(args.first ?? args.last ?? 20, 100) }),
    resolve: (_r, args, ctx) => {
      const scope = leadListScope(ctx.viewer, {
        pool: args.pool,
        assignedTo: args.assignedTo ? Number(args.assignedTo.id) : null,
        source: args.source,
        includeTest: args.includeTest,
      });
      return resolvePage<Promise<LeadRow[]>>(
        { args, toCursor: (l: LeadRow) => encodeCursor([l.id]), defaultSize: 20, maxSize: 100 },
        (page) => leadsPage(ctx.db, scope, page),
      );
    },
  }),
);

const AssignLeadInput = builder.inputType('AssignLeadInput', {
  fields: (t) => ({
    id: t.globalID({ required: true, for: Lead }),
    distributorId: t.globalID({
      required: false,
      for: Distributor,
      description: 'An ACTIVE distributor; leave out (or null) to return the lead to the company pool.',
    }),
    note: t.string({ required: false }),
  }),
});

builder.mutationField('assignLead', (t) =>
  t.field({
    type: Lead,
    description: 'Staff: reassign a lead (recorded in its assignment history with reason MANUAL).',
    authScopes: { admin: true },
    errors: { types: [ValidationError, NotFoundError, ForbiddenError], dataField: { name: 'lead' } },
    args: { input: t.arg({ type: AssignLeadInput, required: true }) },
    resolve: (_r, { input }, ctx) =>
      assignLead(
        ctx.db,
        ctx.viewer,
        Number(input.id.id),
        input.distributorId ? Number(input.distributorId.id) : null,
        input.note ?? null,
      ),
  }),
);

// ---- Configuration (staff) ----

const GoogleLeadForm = builder.objectRef<GoogleFormRow>('GoogleLeadForm').implement({
  description: 'A Google Ads lead form whose webhook posts to /webhooks/google-ads. The key is never shown.',
  fields: (t) => ({
    formId: t.exposeString('form_id'),
    name: t.exposeString('name', { nullable: true }),
    createdAt: t.field({ type: 'DateTime', resolve: (f) => f.created_at }),
    updatedAt: t.field({ type: 'DateTime', resolve: (f) => f.updated_at }),
  }),
});

const MetaLeadPage = builder.objectRef<MetaPageRow>('MetaLeadPage').implement({
  description: 'A Facebook page whose lead ads are fetched with its Page access token (never shown).',
  fields: (t) => ({
    pageId: t.exposeString('page_id'),
    name: t.exposeString('name', { nullable: true }),
    createdAt: t.field({ type: 'DateTime', resolve: (f) => f.created_at }),
    updatedAt: t.field({ type: 'DateTime', resolve: (f) => f.updated_at }),
  }),
});

const FieldMappingType = builder.objectRef<{ from: string; to: string }>('LeadFieldMapping').implement({
  fields: (t) => ({
    from: t.exposeString('from', {
      description: 'The sender’s field; nested JSON as "a.b", lists as "a.0".',
    }),
    to: t.field({ type: LeadFieldEnum, resolve: (m) => m.to as (typeof LEAD_FIELDS)[number] }),
  }),
});

const LeadSourceType = builder.objectRef<LeadSourceConfig>('LeadSourceConfig').implement({
  description: 'A generic sender (Zapier, Make, a web form) posting to /webhooks/leads/<name>.',
  fields: (t) => ({
    name: t.exposeString('name'),
    webhookPath: t.string({ resolve: (s) => `/webhooks/leads/${s.name}` }),
    auth: t.field({ type: SourceAuthEnum, resolve: (s) => s.auth }),
    signatureHeader: t.string({
      nullable: true,
      resolve: (s) => (s.auth === 'HMAC' ? s.signatureHeader : null),
    }),
    fieldMapping: t.field({ type: [FieldMappingType], resolve: (s) => s.mapping }),
    active: t.exposeBoolean('active'),
    createdAt: t.field({ type: 'DateTime', resolve: (s) => s.createdAt }),
    updatedAt: t.field({ type: 'DateTime', resolve: (s) => s.updatedAt }),
  }),
});

export const LeadRoutingRule = builder.objectRef<RoutingRule>('LeadRoutingRule');
builder.node(LeadRoutingRule, {
  id: { resolve: (r) => r.id },
  loadOne: async (id, ctx) => (ctx.viewer.kind === 'ADMIN' ? ruleById(ctx.db, Number(id)) : null),
  isTypeOf: (o) => typeof o === 'object' && o !== null && 'postalPrefix' in o,
  fields: (t) => ({
    name: t.exposeString('name'),
    priority: t.exposeInt('priority', { description: 'Lower is tried first.' }),
    country: t.exposeString('country', { nullable: true }),
    postalCodePrefix: t.exposeString('postalPrefix', { nullable: true }),
    active: t.exposeBoolean('active'),
    distributors: t.field({
      type: [Distributor],
      description: 'Round-robin members in order; only ACTIVE ones receive leads.',
      resolve: async (r, _a, ctx) =>
        (await loadVisible(ctx.db, ctx.viewer, r.distributorIds)).filter((d) => d != null),
    }),
  }),
});

builder.queryFields((t) => ({
  googleLeadForms: t.field({
    type: [GoogleLeadForm],
    authScopes: { admin: true },
    resolve: (_r, _a, ctx) => listGoogleForms(ctx.db),
  }),
  metaLeadPages: t.field({
    type: [MetaLeadPage],
    authScopes: { admin: true },
    resolve: (_r, _a, ctx) => listMetaPages(ctx.db),
  }),
  leadSources: t.field({
    type: [LeadSourceType],
    authScopes: { admin: true },
    resolve: (_r, _a, ctx) => listSources(ctx.db),
  }),
  leadRoutingRules: t.field({
    type: [LeadRoutingRule],
    authScopes: { admin: true },
    resolve: (_r, _a, ctx) => listRules(ctx.db),
  }),
  failedLeadIntakes: t.field({
    type: [FailedIntake],
    authScopes: { admin: true },
    description: 'Deliveries whose processing failed (the raw event is kept; retryLeadIntake tries again).',
    args: { first: t.arg.int({ required: false, description: '1 to 100 (default 50).' }) },
    resolve: (_r, args, ctx) => {
      checkPageSize('first', args.first, 100);
      return failedIntakes(ctx.db, args.first ?? 50);
    },
  }),
}));

const FailedIntake = builder.objectRef<FailedIntakeRow>('FailedLeadIntake').implement({
  fields: (t) => ({
    intakeId: t.exposeInt('id'),
    source: t.field({ type: LeadSourceEnum, resolve: (i) => i.source }),
    externalId: t.exposeString('external_id'),
    attempts: t.exposeInt('attempts'),
    lastError: t.exposeString('last_error', { nullable: true }),
    failedAt: t.field({ type: 'DateTime', resolve: (i) => i.updated_at }),
  }),
});

builder.mutationFields((t) => ({
  setGoogleLeadForm: t.field({
    type: GoogleLeadForm,
    description:
      'Staff: register (or re-key) a Google Ads lead form and the key typed into its webhook setup.',
    authScopes: { admin: true },
    errors: { types: [ValidationError], dataField: { name: 'form' } },
    args: {
      input: t.arg({
        required: true,
        type: builder.inputType('SetGoogleLeadFormInput', {
          fields: (f) => ({
            formId: f.string({ required: true }),
            name: f.string({ required: false }),
            googleKey: f.string({ required: true }),
          }),
        }),
      }),
    },
    resolve: (_r, { input }, ctx) => upsertGoogleForm(ctx.db, input),
  }),
  setMetaLeadPage: t.field({
    type: MetaLeadPage,
    description: 'Staff: register (or update the token of) a Facebook page whose leads are fetched.',
    authScopes: { admin: true },
    errors: { types: [ValidationError], dataField: { name: 'page' } },
    args: {
      input: t.arg({
        required: true,
        type: builder.inputType('SetMetaLeadPageInput', {
          fields: (f) => ({
            pageId: f.string({ required: true }),
            name: f.string({ required: false }),
            accessToken: f.string({ required: true }),
          }),
        }),
      }),
    },
    resolve: (_r, { input }, ctx) => upsertMetaPage(ctx.db, input),
  }),
  setLeadSource: t.field({
    type: LeadSourceType,
    description: 'Staff: create or replace a generic lead source. The secret is required each time.',
    authScopes: { admin: true },
    errors: { types: [ValidationError], dataField: { name: 'source' } },
    args: {
      input: t.arg({
        required: true,
        type: builder.inputType('SetLeadSourceInput', {
          fields: (f) => ({
            name: f.string({ required: true }),
            auth: f.field({ type: SourceAuthEnum, required: true }),
            secret: f.string({
              required: true,
              description: 'The bearer token or the HMAC secret (≥ 16 chars).',
            }),
            signatureHeader: f.string({ required: false }),
            fieldMapping: f.field({
              required: false,
              type: [
                builder.inputType('LeadFieldMappingInput', {
                  fields: (g) => ({
                    from: g.string({ required: true }),
                    to: g.field({ type: LeadFieldEnum, required: true }),
                  }),
                }),
              ],
            }),
            active: f.boolean({ required: false }),
          }),
        }),
      }),
    },
    resolve: (_r, { input }, ctx) =>
      upsertSource(ctx.db, { ...input, fieldMapping: input.fieldMapping ?? [] }),
  }),
  createLeadRoutingRule: t.field({
    type: LeadRoutingRule,
    authScopes: { admin: true },
    errors: { types: [ValidationError], dataField: { name: 'rule' } },
    args: { input: t.arg({ type: RuleInput(false), required: true }) },
    resolve: (_r, { input }, ctx) => saveRule(ctx.db, null, ruleFields(input)),
  }),
  updateLeadRoutingRule: t.field({
    type: LeadRoutingRule,
    authScopes: { admin: true },
    errors: { types: [ValidationError, NotFoundError], dataField: { name: 'rule' } },
    args: { input: t.arg({ type: RuleInput(true), required: true }) },
    resolve: (_r, { input }, ctx) => {
      if (!input.id)
        throw new ValidationError('Say which rule.', [
          { path: 'id', message: 'Required.', code: 'REQUIRED' },
        ]);
      return saveRule(ctx.db, Number(input.id.id), ruleFields(input));
    },
  }),
  deleteLeadRoutingRule: t.field({
    type: 'ID',
    authScopes: { admin: true },
    errors: { types: [ValidationError, NotFoundError], dataField: { name: 'deletedId' } },
    args: {
      input: t.arg({
        required: true,
        type: builder.inputType('DeleteLeadRoutingRuleInput', {
          fields: (f) => ({ id: f.globalID({ required: true, for: LeadRoutingRule }) }),
        }),
      }),
    },
    resolve: async (_r, { input }, ctx) => {
      await deleteRule(ctx.db, Number(input.id.id));
      return encodeGlobalId('LeadRoutingRule', input.id.id);
    },
  }),
  retryLeadIntake: t.field({
    type: 'Int',
    description: 'Staff: queue a FAILED intake again (e.g. after fixing a page token); returns its id.',
    authScopes: { admin: true },
    errors: { types: [NotFoundError], dataField: { name: 'intakeId' } },
    args: {
      input: t.arg({
        required: true,
        type: builder.inputType('RetryLeadIntakeInput', {
          fields: (f) => ({ intakeId: f.int({ required: true }) }),
        }),
      }),
    },
    resolve: (_r, { input }, ctx) => retryFailedIntake(ctx.env, input.intakeId),
  }),
}));

function RuleInput(update: boolean) {
  return builder.inputType(update ? 'UpdateLeadRoutingRuleInput' : 'CreateLeadRoutingRuleInput', {
    fields: (f) => ({
      ...(update ? { id: f.globalID({ required: true, for: LeadRoutingRule }) } : {}),
      name: f.string({ required: true }),
      priority: f.int({ required: false, description: 'Lower is tried first (default 100).' }),
      country: f.string({ required: false, description: 'ISO alpha-2; leave out for any country.' }),
      postalCodePrefix: f.string({ required: false, description: 'Leave out for any postal code.' }),
      active: f.boolean({ required: false }),
      distributorIds: f.globalIDList({ required: true, for: Distributor }),
    }),
  });
}

function ruleFields(input: {
  name: string;
  priority?: number | null;
  country?: string | null;
  postalCodePrefix?: string | null;
  active?: boolean | null;
  distributorIds: { id: string }[];
}) {
  return {
    name: input.name,
    priority: input.priority,
    country: input.country,
    postalCodePrefix: input.postalCodePrefix,
    active: input.active,
    distributorIds: input.distributorIds.map((d) => Number(d.id)),
  };
}
