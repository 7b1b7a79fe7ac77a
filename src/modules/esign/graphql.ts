// Electronic signature in GraphQL: the company's provider per document type, and an offer's signature.
import { builder } from '../../graphql/builder';
import { ForbiddenError, ValidationError } from '../../lib/errors';
import { Offer } from '../offers/graphql';
import {
  PROVIDER_CHOICES,
  SIGNATURE_STATUSES,
  type SignatureEventRow,
  type SignatureRequestRow,
} from './model';
import { type EsignSettingsRow, esignSettings, eventsOf, requestOf } from './repository';
import { updateEsignSettings } from './signatures';

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
      resolve: (r, _a, ctx) =>
        r.signed_key
          ? ctx.db
              .prepare('SELECT key, sha256, size FROM stored_file WHERE key = ?')
              .bind(r.signed_key)
              .first<{ key: string; sha256: string; size: number }>()
          : null,
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
