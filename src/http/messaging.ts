import { Hono } from 'hono';
import type { Env } from '../env';
import {
  type CallbackAnswer,
  gatewayApiCallback,
  gatewayApiInbound,
  resendWebhook,
  twilioInbound,
  twilioStatusCallback,
} from '../modules/messaging/callbacks';

/** Provider callbacks of the outbox: each verifies its signature over the raw bytes, then records the event. */
export const messagingWebhooks = new Hono<{ Bindings: Env }>();

const reply = (a: CallbackAnswer) =>
  new Response(a.body, {
    status: a.status,
    headers: { 'content-type': a.contentType ?? 'text/plain; charset=utf-8' },
  });

messagingWebhooks.post('/twilio', async (c) => reply(await twilioStatusCallback(c.env, c.req.raw)));
messagingWebhooks.post('/twilio/inbound', async (c) => reply(await twilioInbound(c.env, c.req.raw)));
messagingWebhooks.post('/gatewayapi', async (c) => reply(await gatewayApiCallback(c.env, c.req.raw)));
messagingWebhooks.post('/gatewayapi/inbound', async (c) => reply(await gatewayApiInbound(c.env, c.req.raw)));
messagingWebhooks.post('/resend', async (c) => reply(await resendWebhook(c.env, c.req.raw)));
