import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { GraphQLError } from 'graphql';
import { decodeGlobalId, encodeGlobalId } from '../lib/globalId';
import type { ApiKeyScope } from '../modules/auth/apiKeys';
import type { GraphQLContext } from './context';
import { ForbiddenError } from './errors';

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
  };
  DefaultFieldNullability: false;
}>({
  plugins: [ScopeAuthPlugin, ErrorsPlugin, RelayPlugin, ComplexityPlugin],
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
