// Electronic signature: providers, statuses and their order (no I/O).
import type { signatureEvent, signatureRequest } from './tables';

export const ESIGN_PROVIDERS = ['AUTENTI', 'DOCUMENSO'] as const;
export type EsignProvider = (typeof ESIGN_PROVIDERS)[number];
export const PROVIDER_CHOICES = ['NONE', ...ESIGN_PROVIDERS] as const;
export type ProviderChoice = (typeof PROVIDER_CHOICES)[number];

export const DOCUMENT_TYPES = ['OFFER', 'AGREEMENT'] as const;
export type DocumentType = (typeof DOCUMENT_TYPES)[number];

export const SIGNATURE_STATUSES = [
  'PENDING',
  'SENT',
  'OPENED',
  'SIGNED',
  'COMPLETED',
  'REJECTED',
  'CANCELLED',
  'FAILED',
] as const;
export type SignatureStatus = (typeof SIGNATURE_STATUSES)[number];

/** The order of statuses: a request only moves to a higher rank; the final ones share the top rank. */
export const RANK: Record<SignatureStatus, number> = {
  PENDING: 0,
  SENT: 1,
  OPENED: 2,
  SIGNED: 3,
  COMPLETED: 9,
  REJECTED: 9,
  CANCELLED: 9,
  FAILED: 9,
};

export const isFinal = (s: SignatureStatus) => RANK[s] === 9;

export type SignatureRequestRow = typeof signatureRequest.$inferSelect;
export type SignatureEventRow = typeof signatureEvent.$inferSelect;

/** R2 prefix of signed documents. */
export const SIGNED_PREFIX = 'esign/';

/** Job kind of signature work (start at the provider, sync after a callback). */
export const ESIGN_JOB_KIND = 'esign';
