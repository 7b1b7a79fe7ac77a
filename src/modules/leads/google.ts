// Google Ads lead form webhook payloads: one lead per POST.

import { idText, isObject, type JsonValue, parseJsonLossless, scalarText } from './json';
import { conventionalField, emptyLead, type LeadField, type NormalizedLead, setField } from './model';

/** Google's column ids (the API enum's GIVEN_NAME/FAMILY_NAME spellings too) -> standard fields. */
const COLUMNS: Record<string, LeadField> = {
  FULL_NAME: 'FULL_NAME',
  FIRST_NAME: 'FIRST_NAME',
  GIVEN_NAME: 'FIRST_NAME',
  LAST_NAME: 'LAST_NAME',
  FAMILY_NAME: 'LAST_NAME',
  EMAIL: 'EMAIL',
  WORK_EMAIL: 'EMAIL',
  PHONE_NUMBER: 'PHONE',
  WORK_PHONE: 'PHONE',
  STREET_ADDRESS: 'STREET_ADDRESS',
  POSTAL_CODE: 'POSTAL_CODE',
  CITY: 'CITY',
  REGION: 'REGION',
  COUNTRY: 'COUNTRY',
  COMPANY_NAME: 'COMPANY_NAME',
  JOB_TITLE: 'JOB_TITLE',
};

export interface GoogleEnvelope {
  leadId: string;
  formId: string;
  googleKey: string;
  body: { [key: string]: JsonValue };
}

export type GoogleParse =
  | { ok: true; envelope: GoogleEnvelope }
  | { ok: false; status: 400 | 403; reason: string };

/**
 * Parses the raw body. Trailing commas are accepted: Google's own published sample has one, and the
 * key check, not the syntax, is what protects the endpoint. The sample also spells "Google_key": any
 * capitalisation of google_key is accepted.
 */
export function parseGoogleBody(text: string): GoogleParse {
  let parsed: JsonValue;
  try {
    parsed = parseJsonLossless(text, { allowTrailingCommas: true });
  } catch (e) {
    return { ok: false, status: 400, reason: `Malformed JSON: ${(e as Error).message}` };
  }
  if (!isObject(parsed)) return { ok: false, status: 400, reason: 'The body is not a JSON object.' };
  const keyProp = Object.keys(parsed).find((k) => k.toLowerCase() === 'google_key');
  const googleKey = keyProp ? parsed[keyProp] : undefined;
  if (typeof googleKey !== 'string' || googleKey === '')
    return { ok: false, status: 403, reason: 'google_key missing.' };
  const leadId = typeof parsed.lead_id === 'string' ? parsed.lead_id.trim() : '';
  if (leadId === '' || leadId.length > 500) return { ok: false, status: 400, reason: 'lead_id missing.' };
  const formId = idText(parsed.form_id);
  if (!formId) return { ok: false, status: 400, reason: 'form_id missing.' };
  if (parsed.user_column_data !== undefined && !Array.isArray(parsed.user_column_data))
    return { ok: false, status: 400, reason: 'user_column_data is not a list.' };
  return { ok: true, envelope: { leadId, formId, googleKey, body: parsed } };
}

export function normalizeGoogle(envelope: GoogleEnvelope): NormalizedLead {
  const b = envelope.body;
  const lead = emptyLead('GOOGLE_ADS', envelope.leadId);
  lead.isTest = b.is_test === true || scalarText(b.is_test) === 'true';
  lead.formId = envelope.formId;
  lead.campaignId = idText(b.campaign_id);
  lead.adgroupId = idText(b.adgroup_id);
  lead.creativeId = idText(b.creative_id);
  lead.assetGroupId = idText(b.asset_group_id);
  lead.gclId = typeof b.gcl_id === 'string' && b.gcl_id !== '' ? b.gcl_id : null;
  if (typeof b.lead_submit_time === 'string') setField(lead, 'SUBMITTED_AT', b.lead_submit_time);
  const columns = Array.isArray(b.user_column_data) ? b.user_column_data : [];
  for (const col of columns) {
    if (!isObject(col)) continue;
    const id = typeof col.column_id === 'string' ? col.column_id : '';
    const label = typeof col.column_name === 'string' ? col.column_name : null;
    const value = scalarText(col.string_value) ?? '';
    const standard = COLUMNS[id.toUpperCase()];
    if (standard) {
      setField(lead, standard, value);
      continue;
    }
    // A custom question: kept as an answer. One asking for a referral code or a UTM tag also feeds routing.
    if (value.trim() !== '') lead.answers.push({ key: id, label, value });
    const conventional = conventionalField(id) ?? (label ? conventionalField(label) : null);
    if (conventional === 'REFERRAL_CODE' || conventional?.startsWith('UTM_'))
      setField(lead, conventional, value);
  }
  return lead;
}
