import { env, SELF } from 'cloudflare:test';
import { expect } from 'vitest';
import { addMonths, monthInZone } from '../../src/lib/time';
import { unzipStored } from '../../src/lib/zip';
import { EXAMPLE_PLANS } from '../../src/modules/commissions/plans/examples';
import { explainer, last } from '../commissions/explain-helpers';
import { requestExport } from '../gdpr/helpers';
import { globalId, gqlOk, localId } from '../helpers';
import { deliver } from '../jobs/faults';

// Archive test helpers: everything a reader of a committed period's detailed rows answers, captured the same
// way before and after archiving (statements, explanations, a what-if, payout files, a GDPR export).

export { last };

/** A newer committed period (only its row: what makes `last` older than a horizon of 1). */
export async function newerCommittedPeriod(): Promise<string> {
  const newer = monthInZone(new Date(), 'Europe/Copenhagen');
  await env.DB.prepare(
    "INSERT OR IGNORE INTO commission_period (id, status, starts_at, ends_at) VALUES (?, 'COMMITTED', ?, ?)",
  )
    .bind(newer, `${newer}-01T00:00:00.000Z`, `${addMonths(newer, 1)}-01T00:00:00.000Z`)
    .run();
  return newer;
}

/** A converted lead of `distributor` whose raw webhook event was received mid-`period`. */
export async function leadEventIn(period: string, distributor: number): Promise<number> {
  const t = `${period}-15T10:00:00.000Z`;
  const tag = crypto.randomUUID();
  const event = await env.DB.prepare(
    `INSERT INTO lead_event (source, source_name, content_type, body, body_sha256, received_at)
     VALUES ('GENERIC', 'site', 'application/json', ?, ?, ?) RETURNING id`,
  )
    .bind(
      JSON.stringify({ name: 'Archived Lead', email: `${tag}@lead.example` }),
      tag.replaceAll('-', '').padEnd(64, '0'),
      t,
    )
    .first<{ id: number }>();
  const lead = await env.DB.prepare(
    `INSERT INTO lead (source, source_name, external_id, status, full_name, converted_distributor_id, converted_at, created_at, updated_at)
     VALUES ('GENERIC', 'site', ?, 'CONVERTED', 'Archived Lead', ?, ?, ?, ?) RETURNING id`,
  )
    .bind(tag, distributor, t, t, t)
    .first<{ id: number }>();
  await env.DB.prepare(
    `INSERT INTO lead_intake (source, external_id, event_id, status, lead_id, created_at, updated_at)
     VALUES ('GENERIC', ?, ?, 'DONE', ?, ?, ?)`,
  )
    .bind(tag, event!.id, lead!.id, t, t)
    .run();
  return event!.id;
}

const STATEMENT = `query($id: ID!, $p: String!) { distributor(id: $id) { statement(period: $p) {
  pv gv total payout paidAsRank lines { component level volume rateBasisPoints beforeCap amount } } } }`;

export async function statementOf(admin: string, id: number) {
  return (await gqlOk(STATEMENT, { id: globalId('Distributor', id), p: last }, admin)).distributor.statement;
}

export async function explanationsOf(admin: string, ids: number[]) {
  const explain = explainer(admin);
  const out: Record<number, unknown> = {};
  for (const id of ids) out[id] = await explain(id);
  return out;
}

export async function payoutFiles(admin: string) {
  const get = async (path: string) =>
    (
      await SELF.fetch(`http://localhost/payouts/${last}/${path}`, {
        headers: { authorization: `Bearer ${admin}` },
      })
    ).text();
  return { csv: await get('payouts.csv') };
}

