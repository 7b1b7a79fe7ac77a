// Two ways to put a generated network into the database through the worker's public API:
// - importNetwork: the bulk genealogy import (create, PUT the NDJSON parts, start, poll until DONE);
// - enrollNetwork: one enrollDistributor mutation per member (slow; for small networks and for
//   comparing the two paths).

import { readFileSync } from 'node:fs';
import { globalId, localId } from './client.mjs';
import { ENROLL } from './queries.mjs';

const CREATE_IMPORT = `mutation CreateImport($input: CreateGenealogyImportInput!) {
  createGenealogyImport(input: $input) {
    __typename
    ... on MutationCreateGenealogyImportSuccess { import { id } }
    ... on Error { message }
  }
}`;

const START_IMPORT = `mutation StartImport($input: StartGenealogyImportInput!) {
  startGenealogyImport(input: $input) {
    __typename
    ... on Error { message }
  }
}`;

const IMPORT_STATUS = `query ImportStatus($id: ID!) {
  genealogyImport(id: $id) {
    status
    progress { step done total }
    totalRows
    issues(first: 10) { line message }
  }
}`;

export async function hasImportApi(client) {
  const data = await client.post('{ __type(name: "Mutation") { fields { name } } }');
  return data.__type.fields.some((f) => f.name === 'createGenealogyImport');
}

function expectSuccess(result, what) {
  if (!result.__typename.endsWith('Success'))
    throw new Error(`${what} failed: ${result.__typename}: ${result.message ?? JSON.stringify(result)}`);
  return result;
}

/** Imports the NDJSON parts; returns timings in milliseconds. `log` gets progress lines. */
export async function importNetwork(
  client,
  parts,
  { log = () => {}, pollMs = 200, timeoutMs = 30 * 60_000 },
) {
  const t0 = performance.now();
  const created = expectSuccess(
    (await client.post(CREATE_IMPORT, { input: { format: 'NDJSON' } })).createGenealogyImport,
    'createGenealogyImport',
  );
  const id = created.import.id;
  const tUpload = performance.now();
  for (let n = 0; n < parts.length; n++) {
    const res = await fetch(`${client.base}/imports/genealogy/${encodeURIComponent(id)}/parts/${n + 1}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${client.token}`, 'content-type': 'application/x-ndjson' },
      body: readFileSync(parts[n].file),
    });
    if (!res.ok)
      throw new Error(`PUT part ${n + 1}: HTTP ${res.status}: ${(await res.text()).slice(0, 500)}`);
    await res.arrayBuffer();
  }
  const uploadMs = performance.now() - tUpload;
  log(`  uploaded ${parts.length} part(s) in ${(uploadMs / 1000).toFixed(1)} s`);
  expectSuccess(
    (await client.post(START_IMPORT, { input: { id } })).startGenealogyImport,
    'startGenealogyImport',
  );
  const tStart = performance.now();
  // When each status/step was first seen (seconds since start), to show where the import spends its time.
  const steps = [];
  let last = '';
  for (;;) {
    const imp = (await client.post(IMPORT_STATUS, { id })).genealogyImport;
    const line = `${imp.status} ${imp.progress ? `${imp.progress.step} ${imp.progress.done}/${imp.progress.total}` : ''}`;
    const step = `${imp.status}${imp.progress?.step ? ` ${imp.progress.step}` : ''}`;
    if (steps.at(-1)?.step !== step)
      steps.push({ step, atS: +((performance.now() - tStart) / 1000).toFixed(2) });
    if (line !== last) {
      log(`  ${((performance.now() - t0) / 1000).toFixed(1)} s: ${line}`);
      last = line;
    }
    if (imp.status === 'DONE') break;
    if (imp.status === 'REJECTED' || imp.status === 'FAILED') {
      const issues = (imp.issues ?? []).map((i) => `    line ${i.line}: ${i.message}`).join('\n');
      throw new Error(`import ${imp.status}:\n${issues}`);
    }
    if (performance.now() - t0 > timeoutMs) throw new Error(`import not done after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
  const end = performance.now();
  return { totalMs: end - t0, uploadMs, processMs: end - tStart, steps };
}

/** Enrolls every row of the parts in order, with its explicit placement; returns timings. */
export async function enrollNetwork(client, parts, { log = () => {} }) {
  const t0 = performance.now();
  const ids = new Map();
  let count = 0;
  for (const part of parts) {
    for (const line of readFileSync(part.file, 'utf8').split('\n')) {
      if (!line) continue;
      const r = JSON.parse(line);
      const input = {
        firstName: r.firstName,
        lastName: r.lastName,
        email: r.email,
        country: r.country,
        locale: r.locale,
        externalId: r.externalId,
        joinedAt: r.joinedAt,
        ...(r.sponsorExternalId ? { sponsorId: globalId(ids.get(r.sponsorExternalId)) } : {}),
        ...(r.placementParentExternalId
          ? {
              placementParentId: globalId(ids.get(r.placementParentExternalId)),
              placementPosition: r.placementPosition,
            }
          : {}),
      };
      const res = expectSuccess((await client.post(ENROLL, { input })).enrollDistributor, 'enroll');
      ids.set(r.externalId, localId(res.distributor.id));
      if (++count % 1000 === 0) log(`  enrolled ${count}`);
    }
  }
  const totalMs = performance.now() - t0;
  return { totalMs, uploadMs: 0, processMs: totalMs };
}
