// Electronic signature in GraphQL: the company's provider per document type, and an offer's signature.
import { builder } from '../../graphql/builder';
import { ForbiddenError, ValidationError } from '../../lib/errors';
import type { Viewer } from '../auth/viewer';
import { Distributor, loadVisible } from '../genealogy/graphql/types';
import type { DistributorRow } from '../genealogy/model';
import { Offer } from '../offers/graphql';
import { type AgreementTemplateRow, agreementTemplates, setAgreementTemplate } from './agreements';
import {
  PROVIDER_CHOICES,
  SIGNATURE_STATUSES,
  type SignatureEventRow,
  type SignatureRequestRow,
} from './model';
import {
  type EsignSettingsRow,
  esignSettings,
  eventsOf,
  requestOf,
  storedFile,
  unsignedMembers,
} from './repository';
import { startMissingAgreements, updateEsignSettings } from './signatures';

const ProviderChoiceEnum = builder.enumType('EsignProviderChoice', { values: PROVIDER_CHOICES });
const SignatureStatusEnum = builder.enumType('SignatureStatus', { values: SIGNATURE_STATUSES });

const EsignSettings = builder.objectRef<EsignSettingsRow>('EsignSettings').implement({
  description: 'The signature provider per document type (NONE: no signature is asked for).',
  fields: (t) => ({
    offerProvider: t.field({ type: ProviderChoiceEnum, resolve: (s) => s.offer_provider }),
    agreementProvider: t.field({ type: ProviderChoiceEnum, resolve: (s) => s.agreement_provider }),
  }),
});

const SignatureEvent = builder.objectRef<SignatureEventRow>('SignatureEvent').implement({
  description: 'A provider event taken for a signature (the audit trail).',
  fields: (t) => ({
    event: t.exposeString('event'),
    detail: t.exposeString('detail', { nullable: true }),
    receivedAt: t.exposeString('received_at'),
  }),
});

const SignedDocument = builder
  .objectRef<{ key: string; sha256: string; size: number }>('SignedDocument')
  .implement({
    fields: (t) => ({
      key: t.exposeString('key'),
      sha256: t.exposeString('sha256', { description: 'SHA-256 of the signed PDF (hex).' }),
      size: t.exposeInt('size'),
    }),
  });

export const SignatureRequest = builder.objectRef<SignatureRequestRow>('SignatureRequest').implement({
  description: 'A document sent for electronic signature.',
  fields: (t) => ({
    provider: t.exposeString('provider'),
    status: t.field({ type: SignatureStatusEnum, resolve: (r) => r.status }),
    failureReason: t.exposeString('failure_reason', { nullable: true }),
    signingUrl: t.exposeString('signing_url', { nullable: true }),
    completedAt: t.exposeString('completed_at', { nullable: true }),
    document: t.field({
      type: SignedDocument,
      nullable: true,
      description: 'The signed PDF, once the signature is complete.',
      resolve: (r, _a, ctx) => storedFile(ctx.db, r.signed_key),
    }),
    auditTrail: t.field({
      type: SignedDocument,
      nullable: true,
      description:
        'The audit trail kept beside the signed PDF (JSON: the request, the file’s hash, every event).',
      resolve: (r, _a, ctx) => storedFile(ctx.db, r.audit_key),
    }),
    events: t.field({ type: [SignatureEvent], resolve: (r, _a, ctx) => eventsOf(ctx.db, r.id) }),
  }),
});

builder.objectField(Offer, 'signature', (t) =>
  t.field({
    type: SignatureRequest,
    nullable: true,
    description: 'The electronic signature, when the company requires one for offers.',
    resolve: (o, _a, ctx) => requestOf(ctx.db, 'OFFER', o.id),
  }),
);

builder.queryField('esignSettings', (t) =>
  t.field({
    type: EsignSettings,
    authScopes: { admin: true },
    resolve: (_r, _a, ctx) => esignSettings(ctx.db),
  }),
);

const EsignSettingsInput = builder.inputType('UpdateEsignSettingsInput', {
  fields: (t) => ({
    offerProvider: t.field({ type: ProviderChoiceEnum, required: false }),
    agreementProvider: t.field({ type: ProviderChoiceEnum, required: false }),
  }),
});

