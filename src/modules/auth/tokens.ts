import { jwtVerify, SignJWT } from 'jose';

// Session tokens: HS256 JWTs, algorithm pinned on verify.
const ALG = 'HS256';
const ISSUER = 'mlm-crm';
const TTL_SECONDS = 12 * 60 * 60;

export type TokenSubject = { kind: 'staff'; id: number } | { kind: 'distributor'; id: number };

function key(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

export async function issueToken(
  secret: string,
  subject: TokenSubject,
): Promise<{ token: string; expiresAt: string }> {
  const exp = Math.floor(Date.now() / 1000) + TTL_SECONDS;
  const token = await new SignJWT({ kind: subject.kind })
    .setProtectedHeader({ alg: ALG })
    .setSubject(String(subject.id))
    .setIssuer(ISSUER)
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(key(secret));
  return { token, expiresAt: new Date(exp * 1000).toISOString() };
}

export async function verifyToken(secret: string, token: string): Promise<TokenSubject | null> {
  try {
    const { payload } = await jwtVerify(token, key(secret), { algorithms: [ALG], issuer: ISSUER });
    const id = Number(payload.sub);
    if (!Number.isSafeInteger(id)) return null;
    if (payload.kind === 'staff' || payload.kind === 'distributor') return { kind: payload.kind, id };
    return null;
  } catch {
    return null;
  }
}
