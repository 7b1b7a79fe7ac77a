import {
  AuthenticationError,
  ConflictError,
  type FieldIssue as FieldIssueShape,
  ForbiddenError,
  ImportRejectedError,
  NotFoundError,
  RateLimitedError,
  ValidationError,
} from '../lib/errors';
import { ISSUE_CODES, type IssueCode } from '../lib/issueCodes';
import { builder } from './builder';

// GraphQL shapes of the expected failures; mutations list the ones they can return.

export const ErrorInterface = builder.interfaceRef<Error>('Error').implement({
  description: 'An expected failure: nothing was written.',
  fields: (t) => ({
    message: t.exposeString('message', { description: 'In English; show `code` translated where you can.' }),
    code: t.string({
      description: `Stable machine code of the failure, for translated messages and for programs:
VALIDATION_FAILED (see issues), NOT_FOUND, FORBIDDEN, UNAUTHENTICATED, IMPORT_REJECTED (see lines),
RATE_LIMITED, and for ConflictError the reason of the conflict (e.g. ALREADY_REFUNDED, WRONG_STATE).`,
      resolve: (e) => errorCode(e),
    }),
  }),
});

/** The machine code of a typed error (ConflictError keeps its own reason). */
function errorCode(e: Error): string {
  if (e instanceof ConflictError) return e.code;
  const byType: Record<string, string> = {
    ValidationError: 'VALIDATION_FAILED',
    NotFoundError: 'NOT_FOUND',
    ForbiddenError: 'FORBIDDEN',
    AuthenticationError: 'UNAUTHENTICATED',
    ImportRejectedError: 'IMPORT_REJECTED',
    RateLimitedError: 'RATE_LIMITED',
  };
  return (
    byType[e.name] ??
    e.name
      .replace(/Error$/, '')
      .replace(/([a-z])([A-Z])/g, '$1_$2')
      .toUpperCase()
  );
}

const IssueCodeEnum = builder.enumType('ValidationIssueCode', {
  description: 'Why a field was refused; `params` on the issue carries the numbers a message needs.',
  values: Object.fromEntries(Object.entries(ISSUE_CODES).map(([k, description]) => [k, { description }])) as {
    [K in IssueCode]: { description: string };
  },
});

const FieldIssue = builder.objectRef<FieldIssueShape>('FieldIssue').implement({
  fields: (t) => ({
    path: t.exposeString('path', {
      description: 'Dotted path inside the input object, e.g. lines.0.quantity.',
    }),
    message: t.exposeString('message', { description: 'In English.' }),
    code: t.field({ type: IssueCodeEnum, resolve: (i) => i.code ?? 'INVALID' }),
    params: t.field({
      type: 'JSON',
      description: 'Parameters of the code, e.g. {"min": 8} for TOO_SHORT; {} when it has none.',
      resolve: (i) => i.params ?? {},
    }),
  }),
});

export const LineIssue = builder.objectRef<{ line: number; message: string }>('LineIssue').implement({
  fields: (t) => ({ line: t.exposeInt('line'), message: t.exposeString('message') }),
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  interfaces: [ErrorInterface],
  isTypeOf: (o) => o instanceof ValidationError,
  fields: (t) => ({ issues: t.field({ type: [FieldIssue], resolve: (e) => e.issues }) }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  interfaces: [ErrorInterface],
  isTypeOf: (o) => o instanceof NotFoundError,
  fields: () => ({}),
});

builder.objectType(ForbiddenError, {
  name: 'ForbiddenError',
  interfaces: [ErrorInterface],
  isTypeOf: (o) => o instanceof ForbiddenError,
  fields: () => ({}),
});

builder.objectType(ConflictError, {
  name: 'ConflictError',
  interfaces: [ErrorInterface],
  isTypeOf: (o) => o instanceof ConflictError,
  fields: (t) => ({ code: t.exposeString('code') }),
});

builder.objectType(AuthenticationError, {
  name: 'AuthenticationError',
  interfaces: [ErrorInterface],
  isTypeOf: (o) => o instanceof AuthenticationError,
  fields: () => ({}),
});

builder.objectType(RateLimitedError, {
  name: 'RateLimitedError',
  description: 'Too many attempts from this address or for this account (code RATE_LIMITED).',
  interfaces: [ErrorInterface],
  isTypeOf: (o) => o instanceof RateLimitedError,
  fields: (t) => ({
    retryAfterSeconds: t.exposeInt('retryAfterSeconds', {
      description: 'Wait this long before trying again.',
    }),
  }),
});

builder.objectType(ImportRejectedError, {
  name: 'ImportRejectedError',
  interfaces: [ErrorInterface],
  isTypeOf: (o) => o instanceof ImportRejectedError,
  fields: (t) => ({ lines: t.field({ type: [LineIssue], resolve: (e) => e.lines }) }),
});
