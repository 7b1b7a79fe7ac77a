// Leads from Google Ads, Meta and a generic web form, sent to the real webhooks exactly as those senders
// do (Meta signed with the app secret, its lead data served by the local fake Graph API), then worked
// through the API so that every pipeline state shows: NEW, CONTACTED, QUALIFIED, LOST and CONVERTED.
import { createHmac } from 'node:crypto';
import { mutate, waitFor } from './seed-api.mjs';

export const DEMO_LEADS = {
  google: { formId: '40000000001', googleKey: 'demo-google-key-2026' },
  meta: {
    pageId: '100000000000001',
    accessToken: 'demo-page-access-token',
    appSecret: 'dev-only-meta-app-secret',
  },
  website: { name: 'website', token: 'demo-website-token-2026' },
};

const PEOPLE = [
  ['Astrid', 'Kjær', 'DK', '+4521234567'],
  ['Marek', 'Zając', 'PL', '+48601234567'],
  ['Greta', 'Hoffmann', 'DE', '+4917612345678'],
  ['Emil', 'Thomsen', 'DK', '+4522345678'],
  ['Ewa', 'Dąbrowska', 'PL', '+48602345678'],
];
const STATES = ['NEW', 'CONTACTED', 'QUALIFIED', 'LOST', 'CONVERTED'];

function googleBody(leadId, [first, last, country, phone]) {
  return JSON.stringify({
    lead_id: leadId,
    user_column_data: [
      { column_name: 'Full Name', string_value: `${first} ${last}`, column_id: 'FULL_NAME' },
      {
        column_name: 'User Email',
        string_value: `${first}.${leadId}@example.com`.toLowerCase(),
        column_id: 'EMAIL',
      },
      { column_name: 'User Phone', string_value: phone, column_id: 'PHONE_NUMBER' },
      { column_name: 'Country', string_value: country, column_id: 'COUNTRY' },
    ],
    api_version: '1.0',
    form_id: Number(DEMO_LEADS.google.formId),
    campaign_id: 21000000001,
    gcl_id: `demo-gclid-${leadId}`,
    lead_submit_time: new Date().toISOString(),
    google_key: DEMO_LEADS.google.googleKey,
    is_test: false,
  });
}

/** Meta's webhook announces only the leadgen id; the worker fetches the lead from the Graph API. */
export function metaNotification(leadgenId) {
  const { pageId } = DEMO_LEADS.meta;
  return JSON.stringify({
    object: 'page',
    entry: [
      {
        id: pageId,
        time: Math.floor(Date.now() / 1000),
        changes: [
          {
            field: 'leadgen',
            value: {
              leadgen_id: leadgenId,
              page_id: pageId,
              form_id: '55500001',
              created_time: Math.floor(Date.now() / 1000),
            },
          },
        ],
      },
    ],
  });
}

const metaSignature = (body) =>
  `sha256=${createHmac('sha256', DEMO_LEADS.meta.appSecret).update(body).digest('hex')}`;

async function send(base, path, body, headers) {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  if (res.status !== 200) throw new Error(`seed: ${path} answered ${res.status}: ${await res.text()}`);
}

async function deliverAll(base, graphBase) {
  for (const [i, person] of PEOPLE.entries()) {
    const [first, last, country, phone] = person;
    await send(base, '/webhooks/google-ads', googleBody(`demo-g-${i + 1}`, person));
    const leadgenId = `91000000000000${String(i + 1).padStart(2, '0')}`;
    await fetch(`${graphBase}/__fake/leads`, {
      method: 'POST',
      body: JSON.stringify({
        id: leadgenId,
        token: DEMO_LEADS.meta.accessToken,
        lead: {
          id: leadgenId,
          created_time: new Date().toISOString().replace('Z', '+0000'),
          form_id: '55500001',
          ad_id: '77700001',
          field_data: [
            { name: 'full_name', values: [`${first} ${last}`] },
            { name: 'email', values: [`${first}.meta${i}@example.com`.toLowerCase()] },
            { name: 'phone_number', values: [phone] },
            { name: 'country', values: [country] },
          ],
        },
      }),
    });
    const note = metaNotification(leadgenId);
    await send(base, '/webhooks/meta', note, { 'x-hub-signature-256': metaSignature(note) });
    await send(
      base,
      `/webhooks/leads/${DEMO_LEADS.website.name}`,
      JSON.stringify({
        id: `web-${i + 1}`,
        first_name: first,
        last_name: last,
        email: `${first}.web${i}@example.com`.toLowerCase(),
        phone,
        country,
        message: 'Please tell me more about the starter kit.',
        utm_source: 'newsletter',
      }),
      { authorization: `Bearer ${DEMO_LEADS.website.token}` },
    );
  }
}

/** Moves a lead to its demo state; `owner` works it (assigned to them first). */
async function work(gql, admin, lead, state, owner) {
  if (state === 'NEW') return mutate(gql, admin, 'assignLead', { id: lead.id, distributorId: owner.id });
  await mutate(gql, admin, 'assignLead', { id: lead.id, distributorId: owner.id });
  await mutate(gql, owner.token, 'setLeadStatus', { id: lead.id, status: 'CONTACTED' });
  if (state === 'QUALIFIED' || state === 'CONVERTED')
    await mutate(gql, owner.token, 'setLeadStatus', { id: lead.id, status: 'QUALIFIED' });
  if (state === 'LOST')
    await mutate(gql, owner.token, 'setLeadStatus', {
      id: lead.id,
      status: 'LOST',
      reason: 'Chose another brand.',
    });
  if (state === 'CONVERTED')
    await mutate(gql, owner.token, 'convertLead', { id: lead.id, to: 'CUSTOMER', locale: owner.locale });
}

export async function seedLeads(gql, admin, base, graphBase, owners, progress = () => {}) {
  progress('lead sources');
  await mutate(gql, admin, 'setGoogleLeadForm', { ...DEMO_LEADS.google, name: 'Winter campaign form' });
  await mutate(gql, admin, 'setMetaLeadPage', {
    pageId: DEMO_LEADS.meta.pageId,
    accessToken: DEMO_LEADS.meta.accessToken,
    name: 'Demo Wellness page',
  });
  await mutate(gql, admin, 'setLeadSource', {
    name: DEMO_LEADS.website.name,
    auth: 'TOKEN',
    secret: DEMO_LEADS.website.token,
    fieldMapping: [{ from: 'id', to: 'EXTERNAL_ID' }],
  });
  progress('leads through the webhooks');
  await deliverAll(base, graphBase);
  const expected = PEOPLE.length * 3;
  const leads = await waitFor('the leads to be processed', async () => {
    const data = await gql(
      '{ leads(first: 100) { edges { node { id source externalId status } } } }',
      {},
      admin,
    );
    const nodes = data.leads.edges.map((e) => e.node);
    return nodes.length >= expected ? nodes : null;
  });
  progress('working the leads');
  for (const source of ['GOOGLE_ADS', 'META', 'GENERIC']) {
    const mine = leads
      .filter((l) => l.source === source)
      .sort((a, b) => a.externalId.localeCompare(b.externalId));
    for (const [i, lead] of mine.entries())
      await work(gql, admin, lead, STATES[i], owners[i % owners.length]);
  }
  return { leads: leads.length };
}
