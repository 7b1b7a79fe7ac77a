// Integration API keys: "mlm_<prefix>_<secret>". Only a SHA-256 of the whole key is stored (keys are
// random and long, so a fast hash is enough); the prefix finds the row.

export const API_KEY_SCOPES = [
  'genealogy:read',
  'genealogy:write',
  'orders:write',
  'leads:write',
  'feedback:write',
] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

function hex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function randomToken(bytes: number): string {
  return hex(crypto.getRandomValues(new Uint8Array(bytes)).buffer as ArrayBuffer);
}

export async function sha256Hex(text: string): Promise<string> {
  return hex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
}

export function newApiKey(): { key: string; prefix: string } {
  const prefix = randomToken(6);
  return { key: `mlm_${prefix}_${randomToken(24)}`, prefix };
}

export function parseApiKey(key: string): { prefix: string } | null {
  const m = /^mlm_([0-9a-f]{12})_[0-9a-f]{48}$/.exec(key);
  return m ? { prefix: m[1] } : null;
}
