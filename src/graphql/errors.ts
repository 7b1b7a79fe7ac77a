// Expected failures are returned as typed results (Pothos errors plugin), never thrown to the client as
// internal errors. Each class here has a GraphQL object type of the same name in graphql/errorTypes.ts.

export interface FieldIssue {
  path: string;
  message: string;
}

export class ValidationError extends Error {
  override name = 'ValidationError';
  constructor(
    message: string,
    readonly issues: FieldIssue[] = [],
  ) {
    super(message);
  }
}

export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

export class ForbiddenError extends Error {
  override name = 'ForbiddenError';
  constructor(message = 'You may not do this.') {
    super(message);
  }
}

/** A state change that the current state does not allow (e.g. a move that would create a cycle). */
export class ConflictError extends Error {
  override name = 'ConflictError';
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

export class AuthenticationError extends Error {
  override name = 'AuthenticationError';
  constructor(message = 'Wrong e-mail or password.') {
    super(message);
  }
}

/** Line-numbered problems in an uploaded file. */
export interface LineIssue {
  line: number;
  message: string;
}

export class ImportRejectedError extends Error {
  override name = 'ImportRejectedError';
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
  ImportRejectedError,
] as const;