/** A what-if of `last` under a draft (level 1 at 10 %): its summary and differences. */
export async function whatIf(admin: string, planVersionId: string) {
  const started = await gqlOk(
    `mutation($input: RunWhatIfInput!) { runWhatIf(input: $input) { ... on MutationRunWhatIfSuccess { run { id } } ... on Error { message } } }`,
    { input: { period: last, planVersionId } },
    admin,
  );
  const runId = started.runWhatIf.run.id;
  let run: any;
  for (let i = 0; i < 100; i++) {
    run = (
      await gqlOk(
        `query($id: ID!) { node(id: $id) { ... on WhatIfRun { status error summary { baseTotal newTotal change winners losers totalCv
          byRank { rank members winners losers change } }
          differences(first: 50, direction: "DESC") { edges { node { distributor { id } baseTotal newTotal change } } } } } }`,
        { id: runId },
        admin,
      )
    ).node;
    if (run.status !== 'QUEUED') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(run.status).toBe('DONE');
  return { summary: run.summary, differences: run.differences };
}

export async function draftPlan(admin: string): Promise<string> {
  const plan = {
    ...EXAMPLE_PLANS.unilevelRanks,
    unilevel: { ...EXAMPLE_PLANS.unilevelRanks.unilevel, levels: [1000, 500, 400, 300, 300, 200, 100, 100] },
  };
  const created = await gqlOk(
    `mutation($input: CreatePlanVersionInput!) { createPlanVersion(input: $input) { ... on MutationCreatePlanVersionSuccess { planVersion { id } } } }`,
    { input: { name: 'Level 1 at 10 %', plan } },
    admin,
  );
  return created.createPlanVersion.planVersion.id;
}

/** The member's personal data export (built through the worker's queue handler): the tables read through the archive. */
export async function gdprExport(admin: string, id: number) {
  const r = await requestExport(admin, globalId('Distributor', id));
  const exportId = localId(r.export.id);
  const job = await env.DB.prepare('SELECT message FROM job WHERE id = ?')
    .bind(`gdpr.export:${exportId}`)
    .first<{ message: string }>();
  await deliver([JSON.parse(job!.message)]);
  const res = await SELF.fetch(`http://localhost/gdpr/exports/${exportId}`, {
    headers: { authorization: `Bearer ${admin}` },
  });
  expect(res.status).toBe(200);
  const entries = unzipStored(new Uint8Array(await res.arrayBuffer()));
  const t = JSON.parse(new TextDecoder().decode(entries.find((e) => e.name === 'export.json')!.data)).tables;
  return {
    commission_line: t.commission_line,
    order_line: t.order_line,
    sales_order: t.sales_order,
    period_result: t.period_result,
    lead_event: t.lead_event,
  };
}

export const ARCHIVE = `mutation($input: ArchiveCommissionPeriodInput!) { archiveCommissionPeriod(input: $input) { __typename
  ... on MutationArchiveCommissionPeriodSuccess { archive { period status location parts { part rows } archivedAt } }
  ... on Error { message } ... on ConflictError { code } ... on ValidationError { issues { path code } } } }`;

export const HORIZON = `mutation($input: UpdateArchiveHorizonInput!) { updateArchiveHorizon(input: $input) { __typename
  ... on MutationUpdateArchiveHorizonSuccess { settings { horizonPeriods } }
  ... on Error { message } ... on ValidationError { issues { path code } } } }`;

export const PERIOD_ARCHIVE = `query($p: String!) { periodArchive(period: $p) { period status location parts { part rows } archivedAt } }`;

/** Live rows of `period` that the archive moves (what must be gone once it is ARCHIVED). */
export async function liveDetail(period: string) {
  return env.DB.prepare(
    `SELECT (SELECT count(*) FROM commission_line WHERE period_id = ?1) AS commissionLines,
       (SELECT count(*) FROM period_snapshot_chunk WHERE period_id = ?1) AS snapshot,
       (SELECT count(*) FROM order_line WHERE order_id IN (SELECT id FROM sales_order WHERE period = ?1)) AS orderLines,
       (SELECT count(*) FROM payment WHERE order_id IN (SELECT id FROM sales_order WHERE period = ?1)) AS payments,
       (SELECT count(*) FROM lead_event WHERE body = json_object('archived', ?1)) AS archivedEvents`,
  )
    .bind(period)
    .first<{
      commissionLines: number;
      snapshot: number;
      orderLines: number;
      payments: number;
      archivedEvents: number;
    }>();
}

/** The period's orders through the API, with their lines (lines of an archived period come from R2). */
export async function ordersOf(admin: string, period: string) {
  const { results } = await env.DB.prepare('SELECT id FROM sales_order WHERE period = ? ORDER BY id')
    .bind(period)
    .all<{ id: number }>();
  const out: unknown[] = [];
  for (const { id } of results)
    out.push(
      (
        await gqlOk(
          `query($id: ID!) { node(id: $id) { ... on Order { id status total lines { id sku quantity unitPrice } } } }`,
          { id: globalId('Order', id) },
          admin,
        )
      ).node,
    );
  return out;
}
