// GraphQL of GDPR (issue 15 §3): personal-data exports, erasure (staff) and erasure requests (a distributor
// for themself), retention policies, and the consent history on every kind of person.
import { builder } from '../../graphql/builder';
import type { GraphQLContext } from '../../graphql/context';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../lib/errors';
import { subjectFromGlobalId } from '../crm/graphql/common';
import { Prospect } from '../crm/graphql/prospectType';
import { Customer } from '../customers/graphql';
import { Distributor } from '../genealogy/graphql';
import { Lead } from '../leads/graphql/leads';
import { type ConsentEventRow, consentHistory } from './consent';
import { erasePerson, erasureOf } from './erasure';
import { requestExport, visibleExport } from './exports';
import type { KeptDocument } from './files';
import { PERSON_TYPES, type PersonRef, type PersonType, RETENTION_KINDS } from './model';
import { erasureRequests, refuseErasureRequest, requestOwnErasure } from './requests';
import { retentionPolicies, setRetentionPolicy } from './retention';
import type { ErasureRequestRow, ErasureRow, ExportRow, RetentionPolicyRow } from './tables';

const PersonTypeEnum = builder.enumType('PersonType', { values: PERSON_TYPES });
const RetentionKindEnum = builder.enumType('RetentionKind', {
  values: RETENTION_KINDS,
  description:
    'LEAD_EVENTS: raw lead webhook bodies; MESSAGES: content and address of sent messages; LOST_LEADS: leads LOST for that long are erased; INACTIVE_PROSPECTS: prospects untouched for that long are erased.',
});

const ExportType = builder.objectRef<ExportRow>('PersonalDataExport').implement({
  description:
    'An archive (ZIP: export.json with every table’s rows about the person, and one CSV per table) built by a queued job; download it at downloadPath with the same credentials while it is READY.',
  fields: (t) => ({
    id: t.globalID({ resolve: (e) => ({ type: 'PersonalDataExport', id: String(e.id) }) }),
    personType: t.field({ type: PersonTypeEnum, resolve: (e) => e.subject_type }),
    personId: t.exposeInt('subject_id'),
    status: t.exposeString('status', { description: 'QUEUED, READY, FAILED or EXPIRED.' }),
    requestedBy: t.exposeString('requested_by'),
    size: t.exposeInt('size', { nullable: true, description: 'Bytes of the archive.' }),
    rowCount: t.exposeInt('row_count', { nullable: true }),
    error: t.exposeString('error', { nullable: true }),
    createdAt: t.field({ type: 'DateTime', resolve: (e) => e.created_at }),
    readyAt: t.field({ type: 'DateTime', nullable: true, resolve: (e) => e.ready_at }),
    expiresAt: t.field({ type: 'DateTime', nullable: true, resolve: (e) => e.expires_at }),
    downloadPath: t.string({
      nullable: true,
      resolve: (e) => (e.status === 'READY' ? `/gdpr/exports/${e.id}` : null),
    }),
  }),
});

const KeptDocumentType = builder.objectRef<KeptDocument>('ErasureKeptDocument').implement({
  fields: (t) => ({
    kind: t.exposeString('kind'),
    key: t.exposeString('key'),
    reason: t.exposeString('reason'),
  }),
});

const ErasureType = builder.objectRef<ErasureRow>('PersonErasure').implement({
  description: 'The record of an erasure: who, when, why, and the documents kept for a legal reason.',
  fields: (t) => ({
    personType: t.field({ type: PersonTypeEnum, resolve: (e) => e.subject_type }),
    personId: t.exposeInt('subject_id'),
    pseudonym: t.exposeString('pseudonym'),
    reason: t.exposeString('reason'),
    erasedBy: t.exposeString('erased_by'),
    erasedAt: t.field({ type: 'DateTime', resolve: (e) => e.erased_at }),
    filesDeleted: t.boolean({ resolve: (e) => e.files_deleted === 1 }),
    keptDocuments: t.field({
      type: [KeptDocumentType],
      resolve: (e) => JSON.parse(e.kept) as KeptDocument[],
    }),
  }),
});

