import { env } from 'cloudflare:test';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  MAX_PACED_ATTEMPTS,
  MAX_SEND_ATTEMPTS,
  SEND_BACKOFF_CAP_SECONDS,
  UNCERTAIN_SETTLE_SECONDS,
} from '../../src/modules/messaging/send';
import {
  age,
  deliver,
  outbox,
  queuedMessage,
  script,
  send,
  setProviders,
  twilioAccepted,
  uniquePhone,
  withResets,
} from './helpers';

// The outbox's own queue (wrangler.toml mlm-crm-outbox): a batch is read, claimed and recorded together and
// its sends run at once. Exactly once toward the provider as on the single path, through the worker's real
// queue() handler.

const OUTBOX_QUEUE = 'mlm-crm-outbox';

beforeEach(() => setProviders({ sms: 'TWILIO', email: 'RESEND' }));

describe('the outbox queue', () => {
  it('sends every message of a batch once: duplicates in the batch and a redelivered batch send nothing more', async () => {
    const phones = Array.from({ length: 5 }, () => uniquePhone());
    const ids = await Promise.all(phones.map((p) => queuedMessage({ channel: 'SMS', address: p })));
    const bodies = [...ids, ids[0], ids[3]].map(send);
    const first = await deliver(bodies, OUTBOX_QUEUE);
    expect(first.explicitAcks).toHaveLength(7);
    expect(first.retryMessages).toEqual([]);
    const again = await deliver(bodies, OUTBOX_QUEUE);
    expect(again.explicitAcks).toHaveLength(7);
    for (const [i, id] of ids.entries()) {
      const accepted = await twilioAccepted(phones[i]);
      expect(accepted).toHaveLength(1);
      expect(await outbox(id)).toMatchObject({
        status: 'SENT',
        attempts: 1,
        provider: 'TWILIO',
        provider_message_id: accepted[0].sid,
        claimed_at: null,
      });
    }
  });

  it('in one batch: a 429 waits its Retry-After, a suppressed address is SUPPRESSED, a lost answer is looked up after a short settle and never sent twice', async () => {
    const [limited, blocked, lost, fine] = [uniquePhone(), uniquePhone(), uniquePhone(), uniquePhone()];
    await script('TWILIO_API', limited, [{ status: 429, retryAfter: '3' }]);
    await script('TWILIO_API', lost, [{ status: 0, reset: true }]);
    await env.DB.prepare(
      "INSERT INTO message_suppression (channel, address, reason, created_at) VALUES ('SMS', ?, 'OPT_OUT', ?)",
    )
      .bind(blocked, new Date().toISOString())
      .run();
    const ids = await Promise.all(
      [limited, blocked, lost, fine].map((a) => queuedMessage({ channel: 'SMS', address: a })),
    );
    const result = await deliver(ids.map(send), OUTBOX_QUEUE, 1, withResets());
    expect(result.explicitAcks).toHaveLength(2); // the suppressed one and the fine one
    expect(result.retryMessages.map((r) => r.delaySeconds).sort((a, b) => a! - b!)).toEqual([
      3,
      UNCERTAIN_SETTLE_SECONDS,
    ]);
    expect(await outbox(ids[0])).toMatchObject({ status: 'QUEUED', attempts: 1 });
    expect(await outbox(ids[1])).toMatchObject({ status: 'SUPPRESSED' });
    expect(await outbox(ids[2])).toMatchObject({ status: 'SENDING', attempts: 1 });
    expect((await outbox(ids[2])).last_error).toContain('Network connection lost');
    expect(await outbox(ids[3])).toMatchObject({ status: 'SENT' });
    expect(await twilioAccepted(blocked)).toEqual([]);

    // Redelivered at once, the lost one is still in its settle: nothing is sent.
    const soon = await deliver([send(ids[2])], OUTBOX_QUEUE);
    expect(soon.retryMessages).toHaveLength(1);
    expect(await twilioAccepted(lost)).toHaveLength(1);
    // After the settle: the lookup finds the message Twilio took; the retry of the 429 sends.
    await age(ids[2], UNCERTAIN_SETTLE_SECONDS + 1);
    await age(ids[0], 4);
    const later = await deliver([send(ids[2]), send(ids[0])], OUTBOX_QUEUE);
    expect(later.explicitAcks).toHaveLength(2);
    const [taken] = await twilioAccepted(lost);
    expect(await outbox(ids[2])).toMatchObject({
      status: 'SENT',
      provider_message_id: taken.sid,
      attempts: 2,
    });
    expect(await twilioAccepted(lost)).toHaveLength(1);
    expect(await outbox(ids[0])).toMatchObject({ status: 'SENT', attempts: 2 });
    expect(await twilioAccepted(limited)).toHaveLength(1);
  });

  it('a 5xx comes back within seconds, not behind a long backoff; after MAX_SEND_ATTEMPTS refusals it is FAILED, never sent', async () => {
    const [flaky, down] = [uniquePhone(), uniquePhone()];
    await script('TWILIO_API', flaky, [{ status: 500 }, { status: 502 }]);
    await script(
      'TWILIO_API',
      down,
      Array.from({ length: MAX_SEND_ATTEMPTS + 1 }, () => ({ status: 503 })),
    );
    const [a, b] = await Promise.all(
      [flaky, down].map((address) => queuedMessage({ channel: 'SMS', address })),
    );
    const delays: number[][] = [];
    for (let n = 1; n <= MAX_SEND_ATTEMPTS; n++) {
      const r = await deliver([send(a), send(b)].slice(n > 3 ? 1 : 0), OUTBOX_QUEUE, n);
      const waits = r.retryMessages.map((m) => m.delaySeconds!);
      delays.push(waits);
      // Doubling from 1 s with jitter (half to all of it), capped.
      const full = Math.min(SEND_BACKOFF_CAP_SECONDS, 2 ** (n - 1));
      for (const w of waits) {
        expect(w).toBeGreaterThanOrEqual(Math.max(1, Math.floor(full / 2)));
        expect(w).toBeLessThanOrEqual(full);
      }
      await age(a, Math.max(...waits, 0));
      await age(b, Math.max(...waits, 0));
    }
    expect(delays[0]).toEqual([1, 1]);
    expect(delays[2]).toHaveLength(1); // the flaky one went on its third try
    expect(delays[MAX_SEND_ATTEMPTS - 1]).toEqual([]);
    const sent = await twilioAccepted(flaky);
    expect(sent).toHaveLength(1);
    expect(await outbox(a)).toMatchObject({ status: 'SENT', attempts: 3, provider_message_id: sent[0].sid });
    const failed = await outbox(b);
    expect(failed).toMatchObject({ status: 'FAILED', attempts: MAX_SEND_ATTEMPTS });
    expect(failed.last_error).toContain(`Gave up after ${MAX_SEND_ATTEMPTS} attempts`);
    expect(failed.last_error).toContain('503');
    expect(await twilioAccepted(down)).toEqual([]);
  });

  it('a rate limit is not a failure: more than MAX_SEND_ATTEMPTS 429s with Retry-After still end SENT; a 5xx after them gives up', async () => {
    const [paced, pacedThenDown] = [uniquePhone(), uniquePhone()];
    const limits = Array.from({ length: MAX_SEND_ATTEMPTS + 2 }, () => ({ status: 429, retryAfter: '1' }));
    await script('TWILIO_API', paced, limits);
    await script('TWILIO_API', pacedThenDown, [...limits, { status: 503 }]);
    const [a, b] = await Promise.all(
      [paced, pacedThenDown].map((address) => queuedMessage({ channel: 'SMS', address })),
    );
    for (let n = 1; n <= MAX_SEND_ATTEMPTS + 3; n++) {
      const r = await deliver([send(a), send(b)], OUTBOX_QUEUE, n);
      if (n <= MAX_SEND_ATTEMPTS + 2) expect(r.retryMessages.map((m) => m.delaySeconds)).toEqual([1, 1]);
      await age(a, 1);
      await age(b, 1);
    }
    expect(MAX_PACED_ATTEMPTS).toBeGreaterThan(MAX_SEND_ATTEMPTS + 3);
    const sent = await twilioAccepted(paced);
    expect(sent).toHaveLength(1);
    expect(await outbox(a)).toMatchObject({ status: 'SENT', attempts: MAX_SEND_ATTEMPTS + 3 });
    const failed = await outbox(b);
    expect(failed).toMatchObject({ status: 'FAILED', attempts: MAX_SEND_ATTEMPTS + 3 });
    expect(failed.last_error).toContain('503');
    expect(await twilioAccepted(pacedThenDown)).toEqual([]);
  });

  it('a lookup that fails sends nothing and releases the claim after the settle; the next one finds the message', async () => {
    const to = uniquePhone();
    await script('TWILIO_API', to, [{ status: 0, reset: true }]);
    const id = await queuedMessage({ channel: 'SMS', address: to });
    await deliver([send(id)], OUTBOX_QUEUE, 1, withResets());
    await age(id, UNCERTAIN_SETTLE_SECONDS + 1);
    const failing = await deliver([send(id)], OUTBOX_QUEUE, 2, withResets({ lookupsFail: true }));
    expect(failing.retryMessages.map((r) => r.delaySeconds)).toEqual([UNCERTAIN_SETTLE_SECONDS]);
    expect((await outbox(id)).last_error).toContain('Lookup failed');
    expect(await twilioAccepted(to)).toHaveLength(1);
    await age(id, UNCERTAIN_SETTLE_SECONDS + 1);
    expect((await deliver([send(id)], OUTBOX_QUEUE, 3)).explicitAcks).toHaveLength(1);
    const [taken] = await twilioAccepted(to);
    expect(await outbox(id)).toMatchObject({ status: 'SENT', provider_message_id: taken.sid });
    expect(await twilioAccepted(to)).toHaveLength(1);
  });

  it('a message another consumer holds (SENDING within its lease) is left to it', async () => {
    const to = uniquePhone();
    const id = await queuedMessage({ channel: 'SMS', address: to });
    await env.DB.prepare(
      "UPDATE message_outbox SET status = 'SENDING', provider = 'TWILIO', claimed_at = ?, attempts = 1 WHERE id = ?",
    )
      .bind(new Date().toISOString(), id)
      .run();
    const result = await deliver([send(id)], OUTBOX_QUEUE);
    expect(result.retryMessages[0].delaySeconds).toBeGreaterThan(100);
    expect(await twilioAccepted(to)).toEqual([]);
  });
});
