import type { IssueCode } from './issueCodes';
// Expected failures are returned as typed results (Pothos errors plugin), never thrown to the client as
// internal errors. Each class here has a GraphQL object type of the same name in graphql/errorTypes.ts.

/**
 * Base of the expected failures. `extensions` is what a client sees when one is thrown from a query field
 * (graphql-js copies it onto the GraphQLError): a stable code, plus the details of the subclass.
 */
export abstract class ExpectedError extends Error {
  protected abstract readonly gqlCode: string;
  protected details(): Record<string, unknown> {
    return {};
  }
  get extensions(): Record<string, unknown> {
    return { code: this.gqlCode, type: this.name, ...this.details() };
  }
}

export interface FieldIssue {
  path: string;
  message: string;
  /** Stable machine code (src/lib/issueCodes.ts); INVALID when left out. */
  code?: IssueCode;
  /** What a translated message needs, e.g. { min: 8 }. */
  params?: Record<string, unknown>;
}

export class ValidationError extends ExpectedError {
  override name = 'ValidationError';
  protected readonly gqlCode = 'BAD_USER_INPUT';
  protected override details() {
    return { issues: this.issues };
  }
  constructor(
    message: string,
    readonly issues: FieldIssue[] = [],
  ) {
    super(message);
  }
}

export class NotFoundError extends ExpectedError {
  override name = 'NotFoundError';
  protected readonly gqlCode = 'NOT_FOUND';
}

export class ForbiddenError extends ExpectedError {
  override name = 'ForbiddenError';
  protected readonly gqlCode = 'FORBIDDEN';
  constructor(message = 'You may not do this.') {
    super(message);
  }
}

/** A state change that the current state does not allow (e.g. a move that would create a cycle). */
export class ConflictError extends ExpectedError {
  override name = 'ConflictError';
  protected readonly gqlCode = 'CONFLICT';
  protected override details() {
    return { reason: this.code };
  }
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

export class AuthenticationError extends ExpectedError {
  override name = 'AuthenticationError';
  protected readonly gqlCode = 'UNAUTHENTICATED';
  constructor(message = 'Wrong e-mail or password.') {
    super(message);
  }
}

/** Too many attempts (logins, sign-ups, API key requests) from one address or for one account. */
export class RateLimitedError extends ExpectedError {
  override name = 'RateLimitedError';
  protected readonly gqlCode = 'RATE_LIMITED';
  protected override details() {
    return { retryAfterSeconds: this.retryAfterSeconds };
  }
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many attempts. Try again in ${retryAfterSeconds} seconds.`);
  }
}

/** Line-numbered problems in an uploaded file. */
export interface LineIssue {
  line: number;
  message: string;
}

export class ImportRejectedError extends ExpectedError {
  override name = 'ImportRejectedError';
  protected readonly gqlCode = 'BAD_USER_INPUT';
  protected override details() {
    return { lines: this.lines };
  }
  constructor(
    message: string,
    readonly lines: LineIssue[],
  ) {
    super(message);
  }
}

export const EXPECTED_ERRORS = [
  ValidationError,
  NotFoundError,
  ForbiddenError,
  ConflictError,
  AuthenticationError,
  RateLimitedError,
  ImportRejectedError,
] as const;
