import type { Refusal } from '../modules/auth/authenticate';

// Responses for a request whose credentials are refused before any handler runs: 401 (with an RFC 6750
// WWW-Authenticate challenge) or 429 (with Retry-After).

function refusalHeaders(refusal: Refusal): Record<string, string> {
  return refusal.status === 401
    ? { 'www-authenticate': 'Bearer error="invalid_token"' }
    : { 'retry-after': String(refusal.retryAfterSeconds ?? 60) };
}

function extensions(refusal: Refusal): Record<string, unknown> {
  return {
    code: refusal.code,
    ...(refusal.retryAfterSeconds != null ? { retryAfterSeconds: refusal.retryAfterSeconds } : {}),
  };
}

/** A GraphQL-over-HTTP error response (the spec allows 4xx for errors outside GraphQL execution). */
export function graphqlRefusal(request: Request, refusal: Refusal): Response {
  const accept = request.headers.get('accept') ?? '';
  const type = accept.includes('application/graphql-response+json')
    ? 'application/graphql-response+json; charset=utf-8'
    : 'application/json; charset=utf-8';
  const body = { errors: [{ message: refusal.message, extensions: extensions(refusal) }] };
  return new Response(JSON.stringify(body), {
    status: refusal.status,
    headers: { 'content-type': type, ...refusalHeaders(refusal) },
  });
}

/** The same refusal for the plain JSON endpoints (uploads, downloads). */
export function jsonRefusal(refusal: Refusal): Response {
  return Response.json(
    { error: refusal.message, ...extensions(refusal) },
    { status: refusal.status, headers: refusalHeaders(refusal) },
  );
}
