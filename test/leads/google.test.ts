import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminToken, globalId } from '../helpers';
import {
  counts,
  intake,
  intakeFingerprint,
  leadNode,
  leadRow,
  postGoogle,
  setGoogleForm,
  waitForIntake,
} from './helpers';

// Google Ads lead form webhook through the real worker: key check, lossless ids, mapping, dedupe, refusals.

const FORM = '40000000001';
const KEY = 'form-key-4f1c9a7e';

/** Shaped like Google's published sample: "Google_key" spelling and a trailing comma included. */
function sampleBody(leadId: string, extra = '', key = KEY, formId = FORM): string {
  return `{
  "lead_id": "${leadId}",
  "user_column_data": [
    { "column_name": "Full Name", "string_value": "Zofia Wróbel", "column_id": "FULL_NAME" },
    { "column_name": "User Email", "string_value": "zofia@example.pl", "column_id": "EMAIL" },
    { "column_name": "User Phone", "string_value": "+48 600 100 200", "column_id": "PHONE_NUMBER" },
    { "string_value": "00-950", "column_id": "POSTAL_CODE" },
    { "column_name": "Country", "string_value": "PL", "column_id": "COUNTRY" },
    { "column_name": "Which product interests you?", "string_value": "Protein shake", "column_id": "product_interest" },
  ],
  "api_version": "1.0",
  "form_id": ${formId},
  "campaign_id": 9223372036854775807,
  "adgroup_id": 9007199254740993,
  "creative_id": 30000000000,
  "asset_group_id": 12345678901234567,
  "gcl_id": "EAIaIQobChMI-test",
  "lead_stage": "LEAD",
  "lead_submit_time": "2026-11-20T10:15:00Z",
  "future_field": {"ignored": [1, 2, 3]},
  "Google_key": "${key}",
  "is_test": true${extra},
}`;
}

let admin: string;

beforeAll(async () => {
  admin = await adminToken();
  await setGoogleForm(admin, FORM, KEY);
});

