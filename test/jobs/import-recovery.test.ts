import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JobMessage } from '../../src/jobs/messages';
import { markStarted } from '../../src/modules/orders/import/repository';
import { adminToken, enroll, globalId, gqlOk } from '../helpers';
import { createProduct, volumeMismatches } from '../orders/helpers';
import {
  commerceFingerprint,
  createOrderImport,
  getOrderImport,
  ndjson,
  putOrderPart,
  waitForOrderImport,
} from '../orders/import-helpers';
import { deliver, faultyDb, hourlyCron, jobRow, until } from './faults';

// An order import as a tracked job: a lost message is re-driven, a step that keeps failing while applying
// leaves the import APPLYING (its orders hidden) for staff to retry (it resumes) or cancel (it is undone).

let admin: string;
let activePv: number;
let member: number;

/** The queue a test holds in its hand: the next step a handler sends is kept here, not delivered. */
function heldQueue() {
  const held: JobMessage[] = [];
  const queue = {
    send: async (body: JobMessage) => void held.push(body),
    sendBatch: async (bs: { body: JobMessage }[]) => void held.push(...bs.map((b) => b.body)),
  };
  return { held, env: { ...env, JOBS: queue as unknown as Queue<JobMessage> } };
}

function orders(prefix: string, n: number) {
  const paidAt = new Date(Date.now() - 3_600_000).toISOString();
  return ndjson(
    Array.from({ length: n }, (_, i) => ({
      externalId: `${prefix}-${i}`,
      distributorId: member,
      status: 'PAID',
      paidAt,
      paymentReference: `${prefix}-pay-${i}`,
      createdAt: paidAt,
      lines: [{ sku: 'P1', quantity: 1 + (i % 3) }],
    })),
  );
}

/** An import uploaded and started as if the Worker died before its first message left. */
async function startedWithoutMessage(prefix: string) {
  const id = await createOrderImport(admin, 'NDJSON');
  expect((await putOrderPart(id, 1, orders(prefix, 12), admin)).status).toBe(200);
  const importId = Number(atob(id).split(':')[1]);
  await markStarted(env.DB, importId);
  return { id, importId, jobId: `orderImport:${importId}` };
}

const visibleOrders = async () =>
  (await gqlOk(`{ orders(first: 100) { edges { node { id } } } }`, {}, admin)).orders.edges.length;

const staff = async (name: 'retryJob' | 'cancelJob', key: string) =>
  (
    await gqlOk(
      `mutation($id: ID!) { ${name}(input: { id: $id }) { __typename ... on Error { message } } }`,
      { id: globalId('Job', key) },
      admin,
    )
  )[name].__typename;

/** Validates by hand, then fails the volume step (orders applied, volumes refused) until the job gives up. */
async function failInVolumeStep(importId: number, jobId: string) {
  const hand = heldQueue();
  await deliver([{ kind: 'orderImport.validate', importId, jobId }], { env: hand.env });
  expect(hand.held).toEqual([{ kind: 'orderImport.apply', importId, jobId }]);
  const locked = { ...hand.env, DB: faultyDb(/INSERT INTO volume/) };
  for (let attempt = 1; attempt <= 12; attempt++)
    await deliver([{ kind: 'orderImport.apply', importId, jobId }], { env: locked, attempts: attempt });
}

beforeAll(async () => {
  admin = await adminToken();
  activePv = (await env.DB.prepare('SELECT active_pv AS a FROM company_settings').first<{ a: number }>())!.a;
  await createProduct(admin, 'P1', { qv: 40, cv: 3000 });
  member = await enroll(admin, null);
});

describe('an order import as a tracked job', () => {
  it('a start whose message was lost is re-driven by the watchdog and ends DONE', async () => {
    const { id, jobId } = await startedWithoutMessage('lost');
    expect(await jobRow(jobId)).toMatchObject({ status: 'QUEUED', step: 'orderImport.validate' });
    await hourlyCron(21);
    expect((await waitForOrderImport(admin, id)).status).toBe('DONE');
    await until(
      () => jobRow(jobId),
      (j) => j?.status === 'DONE',
      'the job DONE',
    );
    expect(await visibleOrders()).toBe(12);
    expect(await volumeMismatches(activePv)).toEqual([]);
  });

  it('retries spent in the volume step leave it APPLYING with its orders hidden; a staff retry resumes it to DONE', async () => {
    const { id, importId, jobId } = await startedWithoutMessage('resume');
    await failInVolumeStep(importId, jobId);
    const job = (await jobRow(jobId))!;
    expect(job).toMatchObject({ status: 'FAILED', attempts: 12, step: 'orderImport.apply' });
    const imp = await getOrderImport(admin, id);
    expect(imp.status).toBe('APPLYING');
    expect(imp.error).toMatch(/^Stopped after its retries: .*injected fault.*Retry or cancel/);
    // The 12 orders are in the table, but nobody is shown an import that is not DONE.
    const stored = await env.DB.prepare('SELECT count(*) AS n FROM sales_order WHERE import_id = ?')
      .bind(importId)
      .first<{ n: number }>();
    expect(stored!.n).toBe(12);
    expect(await visibleOrders()).toBe(12);
    expect(await staff('retryJob', jobId)).toBe('MutationRetryJobSuccess');
    expect((await waitForOrderImport(admin, id)).status).toBe('DONE');
    expect((await getOrderImport(admin, id)).error).toBeNull();
    expect(await visibleOrders()).toBe(24);
    expect(await volumeMismatches(activePv)).toEqual([]);
  });

  it('a staff cancel of the failed job undoes what was applied', async () => {
    const before = await commerceFingerprint();
    const { id, importId, jobId } = await startedWithoutMessage('undo');
    await failInVolumeStep(importId, jobId);
    expect((await getOrderImport(admin, id)).status).toBe('APPLYING');
    expect(await staff('cancelJob', jobId)).toBe('MutationCancelJobSuccess');
    const imp = await waitForOrderImport(admin, id);
    expect(imp).toMatchObject({ status: 'FAILED', error: 'Cancelled by staff.' });
    expect(await commerceFingerprint()).toBe(before);
    expect((await jobRow(jobId))!.status).toBe('CANCELLED');
    expect(await visibleOrders()).toBe(24);
  });
});
