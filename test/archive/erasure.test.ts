// A GDPR erasure of a lead whose raw delivery was archived (issue 15 §3 with issue 14 §6): the archive chunk is
// the only copy of the body, so it is rewritten there; no R2 object names the person afterwards, and the other
// deliveries of the same chunk still read back (the chunk's checksum follows the rewrite).
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { manifestKey } from '../../src/modules/archive/model';
import { withArchivedBodies } from '../../src/modules/archive/periodRows';
import { EXAMPLE_PLANS } from '../../src/modules/commissions/plans/examples';
import { closedNetwork, mutatePeriod } from '../commissions/explain-helpers';
import { erase } from '../gdpr/helpers';
import { globalId, gqlOk } from '../helpers';
import { until } from '../jobs/faults';
import { ARCHIVE, HORIZON, last, leadEventIn, newerCommittedPeriod, PERIOD_ARCHIVE } from './helpers';

let admin: string;
let erased: { event: number; lead: number; email: string };
let kept: { event: number; email: string };

async function eventOf(event: number) {
  const row = await env.DB.prepare(
    `SELECT e.id, e.body, i.lead_id FROM lead_event e JOIN lead_intake i ON i.event_id = e.id WHERE e.id = ?`,
  )
    .bind(event)
    .first<{ id: number; body: string; lead_id: number }>();
  return { ...row!, email: JSON.parse(row!.body).email as string };
}

async function r2Keys(needle: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await env.FILES.list({ limit: 1000, ...(cursor ? { cursor } : {}) });
    for (const o of page.objects)
      if ((await (await env.FILES.get(o.key))!.text()).includes(needle)) keys.push(o.key);
    if (!page.truncated) return keys;
    cursor = page.cursor;
  }
}

beforeAll(async () => {
  const net = await closedNetwork('Unilevel', EXAMPLE_PLANS.unilevelRanks);
  admin = net.admin;
  const first = await eventOf(await leadEventIn(last, net.a));
  const second = await eventOf(await leadEventIn(last, net.b));
  erased = { event: first.id, lead: first.lead_id, email: first.email };
  kept = { event: second.id, email: second.email };
  await mutatePeriod(admin, 'commitPeriod');
  await gqlOk(HORIZON, { input: { periods: 1 } }, admin);
  await newerCommittedPeriod();
  expect((await gqlOk(ARCHIVE, { input: { period: last } }, admin)).archiveCommissionPeriod.__typename).toBe(
    'MutationArchiveCommissionPeriodSuccess',
  );
  await until(
    async () => (await gqlOk(PERIOD_ARCHIVE, { p: last }, admin)).periodArchive,
    (x) => x?.status === 'ARCHIVED',
    'archive',
  );
}, 60_000);

describe('erasing a lead whose raw delivery is archived', () => {
  it('rewrites the archive chunk: no R2 object names them; the other delivery in the chunk still reads back', async () => {
    // Archived: the live rows hold only the marker, the chunk holds both bodies.
    expect((await eventOf(kept.event)).body).toBe(`{"archived":"${last}"}`);
    const [chunk] = await r2Keys(erased.email);
    expect(chunk).toMatch(new RegExp(`^archive/${last}/lead_event/`));
    expect(await r2Keys(kept.email)).toEqual([chunk]);

    const r = await erase(admin, globalId('Lead', erased.lead), String(erased.lead));
    expect(r.__typename).toBe('MutationErasePersonSuccess');

    expect(await r2Keys(erased.email)).toEqual([]);
    expect(await r2Keys(kept.email)).toEqual([chunk]);
    // The chunk reads back through the reader (checksum updated), with the other delivery intact.
    const rows = await env.DB.prepare('SELECT id, body FROM lead_event WHERE id IN (?, ?) ORDER BY id')
      .bind(erased.event, kept.event)
      .all<{ id: number; body: string }>();
    const bodies = await withArchivedBodies(env.DB, env.FILES, rows.results);
    const byId = new Map(bodies.map((b) => [b.id, b.body]));
    expect(JSON.parse(byId.get(kept.event)!).email).toBe(kept.email);
    expect(byId.get(erased.event)).toBe('{"erased":"gdpr"}');
    // The manifest follows the chunk's new checksum.
    const manifest = JSON.parse(await (await env.FILES.get(manifestKey(last)))!.text());
    const entry = manifest.parts.lead_event.chunks.find((c: { key: string }) => c.key === chunk);
    const index = await env.DB.prepare(
      "SELECT sha256 FROM archive_chunk WHERE period_id = ? AND part = 'lead_event'",
    )
      .bind(last)
      .first<{ sha256: string }>();
    expect(entry.sha256).toBe(index!.sha256);
  });
});
