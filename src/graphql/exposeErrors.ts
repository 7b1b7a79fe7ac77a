import { GraphQLError } from 'graphql';
import { ConflictError, EXPECTED_ERRORS, ImportRejectedError, ValidationError } from './errors';

// Query fields have no typed error results, so an expected failure thrown there (an invalid cursor, a
// subtree the viewer may not browse) reaches the client as a GraphQL error. Yoga masks every error that
// is not a GraphQLError as "Unexpected error."; this keeps the message and a stable code for ours.

const CODES: Record<string, string> = {
  ValidationError: 'BAD_USER_INPUT',
  NotFoundError: 'NOT_FOUND',
  ForbiddenError: 'FORBIDDEN',
  ConflictError: 'CONFLICT',
  AuthenticationError: 'UNAUTHENTICATED',
  ImportRejectedError: 'BAD_USER_INPUT',
};

/** A client-safe GraphQLError for one of our expected errors, or null for anything else. */
export function exposeExpectedError(error: unknown): GraphQLError | null {
  if (!(error instanceof GraphQLError)) return null;
  const original = error.originalError;
  if (!EXPECTED_ERRORS.some((cls) => original instanceof cls)) return null;
  const e = original as Error;
  const extensions: Record<string, unknown> = { code: CODES[e.name] ?? 'BAD_REQUEST', type: e.name };
  if (e instanceof ValidationError) extensions.issues = e.issues;
  if (e instanceof ConflictError) extensions.reason = e.code;
  if (e instanceof ImportRejectedError) extensions.lines = e.lines;
  return new GraphQLError(e.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions,
  });
}
