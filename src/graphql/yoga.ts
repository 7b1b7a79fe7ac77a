import { createYoga } from 'graphql-yoga';
import type { Env } from '../env';
import type { Viewer } from '../modules/auth/viewer';
import type { GraphQLContext } from './context';
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
  // GraphiQL with its assets inlined (no CDN is reachable in development). Loaded only when the page is
  // asked for, so that tests and API requests never load its 9 MB.
  renderGraphiQL: async (options) => (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(options),
  graphiql: (_req, server) =>
    (server as ServerContext).env.ENVIRONMENT !== 'production' && { title: 'mlm-crm' },
  maskedErrors: true,
  context: ({ env, ctx, viewer }) => ({ env, ctx, viewer, db: env.DB }),
});