builder.mutationField('updateEsignSettings', (t) =>
  t.field({
    type: EsignSettings,
    errors: { types: [ValidationError, ForbiddenError], dataField: { name: 'settings' } },
    authScopes: { admin: true },
    args: { input: t.arg({ type: EsignSettingsInput, required: true }) },
    resolve: (_r, { input }, ctx) => updateEsignSettings(ctx.env, ctx.viewer, input),
  }),
);

// ---- Distributor agreements (issue 13 §5) -------------------------------------------------------------

const Agreement = builder.objectRef<SignatureRequestRow>('Agreement').implement({
  description: 'A distributor agreement sent for signature.',
  fields: (t) => ({
    status: t.field({ type: SignatureStatusEnum, resolve: (r) => r.status }),
    signedAt: t.exposeString('completed_at', { nullable: true }),
    provider: t.exposeString('provider'),
    failureReason: t.exposeString('failure_reason', { nullable: true }),
    document: t.field({
      type: SignedDocument,
      nullable: true,
      description: 'The signed PDF, once signed.',
      resolve: (r, _a, ctx) => storedFile(ctx.db, r.signed_key),
    }),
  }),
});

/** Staff, the member, and the member's sponsor see the agreement. */
const seesAgreement = (viewer: Viewer, d: DistributorRow) =>
  viewer.kind === 'ADMIN' ||
  (viewer.kind === 'DISTRIBUTOR' && (viewer.distributorId === d.id || viewer.distributorId === d.sponsor_id));

builder.objectField(Distributor, 'agreement', (t) =>
  t.field({
    type: Agreement,
    nullable: true,
    description:
      'The distributor agreement (null until it is sent; seen by staff, the member and the sponsor).',
    resolve: (d, _a, ctx) => (seesAgreement(ctx.viewer, d) ? requestOf(ctx.db, 'AGREEMENT', d.id) : null),
  }),
);

builder.queryField('unsignedAgreements', (t) =>
  t.field({
    type: [Distributor],
    authScopes: { admin: true, distributor: true },
    description:
      'Members who have not signed their agreement (at most 200, by id): every member for staff, your own enrollees for a sponsor.',
    resolve: async (_r, _a, ctx) => {
      const sponsor = ctx.viewer.kind === 'DISTRIBUTOR' ? ctx.viewer.distributorId : null;
      if (ctx.viewer.kind !== 'ADMIN' && sponsor == null) return [];
      const ids = await unsignedMembers(ctx.db, sponsor, 200);
      return (await loadVisible(ctx.db, ctx.viewer, ids)).filter((d): d is DistributorRow => d != null);
    },
  }),
);

builder.mutationField('sendAgreements', (t) =>
  t.field({
    type: 'Int',
    description:
      'Sends the agreement of every active member who has none yet (at most 100 a call; the hourly cron does the same).',
    errors: { types: [ForbiddenError], dataField: { name: 'started' } },
    authScopes: { admin: true },
    resolve: (_r, _a, ctx) => startMissingAgreements(ctx.env),
  }),
);

const AgreementTemplate = builder.objectRef<AgreementTemplateRow>('AgreementTemplate').implement({
  fields: (t) => ({
    locale: t.exposeString('locale'),
    title: t.exposeString('title'),
    body: t.exposeString('body'),
    updatedAt: t.exposeString('updated_at'),
  }),
});

builder.queryField('agreementTemplates', (t) =>
  t.field({
    type: [AgreementTemplate],
    authScopes: { admin: true },
    resolve: (_r, _a, ctx) => agreementTemplates(ctx.db),
  }),
);

const AgreementTemplateInput = builder.inputType('SetAgreementTemplateInput', {
  fields: (t) => ({
    locale: t.string({ required: true, description: 'da, pl, de or en.' }),
    title: t.string({ required: true }),
    body: t.string({
      required: true,
      description:
        'Liquid: {{ firstName }} {{ lastName }} {{ email }} {{ country }} {{ memberId }} {{ joinedAt }} {{ company }}; blank lines separate paragraphs.',
    }),
  }),
});

builder.mutationField('setAgreementTemplate', (t) =>
  t.field({
    type: AgreementTemplate,
    nullable: true,
    errors: { types: [ValidationError, ForbiddenError], dataField: { name: 'template' } },
    authScopes: { admin: true },
    args: { input: t.arg({ type: AgreementTemplateInput, required: true }) },
    resolve: (_r, { input }, ctx) => setAgreementTemplate(ctx.db, ctx.viewer, input),
  }),
);
