import { createExecutionContext, createScheduledController, env, SELF } from 'cloudflare:test';
import { expect } from 'vitest';
import worker from '../../src/index';
import { gqlOk } from '../helpers';

// Helpers of the lead-intake tests: webhook calls as the vendors make them, and looks at what was stored.

const encoder = new TextEncoder();

export async function hmacHex(secret: string, data: Uint8Array | string): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const bytes = typeof data === 'string' ? encoder.encode(data) : data;
  const sig = await crypto.subtle.sign('HMAC', key, bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(sig)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', encoder.encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export function post(path: string, body: string | Uint8Array, headers: Record<string, string> = {}) {
  return SELF.fetch(`http://localhost${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: body as BodyInit,
  });
}

export function postGoogle(body: string) {
  return post('/webhooks/google-ads', body);
}

/** Signs like Meta: X-Hub-Signature-256 over the exact bytes sent. */
export async function postMeta(body: string, secret: string = env.META_APP_SECRET!) {
  return post('/webhooks/meta', body, { 'x-hub-signature-256': `sha256=${await hmacHex(secret, body)}` });
}

export interface LeadCounts {
  events: number;
  intakes: number;
  leads: number;
  assignments: number;
  rejections: number;
}

export async function counts(): Promise<LeadCounts> {
  const row = await env.DB.prepare(
    `SELECT (SELECT count(*) FROM lead_event) AS events, (SELECT count(*) FROM lead_intake) AS intakes,
       (SELECT count(*) FROM lead) AS leads, (SELECT count(*) FROM lead_assignment) AS assignments,
       (SELECT count(*) FROM lead_rejection) AS rejections`,
  ).first<LeadCounts>();
  return row!;
}

/**
 * Everything intake writes except the rejection log, as text: "nothing written" keeps it equal. `except`:
 * external ids whose rows (and raw events and assignments) are left out, e.g. a lead sent as a marker.
 */
export async function intakeFingerprint({ except = [] as string[] } = {}): Promise<string> {
  const ids = JSON.stringify(except);
  const excepted = 'SELECT value FROM json_each(?1)';
  const queries = [
    `SELECT * FROM lead_event WHERE id NOT IN (SELECT event_id FROM lead_intake WHERE external_id IN (${excepted})) ORDER BY 1, 2`,
    `SELECT * FROM lead_intake WHERE external_id NOT IN (${excepted}) ORDER BY 1, 2`,
    `SELECT * FROM lead WHERE external_id NOT IN (${excepted}) ORDER BY 1, 2`,
    `SELECT * FROM lead_assignment WHERE lead_id NOT IN (SELECT id FROM lead WHERE external_id IN (${excepted})) ORDER BY 1, 2`,
    'SELECT * FROM lead_routing_member WHERE ?1 IS NOT NULL ORDER BY 1, 2',
  ];
  const results = await env.DB.batch(queries.map((q) => env.DB.prepare(q).bind(ids)));
  return JSON.stringify(results.map((r) => r.results));
}

export async function intake(source: string, externalId: string) {
  return env.DB.prepare('SELECT * FROM lead_intake WHERE source = ? AND external_id = ?')
    .bind(source, externalId)
    .first<any>();
}

/**
 * Waits until the queued job has finished the intake (DONE or FAILED). Webhooks answer before the consumer
 * decides whether a delivery was new, so a test of a redelivery sends a fresh lead after it and waits for that
 * one: the queue hands messages over in the order they were sent, so by then the redelivery has been handled.
 */
export async function waitForIntake(source: string, externalId: string, timeoutMs = 25_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const row = await intake(source, externalId);
    if (row && row.status !== 'PENDING') return row;
    if (Date.now() > until)
      throw new Error(`intake ${source}/${externalId} still ${row?.status ?? 'missing'}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function leadRow(source: string, externalId: string) {
  return env.DB.prepare('SELECT * FROM lead WHERE source = ? AND external_id = ?')
    .bind(source, externalId)
    .first<any>();
}

export const LEAD_FIELDS = `id source sourceName externalId status isTest formId campaignId adGroupId creativeId adId
  assetGroupId pageId gclId fullName firstName lastName email phone postalCode city region country countryCode
  referralCode utm { source medium campaign term content } answers { key label value }
  assignedTo { id } inPool assignments { distributor { id } toPool reason detail assignedBy }
  submittedAt createdAt`;

export async function leadNode(id: string, token: string) {
  return (
    await gqlOk(
      `query($id: ID!) { node(id: $id) { __typename ... on Lead { ${LEAD_FIELDS} } } }`,
      { id },
      token,
    )
  ).node;
}

export async function setGoogleForm(admin: string, formId: string, googleKey: string) {
  const r = (
    await gqlOk(
      `mutation($input: SetGoogleLeadFormInput!) { setGoogleLeadForm(input: $input) { __typename
        ... on MutationSetGoogleLeadFormSuccess { form { formId } } ... on Error { message } } }`,
      { input: { formId, googleKey, name: 'Test form' } },
      admin,
    )
  ).setGoogleLeadForm;
  expect(r.__typename).toBe('MutationSetGoogleLeadFormSuccess');
}

export async function setMetaPage(admin: string, pageId: string, accessToken: string) {
  const r = (
    await gqlOk(
      `mutation($input: SetMetaLeadPageInput!) { setMetaLeadPage(input: $input) { __typename
        ... on MutationSetMetaLeadPageSuccess { page { pageId } } ... on Error { message } } }`,
      { input: { pageId, accessToken, name: 'Test page' } },
      admin,
    )
  ).setMetaLeadPage;
  expect(r.__typename).toBe('MutationSetMetaLeadPageSuccess');
}

export async function setSource(admin: string, input: Record<string, unknown>) {
  return (
    await gqlOk(
      `mutation($input: SetLeadSourceInput!) { setLeadSource(input: $input) { __typename
        ... on MutationSetLeadSourceSuccess { source { name webhookPath auth fieldMapping { from to } } }
        ... on Error { message } ... on ValidationError { issues { path message } } } }`,
      { input },
      admin,
    )
  ).setLeadSource;
}

/** Registers a lead in the fake Graph API (see test/fakes/meta-graph.ts). */
export async function fakeGraphLead(
  id: string,
  token: string,
  lead: Record<string, unknown>,
  fail: { failTimes?: number; failWith?: 'transient' | 'token' | 'missing' } = {},
) {
  const res = await env.GRAPH_API!.fetch('https://graph.fake.test/__fake/leads', {
    method: 'POST',
    body: JSON.stringify({ id, token, lead, ...fail }),
  });
  expect(res.status).toBe(200);
}

export async function fakeGraphCalls(id: string): Promise<number> {
  const res = await env.GRAPH_API!.fetch(`https://graph.fake.test/__fake/calls/${id}`);
  return ((await res.json()) as { calls: number }).calls;
}

let unique = 0;
/** A fresh id-like decimal string (unique within the test process). */
export function freshId(prefix = '9'): string {
  unique++;
  return `${prefix}${Date.now()}${String(unique).padStart(4, '0')}`;
}

/** Leads, intakes (and those DONE), raw events and assignments of the external ids starting with `prefix`. */
export async function countsFor(prefix: string) {
  return env.DB.prepare(
    `SELECT (SELECT count(*) FROM lead WHERE external_id LIKE ?1) AS leads,
       (SELECT count(*) FROM lead_intake WHERE external_id LIKE ?1) AS intakes,
       (SELECT count(*) FROM lead_intake WHERE external_id LIKE ?1 AND status = 'DONE') AS done,
       (SELECT count(*) FROM lead_event e WHERE e.id IN (SELECT event_id FROM lead_intake WHERE external_id LIKE ?1)) AS events,
       (SELECT count(*) FROM lead_assignment a JOIN lead l ON l.id = a.lead_id WHERE l.external_id LIKE ?1) AS assignments`,
  )
    .bind(`${prefix}%`)
    .first<{ leads: number; intakes: number; done: number; events: number; assignments: number }>();
}

/** The hourly cron (inbox sweep, stale intakes) run as if at `at`. */
export async function hourly(at: Date): Promise<void> {
  await worker.scheduled(
    createScheduledController({ cron: '0 * * * *', scheduledTime: at }),
    env,
    createExecutionContext(),
  );
}
