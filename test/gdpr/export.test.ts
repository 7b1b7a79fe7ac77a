// Personal-data export: requested by staff (anyone) or a distributor (themself), built by the queued job,
// downloaded once ready by the requester or staff, expired by the nightly run.
import { createExecutionContext, createScheduledController, env, SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { unzipStored } from '../../src/lib/zip';
import { adminToken, distributorToken, enroll, globalId, localId } from '../helpers';
import { deliver } from '../messaging/helpers';
import { type Member, memberWithHistory, requestExport } from './helpers';

let admin: string;
let m: Member;

beforeAll(async () => {
  admin = await adminToken();
  m = await memberWithHistory(admin);
});

/** Runs the export's job step through the worker's queue handler (idempotent if the queue ran it too). */
async function build(exportGid: string) {
  const id = localId(exportGid);
  const job = await env.DB.prepare('SELECT message FROM job WHERE id = ?')
    .bind(`gdpr.export:${id}`)
    .first<{ message: string }>();
  expect(job).not.toBeNull();
  await deliver([JSON.parse(job!.message)]);
  return env.DB.prepare('SELECT * FROM gdpr_export WHERE id = ?').bind(id).first<any>();
}

function download(id: number, token?: string) {
  return SELF.fetch(`http://localhost/gdpr/exports/${id}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
}

describe('requestPersonalDataExport', () => {
  it('staff export a member: one archive with every table about them, JSON and CSV', async () => {
    const r = await requestExport(admin, globalId('Distributor', m.id));
    expect(r.__typename).toBe('MutationRequestPersonalDataExportSuccess');
    expect(r.export).toMatchObject({ status: 'QUEUED', personType: 'DISTRIBUTOR', personId: m.id });
    const row = await build(r.export.id);
    expect(row.status).toBe('READY');
    expect(row.file_key).toMatch(/^gdpr-exports\//);
    expect(Date.parse(row.expires_at) - Date.parse(row.ready_at)).toBe(7 * 86_400_000);
    const job = await env.DB.prepare('SELECT status FROM job WHERE id = ?')
      .bind(`gdpr.export:${row.id}`)
      .first();
    expect(job).toEqual({ status: 'DONE' });

    const res = await download(row.id, admin);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(bytes.length).toBe(row.size);
    const entries = unzipStored(bytes);
    const json = JSON.parse(new TextDecoder().decode(entries.find((e) => e.name === 'export.json')!.data));
    expect(json.person).toEqual({ type: 'DISTRIBUTOR', id: m.id });
    const t = json.tables;
    expect(t.profile).toEqual([
      expect.objectContaining({ id: m.id, first_name: m.first, email: m.email, phone: m.phone }),
    ]);
    expect(t.profile[0]).not.toHaveProperty('password_hash');
    expect(t.profile[0].sponsor_id).toBe(m.sponsor);
    expect(t.sales_order).toHaveLength(2);
    expect(t.order_line.length).toBeGreaterThanOrEqual(2);
    expect(t.message_outbox.map((x: any) => x.body).join()).toContain(`Hello ${m.first}`);
    expect(t.activity.length).toBeGreaterThanOrEqual(1);
    expect(t.activity_written.map((a: any) => a.body).join()).toContain('Karen ordered again');
    expect(t.task).toHaveLength(1);
    expect(t.message_consent.map((c: any) => [c.action, c.purpose, c.text_shown])).toEqual([
      ['GRANTED', 'MARKETING', 'Yes, send me news.'],
      ['WITHDRAWN', 'MARKETING', null],
    ]);
    expect(t.lead).toEqual([expect.objectContaining({ email: m.email, converted_distributor_id: m.id })]);
    expect(t.lead_event).toHaveLength(1);
    expect(JSON.parse(t.lead_event[0].body).name).toBe(`${m.first} ${m.last}`);
    expect(t.signature_request).toEqual([
      expect.objectContaining({ status: 'COMPLETED', signer_email: m.email }),
    ]);
    expect(t.commission_line).toEqual([expect.objectContaining({ amount: 500 })]);
    expect(t.ledger_entry).toContainEqual(expect.objectContaining({ amount: 500, kind: 'COMMISSION' }));
    expect(json.rowCount).toBe(Object.values(t).reduce((n: number, x: any) => n + x.length, 0));
    expect(row.row_count).toBe(json.rowCount);
    // One CSV per non-empty table, with a header line and a line per row.
    const csv = new TextDecoder().decode(entries.find((e) => e.name === 'csv/sales_order.csv')!.data);
    expect(csv.split('\r\n').filter(Boolean)).toHaveLength(3);
    expect(csv.split('\r\n')[0]).toContain('distributor_id');
  });

  it('a distributor exports themself and downloads it; nobody else but staff can', async () => {
    const me = await enroll(admin, m.sponsor);
    const token = await distributorToken(me);
    const r = await requestExport(token, globalId('Distributor', me));
    expect(r.__typename).toBe('MutationRequestPersonalDataExportSuccess');
    const row = await build(r.export.id);
    expect(row.requested_by).toBe(`distributor:${me}`);
    expect((await download(row.id, token)).status).toBe(200);
    expect((await download(row.id, admin)).status).toBe(200);
    expect((await download(row.id, await distributorToken(m.sponsor))).status).toBe(404);
    expect((await download(row.id)).status).toBe(401);
  });

  it('refuses someone the caller may not act for, or nobody: typed errors, nothing written', async () => {
    const me = await enroll(admin, m.sponsor);
    const token = await distributorToken(me);
    const state = async () =>
      JSON.stringify(
        (
          await env.DB.batch([
            env.DB.prepare('SELECT count(*) AS n FROM gdpr_export'),
            env.DB.prepare('SELECT count(*) AS n FROM job'),
          ])
        ).map((x) => x.results),
      );
    const s = await state();
    // Their own sponsor, a customer of the member: not themself.
    expect(await requestExport(token, globalId('Distributor', m.sponsor))).toMatchObject({
      __typename: 'ForbiddenError',
    });
    expect(await requestExport(token, globalId('Customer', m.customer))).toMatchObject({
      __typename: 'ForbiddenError',
    });
    expect(await requestExport(admin, globalId('Lead', 99_999_999))).toMatchObject({
      __typename: 'NotFoundError',
    });
    expect(await requestExport(admin, globalId('Order', 1))).toMatchObject({ __typename: 'ValidationError' });
    expect(await state()).toBe(s);
  });

  it('an export still being built answers 409', async () => {
    const row = await env.DB.prepare(
      `INSERT INTO gdpr_export (subject_type, subject_id, status, requested_by, created_at)
       VALUES ('DISTRIBUTOR', ?, 'QUEUED', 'staff:1', ?) RETURNING id`,
    )
      .bind(m.id, new Date().toISOString())
      .first<{ id: number }>();
    expect((await download(row!.id, admin)).status).toBe(409);
  });

  it('staff export a customer; the archive expires on the nightly run after 7 days', async () => {
    const r = await requestExport(admin, globalId('Customer', m.customer));
    const row = await build(r.export.id);
    expect(row.status).toBe('READY');
    expect(await env.FILES.head(row.file_key)).not.toBeNull();
    const later = Date.parse(row.expires_at) + 60_000;
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: '0 2 * * *', scheduledTime: later }), env, ctx);
    const after = await env.DB.prepare('SELECT status, file_key FROM gdpr_export WHERE id = ?')
      .bind(row.id)
      .first();
    expect(after).toEqual({ status: 'EXPIRED', file_key: null });
    expect(await env.FILES.head(row.file_key)).toBeNull();
    expect((await download(row.id, admin)).status).toBe(410);
  });
});
