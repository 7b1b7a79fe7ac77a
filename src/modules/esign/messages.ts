import type { DocumentType, SignatureStatus } from './model';

/** Queue messages of signature work (a tracked job of kind 'esign'). */
export type EsignJob =
  | { kind: 'esign.start'; documentType: DocumentType; subjectId: number; jobId?: string }
  | { kind: 'esign.sync'; requestId: number; expected?: SignatureStatus; jobId?: string };
