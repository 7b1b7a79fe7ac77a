import type { GraphQLError } from 'graphql';
import { ExpectedError } from './errors';

// Query fields have no typed error results, so an expected failure thrown there (an invalid cursor, a
// subtree the viewer may not browse) reaches the client as a GraphQL error. Yoga masks every error whose
// cause is not a GraphQLError as "Unexpected error."; ours keep their message and extensions.code
// (see ExpectedError) and are not logged as server errors.

/** True for a GraphQL error caused by one of our expected errors: safe to show as it is. */
export function isExpectedError(error: unknown): error is GraphQLError {
  return (error as GraphQLError | null)?.originalError instanceof ExpectedError;
}
