import { builder } from './builder';
import {
  AuthenticationError,
  ConflictError,
  ForbiddenError,
  ImportRejectedError,
  NotFoundError,
  RateLimitedError,
  ValidationError,
} from './errors';

// GraphQL shapes of the expected failures; mutations list the ones they can return.

export const ErrorInterface = builder.interfaceRef<Error>('Error').implement({
  description: 'An expected failure: nothing was written.',
  fields: (t) => ({ message: t.exposeString('message') }),
});

const FieldIssue = builder.objectRef<{ path: string; message: string }>('FieldIssue').implement({
  fields: (t) => ({ path: t.exposeString('path'), message: t.exposeString('message') }),
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
