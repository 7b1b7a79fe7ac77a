import { Hono } from 'hono';
import type { Env } from '../env';
import { type ServerContext, yoga } from '../graphql/yoga';
import { authenticate } from '../modules/auth/authenticate';
import { clientAddressOf } from '../modules/auth/rateLimit';
import { compliance } from './compliance';
import { d1Session, graphqlReadOf } from './d1Session';
import { esignWebhooks } from './esign';
import { gdprFiles } from './gdpr';
import { imports } from './imports';
import { messagingWebhooks } from './messaging';
import { offerFiles, offerLinks } from './offers';
import { passwordResetRoutes } from './passwordReset';
import { payouts } from './payouts';
import { graphqlRefusal } from './refusal';
import { reportRoutes } from './reports';
import { unsubscribeRoutes } from './unsubscribe';
import { webhooks } from './webhooks';

export const app = new Hono<{ Bindings: Env }>();

app.use('*', d1Session);

app.get('/health', async (c) => {
  const db = await c.env.DB.prepare('SELECT 1 AS ok').first<{ ok: number }>();
  return c.json({ status: db?.ok === 1 ? 'ok' : 'degraded', time: new Date().toISOString() });
});

app.on(['GET', 'POST', 'OPTIONS'], '/graphql', async (c) => {
  const auth = await authenticate(c.env, c.req.raw);
  if (auth.refusal) return graphqlRefusal(c.req.raw, auth.refusal);
  const read = graphqlReadOf(c.req.raw);
  const server: ServerContext = {
    env: c.env,
    ctx: c.executionCtx as ExecutionContext,
    viewer: auth.viewer,
    clientAddress: clientAddressOf(c.req.raw),
    params: read.params,
  };
  return yoga.fetch(read.request, server);
});

app.route('/', imports);
app.route('/compliance', compliance);
app.route('/payouts', payouts);
app.route('/gdpr', gdprFiles);
app.route('/reports', reportRoutes);
app.route('/webhooks/messaging', messagingWebhooks);
app.route('/webhooks/esign', esignWebhooks);
app.route('/u', unsubscribeRoutes);
app.route('/reset', passwordResetRoutes);
app.route('/o', offerLinks);
app.route('/offers', offerFiles);
app.route('/webhooks', webhooks);

app.notFound((c) => c.json({ error: 'Not found' }, 404));
app.onError((err, c) => {
  console.error(err);
  return c.json({ error: 'Internal error' }, 500);
});
