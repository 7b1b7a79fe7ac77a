// The shape every source is normalised to before routing and storage.

export const LEAD_SOURCES = ['GOOGLE_ADS', 'META', 'GENERIC'] as const;
export type LeadSource = (typeof LEAD_SOURCES)[number];

/** Standard lead fields a source field can map to (generic mappings name them). */
export const LEAD_FIELDS = [
  'EXTERNAL_ID',
  'FULL_NAME',
  'FIRST_NAME',
  'LAST_NAME',
  'EMAIL',
  'PHONE',
  'STREET_ADDRESS',
  'POSTAL_CODE',
  'CITY',
  'REGION',
  'COUNTRY',
  'COMPANY_NAME',
  'JOB_TITLE',
  'REFERRAL_CODE',
  'UTM_SOURCE',
  'UTM_MEDIUM',
  'UTM_CAMPAIGN',
  'UTM_TERM',
  'UTM_CONTENT',
  'CAMPAIGN_ID',
  'FORM_ID',
  'SUBMITTED_AT',
] as const;
export type LeadField = (typeof LEAD_FIELDS)[number];

export interface LeadAnswer {
  key: string;
  label: string | null;
  value: string;
}

export interface Utm {
  source?: string;
  medium?: string;
  campaign?: string;
  term?: string;
  content?: string;
}

export interface NormalizedLead {
  source: LeadSource;
  sourceName: string | null;
  externalId: string;
  isTest: boolean;
  formId: string | null;
  campaignId: string | null;
  adgroupId: string | null;
  creativeId: string | null;
  adId: string | null;
  assetGroupId: string | null;
  pageId: string | null;
  gclId: string | null;
  fullName: string | null;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  streetAddress: string | null;
  postalCode: string | null;
  city: string | null;
  region: string | null;
  country: string | null;
  companyName: string | null;
  jobTitle: string | null;
  referralCode: string | null;
  utm: Utm;
  /** Questions without a standard field, in the order sent. */
  answers: LeadAnswer[];
  submittedAt: string | null;
}

export function emptyLead(
  source: LeadSource,
  externalId: string,
  sourceName: string | null = null,
): NormalizedLead {
  return {
    source,
    sourceName,
    externalId,
    isTest: false,
    formId: null,
    campaignId: null,
    adgroupId: null,
    creativeId: null,
    adId: null,
    assetGroupId: null,
    pageId: null,
    gclId: null,
    fullName: null,
    firstName: null,
    lastName: null,
    email: null,
    phone: null,
    streetAddress: null,
    postalCode: null,
    city: null,
    region: null,
    country: null,
    companyName: null,
    jobTitle: null,
    referralCode: null,
    utm: {},
    answers: [],
    submittedAt: null,
  };
}

type TextKey = {
  [K in keyof NormalizedLead]: NormalizedLead[K] extends string | null ? K : never;
}[Exclude<keyof NormalizedLead, 'source'>];

const FIELD_KEYS: Partial<Record<LeadField, TextKey>> = {
  FULL_NAME: 'fullName',
  FIRST_NAME: 'firstName',
  LAST_NAME: 'lastName',
  EMAIL: 'email',
  PHONE: 'phone',
  STREET_ADDRESS: 'streetAddress',
  POSTAL_CODE: 'postalCode',
  CITY: 'city',
  REGION: 'region',
  COUNTRY: 'country',
  COMPANY_NAME: 'companyName',
  JOB_TITLE: 'jobTitle',
  REFERRAL_CODE: 'referralCode',
  CAMPAIGN_ID: 'campaignId',
  FORM_ID: 'formId',
};

const UTM_KEYS: Partial<Record<LeadField, keyof Utm>> = {
  UTM_SOURCE: 'source',
  UTM_MEDIUM: 'medium',
  UTM_CAMPAIGN: 'campaign',
  UTM_TERM: 'term',
  UTM_CONTENT: 'content',
};

/** Sets one standard field from text (blank text sets nothing; the first value wins for repeated fields). */
export function setField(lead: NormalizedLead, field: LeadField, raw: string): void {
  const value = raw.trim().slice(0, 2000);
  if (value === '') return;
  const key = FIELD_KEYS[field];
  const utm = UTM_KEYS[field];
  if (key) {
    if (lead[key] == null) lead[key] = value;
  } else if (utm) {
    if (lead.utm[utm] == null) lead.utm[utm] = value;
  } else if (field === 'SUBMITTED_AT' && lead.submittedAt == null) {
    const t = Date.parse(value);
    if (!Number.isNaN(t)) lead.submittedAt = new Date(t).toISOString();
  }
  // EXTERNAL_ID is read by the webhook (dedupe key), not stored as a field.
}

/** Field names senders commonly use, normalised (lower case, letters and digits only) -> standard field. */
const CONVENTIONAL: Record<string, LeadField> = {
  fullname: 'FULL_NAME',
  name: 'FULL_NAME',
  firstname: 'FIRST_NAME',
  givenname: 'FIRST_NAME',
  lastname: 'LAST_NAME',
  familyname: 'LAST_NAME',
  surname: 'LAST_NAME',
  email: 'EMAIL',
  emailaddress: 'EMAIL',
  workemail: 'EMAIL',
  phone: 'PHONE',
  phonenumber: 'PHONE',
  workphone: 'PHONE',
  mobile: 'PHONE',
  streetaddress: 'STREET_ADDRESS',
  address: 'STREET_ADDRESS',
  postalcode: 'POSTAL_CODE',
  postcode: 'POSTAL_CODE',
  zipcode: 'POSTAL_CODE',
  zip: 'POSTAL_CODE',
  city: 'CITY',
  region: 'REGION',
  state: 'REGION',
  province: 'REGION',
  country: 'COUNTRY',
  companyname: 'COMPANY_NAME',
  company: 'COMPANY_NAME',
  jobtitle: 'JOB_TITLE',
  referralcode: 'REFERRAL_CODE',
  refcode: 'REFERRAL_CODE',
  ref: 'REFERRAL_CODE',
  utmsource: 'UTM_SOURCE',
  utmmedium: 'UTM_MEDIUM',
  utmcampaign: 'UTM_CAMPAIGN',
  utmterm: 'UTM_TERM',
  utmcontent: 'UTM_CONTENT',
};

export function conventionalField(name: string): LeadField | null {
  return CONVENTIONAL[name.toLowerCase().replace(/[^a-z0-9]/g, '')] ?? null;
}

const COUNTRY_NAMES: Record<string, string> = {
  denmark: 'DK',
  danmark: 'DK',
  poland: 'PL',
  polska: 'PL',
  germany: 'DE',
  deutschland: 'DE',
  sweden: 'SE',
  sverige: 'SE',
  norway: 'NO',
  norge: 'NO',
  unitedkingdom: 'GB',
  uk: 'GB',
  unitedstates: 'US',
  usa: 'US',
  netherlands: 'NL',
  france: 'FR',
  austria: 'AT',
  switzerland: 'CH',
};

/** ISO alpha-2 of what a form sent as country ("dk", "Denmark", "Polska"), or null. */
export function countryCode(country: string | null): string | null {
  if (!country) return null;
  const t = country.trim();
  if (/^[A-Za-z]{2}$/.test(t)) return t.toUpperCase();
  return COUNTRY_NAMES[t.toLowerCase().replace(/[^a-z]/g, '')] ?? null;
}

/** Postal codes compared without spaces or dashes, upper case ("00-950" -> "00950"). */
export function normalizePostal(code: string | null): string | null {
  if (!code) return null;
  const t = code.toUpperCase().replace(/[\s-]/g, '');
  return t === '' ? null : t;
}
