import { GraphQLError } from 'graphql';
import { ExpectedError } from '../lib/errors';

// Query fields have no typed error results, so an expected failure thrown there (an invalid cursor, a
// subtree the viewer may not browse) reaches the client as a GraphQL error. Yoga masks every error whose
// cause is not a GraphQLError as "Unexpected error."; ours keep their message and extensions.code
// (see ExpectedError) and are not logged as server errors.

/** True for a GraphQL error caused by one of our expected errors: safe to show as it is. */
export function isExpectedError(error: unknown): error is GraphQLError {
  return (error as GraphQLError | null)?.originalError instanceof ExpectedError;
}

/**
 * A GraphQL error raised about the request itself carries no code of its own: graphql-js coercing a
 * variable (wrong type, missing), or Pothos refusing input before a resolver runs (a global id of the
 * wrong type for the argument). It is the caller's mistake, BAD_USER_INPUT.
 */
export function withRequestErrorCode(error: unknown): GraphQLError | null {
  const e = error as GraphQLError | null;
  if (!(e instanceof GraphQLError) || e.extensions?.code) return null;
  // These wrap a GraphQLError (the scalar's, Pothos' validation error); anything else wrapped is a server failure.
  if (e.originalError && !(e.originalError instanceof GraphQLError)) return null;
  return new GraphQLError(e.message, {
    nodes: e.nodes,
    source: e.source,
    positions: e.positions,
    path: e.path,
    extensions: { ...e.extensions, code: 'BAD_USER_INPUT' },
  });
}
