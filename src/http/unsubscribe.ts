import { Hono } from 'hono';
import type { Env } from '../env';
import {
  confirmPage,
  donePage,
  readUnsubscribeToken,
  withdrawConsent,
} from '../modules/messaging/unsubscribe';

/**
 * /u/<token>: the unsubscribe link of marketing messages. GET shows a page with a button and changes
 * nothing; POST (the button, or a mail client's RFC 8058 one-click `List-Unsubscribe=One-Click`) withdraws
 * the consent. No login.
 */
export const unsubscribeRoutes = new Hono<{ Bindings: Env }>();

const html = (body: string, status: 200 | 404 = 200) =>
  new Response(body, {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
    },
  });

unsubscribeRoutes.get('/:token', async (c) => {
  const t = await readUnsubscribeToken(c.env.JWT_SECRET, c.req.param('token'));
  return html(confirmPage(t), t ? 200 : 404);
});

unsubscribeRoutes.post('/:token', async (c) => {
  const t = await readUnsubscribeToken(c.env.JWT_SECRET, c.req.param('token'));
  if (!t) return html(confirmPage(null), 404);
  const oneClick = (await c.req.text()).includes('List-Unsubscribe=One-Click');
  await withdrawConsent(c.env.DB, t, oneClick ? 'list-unsubscribe-one-click' : 'unsubscribe-link');
  return html(donePage(t));
});
