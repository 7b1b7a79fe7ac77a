import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { GraphQLError, Kind } from 'graphql';
import { decodeGlobalId, encodeGlobalId } from '../lib/globalId';
import './idInputPlugin';
import './syncGlobalId';
import { ForbiddenError } from '../lib/errors';
import type { ApiKeyScope } from '../modules/auth/apiKeys';
import type { GraphQLContext } from './context';

export const QUERY_LIMITS = { depth: 12, breadth: 150, complexity: 3000 } as const;

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  AuthScopes: {
    admin: boolean;
    distributor: boolean;
    loggedIn: boolean;
    integration: ApiKeyScope;
  };
  Scalars: {
    DateTime: { Input: string; Output: string };
    JSON: { Input: unknown; Output: unknown };
    SafeInt: { Input: number; Output: number };
  };
  DefaultFieldNullability: false;
}>({
  // idInput last: innermost, right around the relay plugin's decoding of globalID arguments.
  plugins: [ScopeAuthPlugin, ErrorsPlugin, RelayPlugin, ComplexityPlugin, 'idInput'],
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: ({ viewer }) => ({
      admin: viewer.kind === 'ADMIN',
      distributor: viewer.kind === 'DISTRIBUTOR',
      loggedIn: viewer.kind !== 'ANONYMOUS',
      integration: (scope) => viewer.kind === 'INTEGRATION' && viewer.scopes.includes(scope),
    }),
    // scope-auth's message already reads "Not authorized to ..."; prefixing it again doubled it.
    unauthorizedError: (_parent, _context, _info, result) => new ForbiddenError(result.message),
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    // One id scheme (src/lib/globalId.ts): padded, unpadded and URL-safe spellings all decode.
    encodeGlobalID: (typename, id) => encodeGlobalId(typename, id),
    decodeGlobalID: (globalID) => decodeGlobalId(globalID),
    nodesOnConnection: false,
    // A connection field's own complexity multiplier is its page size; counting edges as a list of 10
    // on top of that made a 50-row page of 10 fields "too complex" (6,700 > 3,000).
    edgesFieldOptions: { complexity: { field: 1, multiplier: 1 } },
  },
  errors: {
    defaultTypes: [],
  },
  complexity: {
    defaultComplexity: 1,
    defaultListMultiplier: 10,
    limit: { ...QUERY_LIMITS },
    complexityError: (kind, result) => {
      const key = kind.toLowerCase() as 'depth' | 'breadth' | 'complexity';
      const max = { depth: result.maxDepth, breadth: result.maxBreadth, complexity: result.maxComplexity }[
        key
      ];
      const word = { depth: 'deep', breadth: 'broad', complexity: 'complex' }[key];
      // A GraphQLError, so that the client sees this message rather than a masked "Unexpected error.".
      return new GraphQLError(`Query too ${word}: ${key} ${result[key]} exceeds the limit of ${max}.`, {
        extensions: { code: 'QUERY_LIMIT_EXCEEDED', limit: key, max },
      });
    },
  },
});

builder.queryType({});
builder.mutationType({});

builder.scalarType('DateTime', {
  description: 'An ISO-8601 instant in UTC, e.g. 2026-11-22T08:00:00.000Z.',
  serialize: (v) => v,
  parseValue: (v) => {
    if (typeof v !== 'string' || Number.isNaN(Date.parse(v)))
      // A GraphQLError, so that the client sees why the variable was refused (not "Unexpected error.").
      throw new GraphQLError('DateTime must be an ISO-8601 string.', {
        extensions: { code: 'BAD_USER_INPUT' },
      });
    return new Date(v).toISOString();
  },
});

builder.scalarType('JSON', {
  description: 'Any JSON value.',
  serialize: (v) => v,
  parseValue: (v) => v,
});

/** Refuses a value that is not a whole number JavaScript (and JSON) carries exactly. */
function safeInt(v: unknown, what: 'input' | 'output'): number {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  const message = `SafeInt must be a whole number between -(2^53 - 1) and 2^53 - 1: ${String(v).slice(0, 40)}.`;
  // On input a GraphQLError, so the client sees why the value was refused; on output a server fault.
  if (what === 'input') throw new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
  throw new TypeError(message);
}

builder.scalarType('SafeInt', {
  description:
    'A whole number from -(2^53 - 1) to 2^53 - 1 (exact in JSON and JavaScript). Every money amount (minor units), volume (PV, QV, CV, GV) and sum of them uses it, since company totals pass the 32-bit Int.',
  serialize: (v) => safeInt(v, 'output'),
  parseValue: (v) => safeInt(v, 'input'),
  parseLiteral: (node) =>
    safeInt(node.kind === Kind.INT ? Number(node.value) : 'value' in node ? node.value : node.kind, 'input'),
});
