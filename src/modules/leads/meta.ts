// Meta lead ads: the signed notification names new leads; their answers come from the Graph API.
import type { Env } from '../../env';
import { hmacSha256Hex } from './crypto';
import { idText, isObject, type JsonValue, parseJsonLossless } from './json';
import { conventionalField, emptyLead, type LeadField, type NormalizedLead, setField } from './model';

export interface MetaChange {
  leadgenId: string;
  pageId: string | null;
  formId: string | null;
  adId: string | null;
  adgroupId: string | null;
  createdTime: string | null;
}

export type MetaParse = { ok: true; changes: MetaChange[] } | { ok: false; reason: string };

/** Leadgen changes of a (signature-checked) notification; other fields and objects are ignored. */
export function parseMetaNotification(text: string): MetaParse {
  let body: JsonValue;
  try {
    body = parseJsonLossless(text);
  } catch (e) {
    return { ok: false, reason: `Malformed JSON: ${(e as Error).message}` };
  }
  if (!isObject(body) || !Array.isArray(body.entry)) return { ok: false, reason: 'No entry list.' };
  const changes: MetaChange[] = [];
  const seen = new Set<string>();
  for (const entry of body.entry) {
    if (!isObject(entry) || !Array.isArray(entry.changes)) continue;
    for (const change of entry.changes) {
      if (!isObject(change) || change.field !== 'leadgen' || !isObject(change.value)) continue;
      const v = change.value;
      const leadgenId = idText(v.leadgen_id);
      if (!leadgenId || !/^\d{1,30}$/.test(leadgenId) || seen.has(leadgenId)) continue;
      seen.add(leadgenId);
      const created = v.created_time;
      changes.push({
        leadgenId,
        pageId: idText(v.page_id) ?? idText(entry.id),
        formId: idText(v.form_id),
        adId: idText(v.ad_id),
        adgroupId: idText(v.adgroup_id),
        // Unix seconds in notifications.
        createdTime:
          created != null && /^\d+$/.test(String(created))
            ? new Date(Number(String(created)) * 1000).toISOString()
            : null,
      });
    }
  }
  return { ok: true, changes };
}

/** A Graph API failure; `permanent` ones are not retried (bad token, missing lead, no permission). */
export class GraphError extends Error {
  override name = 'GraphError';
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

const TRANSIENT_CODES = new Set([1, 2, 4, 17, 32, 341, 368, 613, 80001, 80004]);

export interface GraphLead {
  id: string;
  created_time?: string;
  ad_id?: string;
  adset_id?: string;
  campaign_id?: string;
  form_id?: string;
  is_organic?: boolean;
  field_data?: { name: string; values: string[] }[];
}

/** GET <GRAPH_API_BASE>/<leadgen_id> with the Page token and its appsecret_proof. */
export async function fetchGraphLead(env: Env, leadgenId: string, accessToken: string): Promise<GraphLead> {
  const base = (env.GRAPH_API_BASE ?? 'https://graph.facebook.com/v21.0').replace(/\/+$/, '');
  const url = new URL(`${base}/${leadgenId}`);
  url.searchParams.set('fields', 'id,created_time,ad_id,adset_id,campaign_id,form_id,is_organic,field_data');
  url.searchParams.set('access_token', accessToken);
  if (env.META_APP_SECRET)
    url.searchParams.set('appsecret_proof', await hmacSha256Hex(env.META_APP_SECRET, accessToken));
  const request = new Request(url, { headers: { accept: 'application/json' } });
  let res: Response;
  try {
    res = await (env.GRAPH_API ? env.GRAPH_API.fetch(request) : fetch(request));
  } catch (e) {
    throw new GraphError(`Graph API unreachable: ${(e as Error).message}`, false);
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new GraphError(`Graph API answered ${res.status} with a non-JSON body.`, false);
  }
  const err = (body as { error?: { message?: string; code?: number; type?: string } }).error;
  if (!res.ok || err) {
    const code = err?.code ?? 0;
    const permanent = res.status < 500 && err != null && !TRANSIENT_CODES.has(code);
    throw new GraphError(`Graph API ${res.status} (code ${code}): ${err?.message ?? 'error'}`, permanent);
  }
  // Ids are read from the raw text too: never through a JS number.
  const lossless = parseJsonLossless(text);
  const b = body as GraphLead;
  if (!isObject(lossless)) throw new GraphError('Graph API answered an unexpected shape.', false);
  return {
    ...b,
    id: idText(lossless.id) ?? leadgenId,
    ad_id: idText(lossless.ad_id) ?? undefined,
    adset_id: idText(lossless.adset_id) ?? undefined,
    campaign_id: idText(lossless.campaign_id) ?? undefined,
    form_id: idText(lossless.form_id) ?? undefined,
  };
}

/** Meta's conventional field names (and the names its form builder gives standard questions). */
const META_FIELDS: Record<string, LeadField> = {
  full_name: 'FULL_NAME',
  first_name: 'FIRST_NAME',
  last_name: 'LAST_NAME',
  email: 'EMAIL',
  work_email: 'EMAIL',
  phone_number: 'PHONE',
  work_phone_number: 'PHONE',
  street_address: 'STREET_ADDRESS',
  zip_code: 'POSTAL_CODE',
  post_code: 'POSTAL_CODE',
  postal_code: 'POSTAL_CODE',
  city: 'CITY',
  state: 'REGION',
  province: 'REGION',
  country: 'COUNTRY',
  company_name: 'COMPANY_NAME',
  job_title: 'JOB_TITLE',
};

/** "2026-11-20T10:00:00+0000" (Graph's format) as ISO-8601 UTC. */
function graphTime(t: string | undefined): string | null {
  if (!t) return null;
  const ms = Date.parse(t.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

export function normalizeMeta(change: MetaChange, graph: GraphLead): NormalizedLead {
  const lead = emptyLead('META', change.leadgenId);
  lead.pageId = change.pageId;
  lead.formId = graph.form_id ?? change.formId;
  lead.adId = graph.ad_id ?? change.adId;
  lead.adgroupId = graph.adset_id ?? change.adgroupId;
  lead.campaignId = graph.campaign_id ?? null;
  lead.submittedAt = graphTime(graph.created_time) ?? change.createdTime;
  for (const f of graph.field_data ?? []) {
    if (!f || typeof f.name !== 'string') continue;
    const value = (Array.isArray(f.values) ? f.values : []).map(String).join(', ');
    const standard = META_FIELDS[f.name.toLowerCase()];
    if (standard) {
      setField(lead, standard, value);
      continue;
    }
    if (value.trim() !== '') lead.answers.push({ key: f.name, label: null, value });
    const conventional = conventionalField(f.name);
    if (conventional === 'REFERRAL_CODE' || conventional?.startsWith('UTM_'))
      setField(lead, conventional, value);
  }
  return lead;
}
