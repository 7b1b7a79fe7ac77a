import { getOperationAST, parse } from 'graphql';
import type { GraphQLParams } from 'graphql-yoga';
import type { SessionStart } from '../lib/d1Session';

// Where a GraphQL request's D1 session starts: mutations at the primary, queries anywhere. Decided before
// authentication (which already reads D1), from the request itself. The JSON body is read here once and
// handed to yoga (`useParsedParams`), so that deciding costs no second read of the body.

/** Operation kind by document and operation name; clients send the same few documents over and over. */
const kinds = new Map<string, boolean>();
const MAX_KINDS = 500;
/** Bodies read here; larger ones (GraphQL documents are small) go to yoga's own reader and its limit. */
const MAX_BODY_BYTES = 1_000_000;

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

export interface GraphQLRequestRead {
  start: SessionStart;
  /** The request yoga is to serve: the original, or a copy when this read consumed the body. */
  request: Request;
  /** The parsed body, when it is an ordinary JSON request (yoga takes it as it is). */
  params?: GraphQLParams;
}

/**
 * GET carries queries only (yoga refuses mutations over GET). A JSON POST is read for its operation;
 * anything else (a batch, another body type, no declared length) starts at the primary, which is always
 * right, and reaches yoga untouched.
 */
export async function readGraphQLRequest(request: Request): Promise<GraphQLRequestRead> {
  if (request.method === 'GET' || request.method === 'OPTIONS')
    return { start: 'first-unconstrained', request };
  const length = Number(request.headers.get('content-length') ?? Number.NaN);
  if (
    request.method !== 'POST' ||
    !/^application\/json\s*(;|$)/i.test(request.headers.get('content-type') ?? '') ||
    !(length >= 0 && length <= MAX_BODY_BYTES)
  )
    return { start: 'first-primary', request };
  const text = await request.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const query = (body as { query?: unknown } | null)?.query;
  if (typeof body !== 'object' || body === null || Array.isArray(body) || typeof query !== 'string')
    // Yoga answers these (invalid JSON, a batch, no query) as always: from a copy of the body.
    return { start: 'first-primary', request: new Request(request, { body: text }) };
  const operationName = (body as { operationName?: unknown }).operationName;
  const mutation = isMutation(query, typeof operationName === 'string' ? operationName : undefined);
  return {
    start: mutation ? 'first-primary' : 'first-unconstrained',
    // Without a body: yoga takes the params as read, and skips re-streaming a body it would not read.
    request: new Request(request.url, { method: request.method, headers: request.headers }),
    params: body as GraphQLParams,
  };
}
