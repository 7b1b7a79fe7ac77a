import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { JobMessage } from '../../src/jobs/messages';
import { commitDelivery, type GroupCommitEnv } from '../../src/modules/leads/groupCommit';
import { INBOX_PREFIX } from '../../src/modules/leads/inbox';
import type { LeadJob, QueuedDelivery } from '../../src/modules/leads/messages';
import { deliver } from '../queueHelpers';
import { countsFor, hourly, intakeFingerprint } from './helpers';

// Group commit (src/modules/leads/groupCommit.ts): webhook deliveries arriving together share one inbox object
// and one sendBatch; each is answered only once its group is durable; a failed group answers every member
// with the error and leaves nothing half written; the consumer and the sweep keep each delivery of a group
// once, however its messages are split, redelivered or lost.

const LEADS = 'mlm-crm-leads';

function googleDelivery(leadId: string): QueuedDelivery {
  return {
    source: 'GOOGLE_ADS',
    sourceName: null,
    contentType: 'application/json',
    body: JSON.stringify({
      lead_id: leadId,
      form_id: '1',
      google_key: 'k',
      user_column_data: [{ column_id: 'EMAIL', string_value: `${leadId}@example.com` }],
    }),
    items: [{ externalId: leadId, ref: { formId: '1' } }],
    receivedAt: new Date().toISOString(),
  };
}

const bytesOf = (d: QueuedDelivery) =>
  new TextEncoder().encode(JSON.stringify({ kind: 'leads.intake', delivery: d })).byteLength;

function gate() {
  let open = () => {};
  const opened = new Promise<void>((r) => {
    open = r;
  });
  return { open, opened };
}

/**
 * The real bucket and a lead queue whose sends are recorded (not consumed: the test hands them to the worker's
 * queue handler itself), with optional gates and failures on the R2 write and the send.
 */
