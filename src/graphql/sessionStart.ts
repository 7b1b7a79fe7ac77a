import { getOperationAST, parse } from 'graphql';
import type { SessionStart } from '../lib/d1Session';

// Where a GraphQL request's D1 session starts: mutations at the primary, queries anywhere. Decided before
// authentication (which already reads D1), from the request itself.

/** Operation kind by document and operation name; clients send the same few documents over and over. */
const kinds = new Map<string, boolean>();
const MAX_KINDS = 500;

function isMutation(query: string, operationName: string | undefined): boolean {
  const key = `${operationName ?? ''}\u0000${query}`;
  let mutation = kinds.get(key);
  if (mutation === undefined) {
    try {
      mutation = getOperationAST(parse(query), operationName)?.operation === 'mutation';
    } catch {
      // Not a document: yoga refuses it without running a resolver.
      mutation = false;
    }
    if (kinds.size >= MAX_KINDS) kinds.clear();
    kinds.set(key, mutation);
  }
  return mutation;
}

/**
 * GET carries queries only (yoga refuses mutations over GET). A JSON POST is read (a copy) for its
 * operation; anything else (a batch, another body type) starts at the primary, which is always right.
 */
export async function graphqlSessionStart(request: Request): Promise<SessionStart> {
  if (request.method === 'GET' || request.method === 'OPTIONS') return 'first-unconstrained';
  if (request.method !== 'POST' || !/json/i.test(request.headers.get('content-type') ?? ''))
    return 'first-primary';
  let body: unknown;
  try {
    body = await request.clone().json();
  } catch {
    return 'first-primary';
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'first-primary';
  const { query, operationName } = body as { query?: unknown; operationName?: unknown };
  if (typeof query !== 'string') return 'first-primary';
  return isMutation(query, typeof operationName === 'string' ? operationName : undefined)
    ? 'first-primary'
    : 'first-unconstrained';
}
