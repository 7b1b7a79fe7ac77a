import { env, SELF } from 'cloudflare:test';
import { globalId, gqlOk, localId } from '../helpers';

// Offer test helpers: everything through the real API (GraphQL and the public link).

export const OFFER_FIELDS = `id status currency country locale vatRateBp validUntil note terms net vat gross
  lines { position sku name quantity unitPrice discountBp unitNet lineNet }
  link { path pdfPath } order { id status total kind } supersedes { id } supersededBy { id }
  decidedAt decisionIp decisionUserAgent`;

const result = (success: string) => `{ __typename
  ... on ${success} { offer { ${OFFER_FIELDS} } }
  ... on Error { message } ... on ValidationError { issues { path message code } } ... on ConflictError { code } }`;

export const CREATE_OFFER = `mutation($input: CreateOfferInput!) { createOffer(input: $input) ${result('MutationCreateOfferSuccess')} }`;
export const REVISE_OFFER = `mutation($input: ReviseOfferInput!) { reviseOffer(input: $input) ${result('MutationReviseOfferSuccess')} }`;
export const SEND_OFFER = `mutation($input: SendOfferInput!) { sendOffer(input: $input) ${result('MutationSendOfferSuccess')} }`;
export const REVOKE_LINK = `mutation($input: OfferIdInput!) { revokeOfferLink(input: $input) ${result('MutationRevokeOfferLinkSuccess')} }`;

export type Line = [product: number, quantity: number, discountBp?: number];

export function offerInput(
  to: { customer?: number; lead?: number },
  lines: Line[],
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    ...(to.customer ? { customerId: globalId('Customer', to.customer) } : {}),
    ...(to.lead ? { leadId: globalId('Lead', to.lead) } : {}),
    lines: lines.map(([p, q, d]) => ({
      productId: globalId('Product', p),
      quantity: q,
      ...(d != null ? { discountBp: d } : {}),
    })),
    validUntil: inDays(14),
    ...extra,
  };
}

export function inDays(n: number): string {
  return new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
}

export async function tryCreate(token: string, input: Record<string, unknown>): Promise<any> {
  return (await gqlOk(CREATE_OFFER, { input }, token)).createOffer;
}

export async function createOffer(token: string, input: Record<string, unknown>): Promise<any> {
  const r = await tryCreate(token, input);
  if (r.__typename !== 'MutationCreateOfferSuccess') throw new Error(`createOffer: ${JSON.stringify(r)}`);
  return r.offer;
}

export async function send(token: string, offerId: string): Promise<any> {
  const r = (await gqlOk(SEND_OFFER, { input: { id: offerId } }, token)).sendOffer;
  if (r.__typename !== 'MutationSendOfferSuccess') throw new Error(`sendOffer: ${JSON.stringify(r)}`);
  return r.offer;
}

export async function page(
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; html: string; res: Response }> {
  const res = await SELF.fetch(`http://localhost${path}`, { redirect: 'manual', ...init });
  return { status: res.status, html: await res.text(), res };
}

/** The hidden form token of the accept form on an offer page. */
export function formTokenOf(html: string): string {
  const m = /name="t" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no form token on the page');
  return m[1];
}

export function post(path: string, t: string, headers: Record<string, string> = {}) {
  return page(path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ t }).toString(),
  });
}

export async function count(sql: string, ...params: unknown[]): Promise<number> {
  return (await env.DB.prepare(sql)
    .bind(...params)
    .first<{ n: number }>())!.n;
}

export async function offerRow(gid: string): Promise<Record<string, any>> {
  return (await env.DB.prepare('SELECT * FROM offer WHERE id = ?').bind(localId(gid)).first())!;
}

/** A lead assigned to a distributor (leads arrive by webhook; the table is written directly here). */
export async function insertLead(
  owner: number,
  extra: { name?: string; country?: string } = {},
): Promise<number> {
  const now = new Date().toISOString();
  const row = await env.DB.prepare(
    `INSERT INTO lead (source, external_id, status, full_name, email, country_code, assigned_distributor_id, created_at,
       updated_at) VALUES ('GENERIC', ?, 'NEW', ?, ?, ?, ?, ?, ?) RETURNING id`,
  )
    .bind(
      `ext-${Math.random().toString(36).slice(2)}`,
      extra.name ?? 'Lena Lead',
      `lead-${Math.random().toString(36).slice(2, 8)}@test.example`,
      extra.country ?? 'PL',
      owner,
      now,
      now,
    )
    .first<{ id: number }>();
  return row!.id;
}