function recordingEnv(
  opts: { putGate?: Promise<void>; sendGate?: Promise<void>; failPut?: boolean; failSend?: boolean } = {},
) {
  const puts: string[] = [];
  const batches: MessageSendRequest<LeadJob>[][] = [];
  const log: string[] = [];
  const files = new Proxy(env.FILES, {
    get(target, prop) {
      if (prop === 'put')
        return async (key: string, value: string, options?: R2PutOptions) => {
          log.push('put');
          await opts.putGate;
          if (opts.failPut) throw new Error('R2 is down (test)');
          const r = await target.put(key, value, options);
          puts.push(key);
          log.push('put done');
          return r;
        };
      const v = Reflect.get(target, prop);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  const leads = {
    send: async () => {
      throw new Error('group commit sends batches only');
    },
    sendBatch: async (messages: Iterable<MessageSendRequest<LeadJob>>) => {
      log.push('send');
      await opts.sendGate;
      if (opts.failSend) throw new Error('the queue is down (test)');
      batches.push([...messages]);
      log.push('send done');
    },
  } as unknown as Queue<LeadJob>;
  const groupEnv: GroupCommitEnv = { FILES: files, LEADS: leads };
  return { groupEnv, puts, batches, log };
}

/** Commits the deliveries at the same time; each one's outcome as it settles, in order of settling. */
function commitAll(groupEnv: GroupCommitEnv, ctx: ExecutionContext, deliveries: QueuedDelivery[]) {
  const settled: { leadId: string; ok: boolean; error?: string }[] = [];
  const all = Promise.all(
    deliveries.map((d) =>
      commitDelivery(groupEnv, ctx, d, bytesOf(d)).then(
        () => settled.push({ leadId: d.items[0].externalId, ok: true }),
        (e) => settled.push({ leadId: d.items[0].externalId, ok: false, error: String(e) }),
      ),
    ),
  );
  return { settled, all };
}

const tick = (ms = 30) => new Promise((r) => setTimeout(r, ms));

const asMessages = (batch: MessageSendRequest<LeadJob>[], attempts = 1, from = 0) =>
  batch.map((m, i) => ({ id: `g${from + i}-${attempts}`, body: m.body as JobMessage, attempts }));

describe('lead intake group commit', () => {
  it('concurrent deliveries share one inbox object and one sendBatch, and each is answered only once both are done', async () => {
    const putGate = gate();
    const sendGate = gate();
    const rec = recordingEnv({ putGate: putGate.opened, sendGate: sendGate.opened });
    const ctx = createExecutionContext();
    const deliveries = Array.from({ length: 12 }, (_, i) => googleDelivery(`gc-group-${i}`));
    const { settled, all } = commitAll(rec.groupEnv, ctx, deliveries);

    await tick();
    // One write for the twelve, and nobody answered while it is not in R2…
    expect(rec.log).toEqual(['put']);
    expect(settled).toEqual([]);
    putGate.open();
    await tick();
    // …nor while the messages are not sent.
    expect(rec.log).toEqual(['put', 'put done', 'send']);
    expect(settled).toEqual([]);
    sendGate.open();
    await all;
    await waitOnExecutionContext(ctx);
    expect(settled.map((s) => s.ok)).toEqual(Array(12).fill(true));

    expect(rec.puts).toHaveLength(1);
    const [key] = rec.puts;
    expect(key.startsWith(`${INBOX_PREFIX}g-`)).toBe(true);
    expect(rec.batches).toHaveLength(1);
    expect(rec.batches[0].map((m) => (m.body as { inbox?: unknown }).inbox)).toEqual(
      deliveries.map((_, index) => ({ key, index, size: 12 })),
    );
    const stored = JSON.parse(await (await env.FILES.get(key))!.text());
    expect(stored.deliveries.map((d: QueuedDelivery) => d.items[0].externalId)).toEqual(
      deliveries.map((d) => d.items[0].externalId),
    );

    // The consumer keeps each once and deletes the object once all twelve are kept.
    const r = await deliver(LEADS, asMessages(rec.batches[0]));
    expect(r.retryMessages).toEqual([]);
    expect(r.explicitAcks).toHaveLength(12);
    expect(await countsFor('gc-group-')).toEqual({
      leads: 12,
      intakes: 12,
      done: 12,
      events: 12,
      assignments: 12,
    });
    expect(await env.FILES.head(key)).toBeNull();
  });

  it('a failed inbox write answers every member with the error and writes and sends nothing', async () => {
    const rec = recordingEnv({ failPut: true });
    const ctx = createExecutionContext();
    const before = await env.FILES.list({ prefix: `${INBOX_PREFIX}g-` });
    const { settled, all } = commitAll(
      rec.groupEnv,
      ctx,
      Array.from({ length: 8 }, (_, i) => googleDelivery(`gc-putfail-${i}`)),
    );
    await all;
    await waitOnExecutionContext(ctx);
    expect(settled).toHaveLength(8);
    expect(settled.every((s) => !s.ok && s.error?.includes('R2 is down'))).toBe(true);
    expect(rec.log).toEqual(['put']);
    expect(rec.batches).toEqual([]);
    expect((await env.FILES.list({ prefix: `${INBOX_PREFIX}g-` })).objects.length).toBe(
      before.objects.length,
    );
  });

  it('a failed send answers every member with the error and deletes the group object again', async () => {
    const rec = recordingEnv({ failSend: true });
    const ctx = createExecutionContext();
    const { settled, all } = commitAll(
      rec.groupEnv,
      ctx,
      Array.from({ length: 8 }, (_, i) => googleDelivery(`gc-sendfail-${i}`)),
    );
    await all;
    await waitOnExecutionContext(ctx);
    expect(settled.every((s) => !s.ok && s.error?.includes('queue is down'))).toBe(true);
    expect(settled).toHaveLength(8);
    // It was written, then taken back: the senders retry, and nothing is kept from a group they were refused.
    expect(rec.puts).toHaveLength(1);
    expect(await env.FILES.head(rec.puts[0])).toBeNull();
    expect(await countsFor('gc-sendfail-')).toMatchObject({ intakes: 0 });
  });

  it('a group split across consumer batches and redelivered is kept once; the object goes with the first batch', async () => {
    const rec = recordingEnv();
    const ctx = createExecutionContext();
    const deliveries = Array.from({ length: 10 }, (_, i) => googleDelivery(`gc-split-${i}`));
    await commitAll(rec.groupEnv, ctx, deliveries).all;
    await waitOnExecutionContext(ctx);
    const [key] = rec.puts;
    const messages = rec.batches[0];
    expect(messages).toHaveLength(10);

    // The first batch carries 4 of the 10: the other 6 are read from the object and kept with them.
    const first = await deliver(LEADS, asMessages(messages.slice(0, 4)));
    expect(first.explicitAcks).toHaveLength(4);
    expect(await env.FILES.head(key)).toBeNull();
    expect(await countsFor('gc-split-')).toEqual({
      leads: 4,
      intakes: 10,
      done: 4,
      events: 10,
      assignments: 4,
    });

    // The rest come later (the object is gone): their intakes are processed, nothing is kept twice.
    const second = await deliver(LEADS, asMessages(messages.slice(4), 1, 4));
    expect(second.explicitAcks).toHaveLength(6);
    const all = { leads: 10, intakes: 10, done: 10, events: 10, assignments: 10 };
    expect(await countsFor('gc-split-')).toEqual(all);

    // Every message again, and the whole group written again (a sender's redelivery): nothing changes.
    const snapshot = await intakeFingerprint();
    const again = await deliver(LEADS, asMessages(messages, 2));
    expect(again.explicitAcks).toHaveLength(10);
    const rec2 = recordingEnv();
    const ctx2 = createExecutionContext();
    await commitAll(rec2.groupEnv, ctx2, deliveries).all;
    await waitOnExecutionContext(ctx2);
    await deliver(LEADS, asMessages(rec2.batches.flat(), 1, 100));
    expect(await intakeFingerprint()).toBe(snapshot);
    expect(await countsFor('gc-split-')).toEqual(all);
    expect(await env.FILES.head(rec2.puts[0])).toBeNull();
  });

  it('a batch with a few members of many groups keeps at most 100 of their other deliveries; the other groups wait', async () => {
    const groups = [];
    for (const g of [0, 1, 2]) {
      const rec = recordingEnv();
      const ctx = createExecutionContext();
      await commitAll(
        rec.groupEnv,
        ctx,
        Array.from({ length: 60 }, (_, i) => googleDelivery(`gc-many-${g}-${i}`)),
      ).all;
      await waitOnExecutionContext(ctx);
      expect(rec.puts).toHaveLength(1);
      groups.push({ key: rec.puts[0], messages: rec.batches.flat() });
    }
    // One member of each: the first group's other 59 fit, the next two (59 more each) would not.
    const first = await deliver(
      LEADS,
      groups.map((g, k) => ({ id: `many-first-${k}`, body: g.messages[0].body as JobMessage, attempts: 1 })),
    );
    expect(first.explicitAcks).toHaveLength(3);
    expect(await env.FILES.head(groups[0].key)).toBeNull();
    expect(await env.FILES.head(groups[1].key)).not.toBeNull();
    expect(await env.FILES.head(groups[2].key)).not.toBeNull();
    expect(await countsFor('gc-many-')).toMatchObject({ intakes: 62, done: 3 });

    // Their own messages come: each group is settled by the batch that carries the rest of it.
    for (const [k, g] of groups.entries()) {
      const r = await deliver(LEADS, asMessages(g.messages.slice(1), 1, 1000 * (k + 1)));
      expect(r.explicitAcks).toHaveLength(59);
      expect(await env.FILES.head(g.key)).toBeNull();
    }
    expect(await countsFor('gc-many-')).toEqual({
      leads: 180,
      intakes: 180,
      done: 180,
      events: 180,
      assignments: 180,
    });
  });

  it('a group whose messages were all lost is kept and processed by the hourly sweep, each delivery once', async () => {
    const rec = recordingEnv();
    const ctx = createExecutionContext();
    const deliveries = Array.from({ length: 6 }, (_, i) => googleDelivery(`gc-lost-${i}`));
    await commitAll(rec.groupEnv, ctx, deliveries).all;
    await waitOnExecutionContext(ctx);
    // The messages are never handed to the consumer.
    const [key] = rec.puts;
    await hourly(new Date(Date.now() + 14 * 60_000));
    expect(await countsFor('gc-lost-')).toMatchObject({ intakes: 0 });
    expect(await env.FILES.head(key)).not.toBeNull();

    await hourly(new Date(Date.now() + 16 * 60_000));
    const all = { leads: 6, intakes: 6, done: 6, events: 6, assignments: 6 };
    expect(await countsFor('gc-lost-')).toEqual(all);
    expect(await env.FILES.head(key)).toBeNull();

    // The lost messages turn up after all: nothing more.
    const snapshot = await intakeFingerprint();
    const late = await deliver(LEADS, asMessages(rec.batches[0]));
    expect(late.explicitAcks).toHaveLength(6);
    expect(await intakeFingerprint()).toBe(snapshot);
    expect(await countsFor('gc-lost-')).toEqual(all);
  });
});
