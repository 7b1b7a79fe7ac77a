import { jwtVerify, SignJWT } from 'jose';

// Session tokens: HS256 JWTs, algorithm pinned on verify. `ver` is the account's token_version when the
// token was issued: raising the version (sessions.ts) makes every earlier token invalid.
const ALG = 'HS256';
const ISSUER = 'mlm-crm';
const TTL_SECONDS = 12 * 60 * 60;

export type TokenKind = 'staff' | 'distributor';
export interface TokenSubject {
  kind: TokenKind;
  id: number;
  /** The account's token_version at issue. */
  ver: number;
}

function key(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

export async function issueToken(
  secret: string,
  subject: TokenSubject,
): Promise<{ token: string; expiresAt: string }> {
  const exp = Math.floor(Date.now() / 1000) + TTL_SECONDS;
  const token = await new SignJWT({ kind: subject.kind, ver: subject.ver })
    .setProtectedHeader({ alg: ALG })
    .setSubject(String(subject.id))
    .setIssuer(ISSUER)
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(key(secret));
  return { token, expiresAt: new Date(exp * 1000).toISOString() };
}

/** The subject of a valid token: signed by us, unexpired, with exp, sub, kind and ver; otherwise null. */
export async function verifyToken(secret: string, token: string): Promise<TokenSubject | null> {
  try {
    const { payload } = await jwtVerify(token, key(secret), {
      algorithms: [ALG],
      issuer: ISSUER,
      requiredClaims: ['exp', 'sub'],
    });
    const id = Number(payload.sub);
    const ver = payload.ver;
    if (!Number.isSafeInteger(id) || typeof ver !== 'number' || !Number.isSafeInteger(ver) || ver < 0)
      return null;
    if (payload.kind === 'staff' || payload.kind === 'distributor') return { kind: payload.kind, id, ver };
    return null;
  } catch {
    return null;
  }
}
