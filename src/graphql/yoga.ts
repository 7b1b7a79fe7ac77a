import { createYoga, maskError } from 'graphql-yoga';
import type { Env } from '../env';
import type { Viewer } from '../modules/auth/viewer';
import type { GraphQLContext } from './context';
import { isExpectedError } from './exposeErrors';
import { useQueryLimits } from './limitsPlugin';
import { createLoaders } from './loaders';
import { schema } from './schema';

export interface ServerContext {
  env: Env;
  ctx: ExecutionContext;
  viewer: Viewer;
}

// Created once per isolate; env and the viewer arrive per request.
export const yoga = createYoga<ServerContext, GraphQLContext>({
  schema,
  graphqlEndpoint: '/graphql',
  landingPage: false,
  // Breadth with aliases and __typename, introspection and list sizes (the Pothos plugin does the rest).
  plugins: [useQueryLimits()],
  // GraphiQL with its assets inlined (no CDN is reachable in development). Loaded only when the page is
  // asked for, so that tests and API requests never load its 9 MB.
  renderGraphiQL: async (options) => (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(options),
  graphiql: (_req, server) =>
    (server as ServerContext).env.ENVIRONMENT !== 'production' && { title: 'mlm-crm' },
  // Unexpected failures stay masked; expected ones (a bad cursor, a forbidden subtree) keep their message.
  maskedErrors: {
    maskError: (error, message, isDev) => (isExpectedError(error) ? error : maskError(error, message, isDev)),
  },
  context: ({ env, ctx, viewer }) => ({ env, ctx, viewer, db: env.DB, loaders: createLoaders(env.DB) }),
});
