// The one interface both signature providers implement, and the errors their calls raise.
import type { Env } from '../../env';
import type { EsignProvider } from './model';

export interface Signer {
  email: string;
  firstName: string;
  lastName: string;
}

export interface StartInput {
  title: string;
  /** Our reference, e.g. 'offer:12' (kept by the provider where it can). */
  reference: string;
  language: string;
  signer: Signer;
  pdf: Uint8Array;
  filename: string;
}

export interface Started {
  externalId: string;
  signingUrl: string | null;
}

/** What the provider says now about a document: our status words. */
export interface ProviderState {
  status: 'SENT' | 'OPENED' | 'SIGNED' | 'COMPLETED' | 'REJECTED' | 'CANCELLED';
}

export interface SignatureProvider {
  readonly name: EsignProvider;
  /** Creates the document at the provider, uploads the PDF and sends it to the signer. */
  start(input: StartInput): Promise<Started>;
  /** Re-reads the document's status (a callback is only a trigger). */
  state(externalId: string): Promise<ProviderState>;
  /** The signed PDF of a completed document. */
  signedFile(externalId: string): Promise<Uint8Array>;
}

/** A provider refused or failed a call. Retryable unless the provider says no retry will help. */
export class ProviderError extends Error {
  constructor(
    readonly provider: EsignProvider,
    readonly status: number,
    message: string,
    readonly permanent = false,
  ) {
    super(`${provider} ${status}: ${message}`);
    this.name = 'ProviderError';
  }
}

/** The provider is not configured (credentials missing): no retry mends it. */
export class ProviderNotConfigured extends Error {
  constructor(provider: EsignProvider) {
    super(`${provider} is not configured (see README, "Electronic signature").`);
    this.name = 'ProviderNotConfigured';
  }
}

/** 4xx other than 408 and 429 will not change on a retry; 5xx, 408, 429 and network faults may. */
export function permanentStatus(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

export type FetchFn = (input: string, init?: RequestInit) => Promise<Response>;

/** fetch through a service binding when there is one (tests bind the fakes), else the internet. */
export function fetcherOf(binding: Fetcher | undefined): FetchFn {
  return binding ? (input, init) => binding.fetch(input, init) : (input, init) => fetch(input, init);
}

export type ProviderFactory = (env: Env) => SignatureProvider;