describe('Google Ads lead form webhook', () => {
  it('accepts the sample (trailing comma, Google_key), keeps the raw event, and creates the lead', async () => {
    const before = await counts();
    const body = sampleBody('lead-A-1');
    const res = await postGoogle(body);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'accepted' });

    const done = await waitForIntake('GOOGLE_ADS', 'lead-A-1');
    expect(done.status).toBe('DONE');
    const event = await env.DB.prepare('SELECT * FROM lead_event WHERE id = ?')
      .bind(done.event_id)
      .first<any>();
    expect(event.body).toBe(body); // byte for byte
    expect(event.source).toBe('GOOGLE_ADS');

    const row = await leadRow('GOOGLE_ADS', 'lead-A-1');
    const lead = await leadNode(globalId('Lead', row.id), admin);
    expect(lead).toMatchObject({
      __typename: 'Lead',
      source: 'GOOGLE_ADS',
      status: 'NEW',
      isTest: true,
      formId: FORM,
      // 64-bit ids survive exactly (JSON.parse would have rounded both).
      campaignId: '9223372036854775807',
      adGroupId: '9007199254740993',
      creativeId: '30000000000',
      assetGroupId: '12345678901234567',
      gclId: 'EAIaIQobChMI-test',
      fullName: 'Zofia Wróbel',
      email: 'zofia@example.pl',
      phone: '+48 600 100 200',
      postalCode: '00-950',
      country: 'PL',
      countryCode: 'PL',
      submittedAt: '2026-11-20T10:15:00.000Z',
      answers: [{ key: 'product_interest', label: 'Which product interests you?', value: 'Protein shake' }],
      inPool: true,
      assignedTo: null,
    });
    expect(lead.assignments).toEqual([
      expect.objectContaining({ reason: 'POOL', toPool: true, distributor: null, assignedBy: 'router' }),
    ]);
    const after = await counts();
    expect(after.events - before.events).toBe(1);
    expect(after.leads - before.leads).toBe(1);
    expect(after.rejections).toBe(before.rejections);
  });

  it('a redelivery changes nothing, even with different bytes for the same lead_id', async () => {
    await postGoogle(sampleBody('lead-B-1'));
    await waitForIntake('GOOGLE_ADS', 'lead-B-1');
    const before = await counts();
    const first = {
      intake: await intake('GOOGLE_ADS', 'lead-B-1'),
      lead: await leadRow('GOOGLE_ADS', 'lead-B-1'),
    };
    const again = await postGoogle(sampleBody('lead-B-1'));
    expect(again.status).toBe(200);
    // Whether it was new is settled by the consumer: the sender is told only that it was taken.
    expect(await again.json()).toEqual({ status: 'accepted' });
    const changed = await postGoogle(sampleBody('lead-B-1', ', "extra": "different bytes"'));
    expect(changed.status).toBe(200);
    // A fresh lead behind them: once it is done, the queue has handled both redeliveries.
    expect((await postGoogle(sampleBody('lead-B-2'))).status).toBe(200);
    expect((await waitForIntake('GOOGLE_ADS', 'lead-B-2')).status).toBe('DONE');
    await new Promise((r) => setTimeout(r, 300));
    const after = await counts();
    // Only the fresh lead was added: one raw event, intake, lead and assignment.
    expect({
      events: after.events - before.events,
      intakes: after.intakes - before.intakes,
      leads: after.leads - before.leads,
      assignments: after.assignments - before.assignments,
    }).toEqual({ events: 1, intakes: 1, leads: 1, assignments: 1 });
    expect(await intake('GOOGLE_ADS', 'lead-B-1')).toEqual(first.intake);
    expect(await leadRow('GOOGLE_ADS', 'lead-B-1')).toEqual(first.lead);
  });

  it('also accepts strict JSON with google_key, and a non-test lead is not marked', async () => {
    const body = JSON.stringify({
      lead_id: 'lead-C-1',
      user_column_data: [{ column_id: 'FIRST_NAME', string_value: 'Anna' }],
      form_id: FORM,
      campaign_id: '20000000000',
      google_key: KEY,
      is_test: false,
    });
    expect((await postGoogle(body)).status).toBe(200);
    await waitForIntake('GOOGLE_ADS', 'lead-C-1');
    const row = await leadRow('GOOGLE_ADS', 'lead-C-1');
    expect(row.is_test).toBe(0);
    expect(row.first_name).toBe('Anna');
    expect(row.campaign_id).toBe('20000000000');
  });

  it('refuses a wrong key, an unknown form and a missing key, storing only a rejection record', async () => {
    const before = await intakeFingerprint();
    const rejections = (await counts()).rejections;
    const wrong = await postGoogle(sampleBody('lead-X-1', '', 'not-the-key'));
    expect(wrong.status).toBe(403);
    const text = await wrong.text();
    expect(text).not.toContain('not-the-key');
    const unknown = await postGoogle(sampleBody('lead-X-2', '', KEY, '40000000999'));
    expect(unknown.status).toBe(403);
    const missing = await postGoogle(JSON.stringify({ lead_id: 'lead-X-3', form_id: FORM }));
    expect(missing.status).toBe(403);
    expect(await intakeFingerprint()).toBe(before);
    expect((await counts()).rejections).toBe(rejections + 3);
    const logged = await env.DB.prepare('SELECT * FROM lead_rejection ORDER BY id DESC LIMIT 3').all<any>();
    for (const r of logged.results) {
      expect(r.endpoint).toBe('/webhooks/google-ads');
      expect(r.http_status).toBe(403);
      expect(r.reason).not.toContain('not-the-key');
    }
  });

  it('refuses malformed JSON, a non-object, a missing lead_id and an oversized body', async () => {
    const before = await intakeFingerprint();
    expect((await postGoogle('{"lead_id": "x", "google_key": ')).status).toBe(400);
    expect((await postGoogle('[1, 2]')).status).toBe(400);
    expect((await postGoogle('{"a":1,,}')).status).toBe(400);
    expect((await postGoogle(JSON.stringify({ form_id: FORM, google_key: KEY }))).status).toBe(400);
    const huge = sampleBody('lead-X-4', `, "padding": "${'x'.repeat(70 * 1024)}"`);
    const big = await postGoogle(huge);
    expect(big.status).toBe(413);
    expect(await intakeFingerprint()).toBe(before);
  });
});
