import { createYoga, type GraphQLParams, maskError } from 'graphql-yoga';
import type { Env } from '../env';
import { jobSpecOf } from '../jobs/routes';
import { BOOKMARK_HEADER } from '../lib/d1Session';
import type { Viewer } from '../modules/auth/viewer';
import type { GraphQLContext } from './context';
import { isExpectedError, withRequestErrorCode } from './exposeErrors';
import { useQueryLimits } from './limitsPlugin';
import { createLoaders } from './loaders';
import { schema } from './schema';

export interface ServerContext {
  env: Env;
  ctx: ExecutionContext;
  viewer: Viewer;
  /** CF-Connecting-IP, for per-address rate limits (null outside Cloudflare). */
  clientAddress: string | null;
  /** The JSON body, when the D1 session middleware already read it (http/d1Session.ts): not read twice. */
  params?: GraphQLParams;
}

// Created once per isolate; env and the viewer arrive per request.
export const yoga = createYoga<ServerContext, GraphQLContext>({
  schema,
  graphqlEndpoint: '/graphql',
  landingPage: false,
  // Yoga's default CORS (any origin, the asked-for request headers) plus the D1 bookmark readable by
  // browser code (docs/read-replicas.md).
  cors: { exposedHeaders: [BOOKMARK_HEADER] },
  // GraphiQL with its assets inlined (no CDN is reachable in development). Loaded only when the page is
  // asked for, so that tests and API requests never load its 9 MB.
  renderGraphiQL: async (options) => (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(options),
  graphiql: (_req, server) =>
    (server as ServerContext).env.ENVIRONMENT !== 'production' && { title: 'mlm-crm' },
  // Unexpected failures stay masked; expected ones (a bad cursor, a forbidden subtree) keep their message.
  maskedErrors: {
    maskError: (error, message, isDev) => {
      if (isExpectedError(error)) return error;
      const request = withRequestErrorCode(error);
      if (request) return request;
      // The client sees "Unexpected error."; the log keeps what happened, for whoever looks into it.
      const cause = (error as { originalError?: unknown }).originalError ?? error;
      console.error(
        'graphql: unexpected error',
        cause instanceof Error ? (cause.stack ?? cause.message) : cause,
      );
      return maskError(error, message, isDev);
    },
  },
  plugins: [
    {
      onRequestParse: ({ serverContext, setRequestParser }) => {
        const params = (serverContext as Partial<ServerContext>).params;
        if (params) setRequestParser(() => params);
      },
    },
    // Breadth with aliases and __typename, introspection and list sizes (the Pothos plugin does the rest).
    useQueryLimits(),
    {
      // Errors graphql-js raises before execution (variable coercion) skip maskError: give them a code here.
      onExecutionResult: ({ result, setResult }) => {
        if (!result || Symbol.asyncIterator in result || !result.errors?.length) return;
        setResult({ ...result, errors: result.errors.map((e) => withRequestErrorCode(e) ?? e) });
      },
    },
  ],
  context: ({ env, ctx, viewer, clientAddress }) => ({
    env,
    ctx,
    viewer,
    clientAddress,
    db: env.DB,
    loaders: createLoaders(env.DB, env.FILES),
    jobSpecOf,
  }),
});