const ErasureRequestType = builder.objectRef<ErasureRequestRow>('ErasureRequest').implement({
  fields: (t) => ({
    id: t.globalID({ resolve: (r) => ({ type: 'ErasureRequest', id: String(r.id) }) }),
    distributorId: t.exposeInt('distributor_id'),
    reason: t.exposeString('reason'),
    status: t.exposeString('status', { description: 'OPEN, DONE or REFUSED.' }),
    createdAt: t.field({ type: 'DateTime', resolve: (r) => r.created_at }),
    settledBy: t.exposeString('settled_by', { nullable: true }),
    settledAt: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.settled_at }),
    settleNote: t.exposeString('settle_note', { nullable: true }),
  }),
});

const RetentionPolicyType = builder.objectRef<RetentionPolicyRow>('RetentionPolicy').implement({
  fields: (t) => ({
    kind: t.field({ type: RetentionKindEnum, resolve: (p) => p.kind }),
    days: t.exposeInt('days', { nullable: true, description: 'Null: kept.' }),
    updatedBy: t.exposeString('updated_by', { nullable: true }),
    updatedAt: t.field({ type: 'DateTime', resolve: (p) => p.updated_at }),
  }),
});

const ConsentEventType = builder.objectRef<ConsentEventRow>('ConsentEvent').implement({
  description:
    'One grant or withdrawal of consent (the history is append-only; the latest per channel is in force).',
  fields: (t) => ({
    channel: t.exposeString('channel'),
    action: t.exposeString('action', { description: 'GRANTED or WITHDRAWN.' }),
    purpose: t.exposeString('purpose', { description: 'MARKETING or TRANSACTIONAL.' }),
    source: t.exposeString('source', { description: 'form:signup, sms:STOP, unsubscribe-link, staff:1, …' }),
    textShown: t.exposeString('text_shown', { nullable: true, description: 'The wording the person saw.' }),
    recordedBy: t.exposeString('recorded_by'),
    recordedAt: t.field({ type: 'DateTime', resolve: (c) => c.recorded_at }),
  }),
});

// The consent history and the erasure record on every kind of person (seen by whoever may see the person).
const consentField = (type: PersonType) => ({
  type: [ConsentEventType] as [typeof ConsentEventType],
  description: 'Every grant and withdrawal of consent, oldest first.',
  resolve: (p: { id: number }, _a: unknown, ctx: GraphQLContext) =>
    consentHistory(ctx.db, { type, id: p.id }),
});
const erasureField = (type: PersonType) => ({
  type: ErasureType,
  nullable: true as const,
  description: 'The erasure record when the person was erased (GDPR).',
  resolve: (p: { id: number }, _a: unknown, ctx: GraphQLContext) => erasureOf(ctx.db, { type, id: p.id }),
});
builder.objectFields(Customer, (t) => ({
  consentHistory: t.field(consentField('CUSTOMER')),
  erasure: t.field(erasureField('CUSTOMER')),
}));
builder.objectFields(Lead, (t) => ({
  consentHistory: t.field(consentField('LEAD')),
  erasure: t.field(erasureField('LEAD')),
}));
builder.objectFields(Prospect, (t) => ({
  consentHistory: t.field(consentField('PROSPECT')),
  erasure: t.field(erasureField('PROSPECT')),
}));
builder.objectFields(Distributor, (t) => ({
  consentHistory: t.field(consentField('DISTRIBUTOR')),
  erasure: t.field(erasureField('DISTRIBUTOR')),
}));

const personOf = (gid: { typename: string; id: string }): PersonRef => subjectFromGlobalId(gid, 'person');

builder.queryFields((t) => ({
  personalDataExport: t.field({
    type: ExportType,
    authScopes: { admin: true, distributor: true },
    description: 'An export the viewer requested (staff: any export).',
    args: { id: t.arg.globalID({ required: true }) },
    resolve: (_r, args, ctx) => {
      if (args.id.typename !== 'PersonalDataExport') throw new NotFoundError('Export not found.');
      return visibleExport(ctx.db, ctx.viewer, Number(args.id.id));
    },
  }),
  retentionPolicies: t.field({
    type: [RetentionPolicyType],
    authScopes: { admin: true },
    resolve: (_r, _a, ctx) => retentionPolicies(ctx.db),
  }),
  erasureRequests: t.field({
    type: [ErasureRequestType],
    authScopes: { admin: true, distributor: true },
    description: 'Staff: every request (newest first, at most 200); a distributor: their own.',
    args: { status: t.arg.string({ required: false }) },
    resolve: (_r, args, ctx) => erasureRequests(ctx.db, ctx.viewer, args.status ?? null),
  }),
}));

