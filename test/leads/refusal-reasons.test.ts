import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';

// Issue 9 §3: a refused webhook answers a short reason the sender can act on, with a stable code,
// and reveals no secret (nor whether a Google form exists).

async function post(path: string, body: string, headers: Record<string, string> = {}) {
  const res = await SELF.fetch(`http://localhost${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: res.status, body: (await res.json()) as { error: string; code: string } };
}

describe('webhook refusals', () => {
  it('say what to fix, in the same words for an unknown form and a wrong key', async () => {
    const r = await post(
      '/webhooks/google-ads',
      JSON.stringify({ lead_id: 'L1', form_id: 123, google_key: 'guess' }),
    );
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('UNKNOWN_FORM_OR_KEY');
    expect(r.body.error).toMatch(/Unknown form or wrong key/);
    expect(r.body.error).not.toContain('guess');
  });

  it('name the signature header a Meta sender must fix, never the secret', async () => {
    const r = await post('/webhooks/meta', '{"object":"page","entry":[]}', {
      'x-hub-signature-256': 'sha256=00',
    });
    expect(r.status).toBe(401);
    expect(r.body.code).toBe('BAD_SIGNATURE');
    expect(r.body.error).toMatch(/X-Hub-Signature-256/);
    expect(r.body.error).not.toMatch(/dev-only-meta-app-secret/);
  });

  it('name an unknown generic source', async () => {
    const r = await post('/webhooks/leads/no-such-source', '{"email":"a@b.dk"}');
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ error: 'Unknown lead source "no-such-source".', code: 'UNKNOWN_SOURCE' });
  });
});
