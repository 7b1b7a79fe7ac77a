import { env } from 'cloudflare:test';
import { gqlOk } from '../helpers';

// CRM test helpers: GraphQL documents and a snapshot of every CRM table (to prove a refusal wrote nothing).

export const PROSPECT_FIELDS = 'id firstName lastName email phone status nextStep nextStepDate source';

export const CREATE_PROSPECT = `mutation($input: CreateProspectInput!) { createProspect(input: $input) { __typename
  ... on MutationCreateProspectSuccess { prospect { ${PROSPECT_FIELDS} } }
  ... on Error { message } ... on ValidationError { issues { path message } } } }`;

export const UPDATE_PROSPECT = `mutation($input: UpdateProspectInput!) { updateProspect(input: $input) { __typename
  ... on MutationUpdateProspectSuccess { prospect { ${PROSPECT_FIELDS} } }
  ... on Error { message } ... on ValidationError { issues { path message } } } }`;

export const IMPORT_PROSPECTS = `mutation($input: ImportProspectsInput!) { importProspects(input: $input) { __typename
  ... on MutationImportProspectsSuccess { result { count prospects { ${PROSPECT_FIELDS} } } }
  ... on ImportRejectedError { message lines { line message } }
  ... on Error { message } ... on ValidationError { issues { path message } } } }`;

export const RECORD_ACTIVITY = `mutation($input: RecordActivityInput!) { recordActivity(input: $input) { __typename
  ... on MutationRecordActivitySuccess { activity { id kind body author subject { __typename } } }
  ... on Error { message } ... on ValidationError { issues { path message } } } }`;

export const CREATE_TASK = `mutation($input: CreateTaskInput!) { createTask(input: $input) { __typename
  ... on MutationCreateTaskSuccess { task { id kind title dueDate done subject { __typename } } }
  ... on Error { message } ... on ValidationError { issues { path message } } } }`;

export const SEARCH = `query($q: String!, $kinds: [PersonKind!], $first: Int, $after: String) {
  searchPeople(query: $q, kinds: $kinds, first: $first, after: $after) {
    edges { cursor node { id kind name email phone } } pageInfo { hasNextPage endCursor } } }`;

export async function createProspect(token: string, input: Record<string, unknown>): Promise<string> {
  const r = (await gqlOk(CREATE_PROSPECT, { input }, token)).createProspect;
  if (r.__typename !== 'MutationCreateProspectSuccess') throw new Error(JSON.stringify(r));
  return r.prospect.id;
}

export async function search(
  token: string,
  q: string,
  kinds?: string[],
): Promise<{ kind: string; name: string; id: string }[]> {
  const data = await gqlOk(SEARCH, { q, kinds, first: 50 }, token);
  return data.searchPeople.edges.map((e: any) => e.node);
}

export async function crmState(): Promise<string> {
  const tables = ['prospect', 'activity', 'task', 'feedback', 'dormant_member', 'crm_rule'];
  const results = await env.DB.batch(tables.map((t) => env.DB.prepare(`SELECT * FROM ${t} ORDER BY 1, 2`)));
  return JSON.stringify(results.map((r) => r.results));
}