const ExportInput = builder.inputType('RequestPersonalDataExportInput', {
  fields: (t) => ({
    person: t.globalID({ required: true, description: 'A distributor, customer, lead or prospect.' }),
  }),
});

builder.mutationField('requestPersonalDataExport', (t) =>
  t.field({
    type: ExportType,
    description: 'Staff for anyone, a distributor for themself: the archive is built by a queued job.',
    errors: { types: [ValidationError, ForbiddenError, NotFoundError], dataField: { name: 'export' } },
    authScopes: { admin: true, distributor: true },
    args: { input: t.arg({ type: ExportInput, required: true }) },
    resolve: (_r, { input }, ctx) => requestExport(ctx.env, ctx.viewer, personOf(input.person)),
  }),
);

const EraseInput = builder.inputType('ErasePersonInput', {
  fields: (t) => ({
    person: t.globalID({ required: true, description: 'A distributor, customer, lead or prospect.' }),
    confirmId: t.string({
      required: true,
      description:
        'The person’s id typed again (their global id or their number): an erasure is irreversible.',
    }),
    reason: t.string({ required: true, description: 'Why (kept on the erasure record).' }),
  }),
});

builder.mutationField('erasePerson', (t) =>
  t.field({
    type: ErasureType,
    description:
      'Staff only. Pseudonymizes the person everywhere (tables, free text, raw lead events, the search index, stored files) while the ledger, the tree and the volumes stay; refused while a period involving them is CLOSING.',
    errors: {
      types: [ValidationError, ForbiddenError, NotFoundError, ConflictError],
      dataField: { name: 'erasure' },
    },
    authScopes: { admin: true, distributor: true },
    args: { input: t.arg({ type: EraseInput, required: true }) },
    resolve: (_r, { input }, ctx) =>
      erasePerson(ctx.env, ctx.viewer, {
        person: personOf(input.person),
        personGlobalId: rawGlobalId(input.person),
        confirmId: input.confirmId,
        reason: input.reason,
      }),
  }),
);

/** The global id as clients spell it (padded base64), accepted as a confirmation. */
function rawGlobalId(gid: { typename: string; id: string }): string {
  return btoa(`${gid.typename}:${gid.id}`);
}

builder.mutationField('requestMyErasure', (t) =>
  t.field({
    type: ErasureRequestType,
    description: 'A distributor asks for their own erasure; staff carry it out (erasePerson) or refuse it.',
    errors: { types: [ValidationError, ForbiddenError, ConflictError], dataField: { name: 'request' } },
    authScopes: { distributor: true },
    args: {
      input: t.arg({
        type: builder.inputType('RequestMyErasureInput', {
          fields: (f) => ({ reason: f.string({ required: true }) }),
        }),
        required: true,
      }),
    },
    resolve: (_r, { input }, ctx) => requestOwnErasure(ctx.db, ctx.viewer, input),
  }),
);

builder.mutationField('refuseErasureRequest', (t) =>
  t.field({
    type: ErasureRequestType,
    errors: { types: [ValidationError, NotFoundError], dataField: { name: 'request' } },
    authScopes: { admin: true },
    args: {
      input: t.arg({
        type: builder.inputType('RefuseErasureRequestInput', {
          fields: (f) => ({ id: f.globalID({ required: true }), note: f.string({ required: true }) }),
        }),
        required: true,
      }),
    },
    resolve: (_r, { input }, ctx) => {
      if (input.id.typename !== 'ErasureRequest')
        throw new NotFoundError('No open erasure request with this id.');
      return refuseErasureRequest(ctx.db, ctx.viewer, Number(input.id.id), { note: input.note });
    },
  }),
);

builder.mutationField('setRetentionPolicy', (t) =>
  t.field({
    type: RetentionPolicyType,
    description: 'Staff: how many days a kind of record is kept (null: kept); enforced nightly in chunks.',
    errors: { types: [ValidationError], dataField: { name: 'policy' } },
    authScopes: { admin: true },
    args: {
      input: t.arg({
        type: builder.inputType('SetRetentionPolicyInput', {
          fields: (f) => ({
            kind: f.field({ type: RetentionKindEnum, required: true }),
            days: f.int({ required: false, description: '1 to 36500; null keeps the records.' }),
          }),
        }),
        required: true,
      }),
    },
    resolve: (_r, { input }, ctx) =>
      setRetentionPolicy(ctx.db, ctx.viewer, { kind: input.kind, days: input.days ?? null }),
  }),
);
