import { SELF } from 'cloudflare:test';
import { expect } from 'vitest';
import { gqlOk } from '../helpers';

// Helpers of the queued prospect-import tests: the API as a staff client uses it for a large contact file.

export const PROSPECT_IMPORT_FIELDS = `id status format totalContacts error issueCount owner { id }
  progress { step done total } issues(first: 1000) { line message }`;

export async function createProspectImport(token: string, format: 'CSV' | 'VCARD', ownerId: string) {
  return (
    await gqlOk(
      `mutation($input: CreateProspectImportInput!) { createProspectImport(input: $input) { __typename
        ... on MutationCreateProspectImportSuccess { import { id status } }
        ... on ValidationError { issues { path code } } } }`,
      { input: { format, ownerId } },
      token,
    )
  ).createProspectImport;
}

export async function newProspectImport(token: string, format: 'CSV' | 'VCARD', ownerId: string) {
  const r = await createProspectImport(token, format, ownerId);
  expect(r.import.status).toBe('UPLOADING');
  return r.import.id as string;
}

export function putProspectPart(id: string, partNo: number, body: string, token?: string) {
  return SELF.fetch(`http://localhost/imports/prospects/${id}/parts/${partNo}`, {
    method: 'PUT',
    headers: token ? { authorization: `Bearer ${token}` } : {},
    body,
  });
}

export async function startProspectImport(token: string, id: string) {
  return (
    await gqlOk(
      `mutation($id: ID!) { startProspectImport(input: { id: $id }) { __typename
        ... on MutationStartProspectImportSuccess { import { status } } ... on Error { message } } }`,
      { id },
      token,
    )
  ).startProspectImport;
}

export async function getProspectImport(token: string, id: string) {
  return (
    await gqlOk(`query($id: ID!) { prospectImport(id: $id) { ${PROSPECT_IMPORT_FIELDS} } }`, { id }, token)
  ).prospectImport;
}

/** Polls until the queued steps end the import (and lets its cleanup message run). */
export async function waitForProspectImport(token: string, id: string, timeoutMs = 25_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const imp = await getProspectImport(token, id);
    if (['DONE', 'REJECTED', 'FAILED'].includes(imp.status)) {
      await new Promise((r) => setTimeout(r, 50));
      return imp;
    }
    if (Date.now() > until) throw new Error(`import still ${imp.status}: ${JSON.stringify(imp.progress)}`);
    await new Promise((r) => setTimeout(r, 40));
  }
}

/** create, the parts in order, start, wait. */
export async function runProspectImport(
  token: string,
  format: 'CSV' | 'VCARD',
  ownerId: string,
  parts: string[],
) {
  const id = await newProspectImport(token, format, ownerId);
  for (const [k, part] of parts.entries())
    expect((await putProspectPart(id, k + 1, part, token)).status).toBe(200);
  expect((await startProspectImport(token, id)).__typename).toBe('MutationStartProspectImportSuccess');
  return { id, imp: await waitForProspectImport(token, id) };
}

/** n contacts as CSV data lines (";"-separated, the header apart), numbered from `from`. */
export function contactLines(prefix: string, from: number, n: number): string {
  let out = '';
  for (let i = from; i < from + n; i++)
    out += `${prefix}${i};Person;${prefix.toLowerCase()}${i}@example.com;NEW\r\n`;
  return out;
}

export const CONTACT_HEADER = 'Fornavn;Efternavn;E-mail;Status\r\n';
