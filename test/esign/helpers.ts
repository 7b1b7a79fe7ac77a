import { env, SELF } from 'cloudflare:test';
import { gqlOk, localId } from '../helpers';
import { createOffer, formTokenOf, offerInput, page, post, send } from '../offers/helpers';

// Electronic signature test helpers: the company's choice, an offer accepted on its public page, the fakes.

export async function chooseProvider(admin: string, offerProvider: 'NONE' | 'AUTENTI' | 'DOCUMENSO') {
  const r = await gqlOk(
    `mutation($input: UpdateEsignSettingsInput!) { updateEsignSettings(input: $input) { __typename
      ... on MutationUpdateEsignSettingsSuccess { settings { offerProvider } } ... on Error { message } } }`,
    { input: { offerProvider } },
    admin,
  );
  if (r.updateEsignSettings.__typename !== 'MutationUpdateEsignSettingsSuccess')
    throw new Error(JSON.stringify(r.updateEsignSettings));
}

/** A sent offer for `customer`, accepted on its public page: answers the offer's local id and the accept. */
export async function acceptedOffer(
  token: string,
  customer: number,
  product: number,
): Promise<{ offerId: number; path: string; accept: { status: number; html: string } }> {
  const o = await createOffer(token, offerInput({ customer }, [[product, 2]]));
  const sent = await send(token, o.id);
  const view = await page(sent.link.path);
  const accept = await post(`${sent.link.path}/accept`, formTokenOf(view.html), {
    'cf-connecting-ip': '198.51.100.4',
    'user-agent': 'SignTest/1.0',
  });
  return { offerId: localId(o.id), path: sent.link.path, accept };
}

export const fake = async (binding: Fetcher, path: string, body?: unknown): Promise<any> => {
  const res = await binding.fetch(`https://fake.test${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return res.json();
};

export const autenti = (path: string, body?: unknown) => fake(env.AUTENTI_API!, path, body);
export const documenso = (path: string, body?: unknown) => fake(env.DOCUMENSO_API!, path, body);

export async function postAutenti(body: string, signature: string | null) {
  const res = await SELF.fetch('http://localhost/webhooks/esign/autenti', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(signature ? { 'x-jws-signature': signature } : {}) },
    body,
  });
  return { status: res.status, body: (await res.json()) as any };
}

export async function postDocumenso(body: string, secret: string | null, deliveryId: string) {
  const res = await SELF.fetch('http://localhost/webhooks/esign/documenso', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-documenso-delivery-id': deliveryId,
      ...(secret ? { 'x-documenso-secret': secret } : {}),
    },
    body,
  });
  return { status: res.status, body: (await res.json()) as any };
}

export async function requestOfOffer(offerId: number): Promise<Record<string, any> | null> {
  return env.DB.prepare("SELECT * FROM signature_request WHERE document_type = 'OFFER' AND subject_id = ?")
    .bind(offerId)
    .first();
}

/** Everything a callback could write, to compare before and after a refused one. */
export async function esignState(): Promise<string> {
  const parts = await env.DB.batch([
    env.DB.prepare('SELECT * FROM signature_request ORDER BY id'),
    env.DB.prepare('SELECT * FROM signature_event ORDER BY id'),
    env.DB.prepare('SELECT id, status, order_id FROM offer ORDER BY id'),
    env.DB.prepare("SELECT id FROM job WHERE kind = 'esign' ORDER BY id"),
    env.DB.prepare("SELECT key FROM stored_file WHERE key LIKE 'esign/%' ORDER BY key"),
  ]);
  return JSON.stringify(parts.map((p) => p.results));
}

export async function sha256Hex(bytes: ArrayBuffer | Uint8Array): Promise<string> {
  const d = await crypto.subtle.digest('SHA-256', new Uint8Array(bytes));
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
