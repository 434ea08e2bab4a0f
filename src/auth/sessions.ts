import { SignJWT, jwtVerify } from "jose";

/**
 * Console sessions: a JWT (jose) in an HttpOnly, SameSite=Strict cookie.
 * HS256 is pinned on verification, so `alg: none` or an RS/HS confusion is
 * refused before any claim is read. The token carries the user's session
 * version; bumping users.session_version revokes every token issued before.
 */

export const sessionIssuer = "gatehouse";
export const sessionAudience = "gatehouse-console";
export const sessionLifetimeSeconds = 8 * 60 * 60;
const algorithm = "HS256";

export interface SessionClaims {
  userId: string;
  sessionVersion: number;
}

function keyFrom(secret: string): Uint8Array {
  // A short secret would make the HMAC guessable; refuse rather than sign with it.
  if (secret.length < 32) throw new Error("SESSION_SECRET must be at least 32 characters");
  return new TextEncoder().encode(secret);
}

export async function issueSession(secret: string, claims: SessionClaims, now = Date.now()): Promise<string> {
  const issuedAt = Math.floor(now / 1000);
  return new SignJWT({ sv: claims.sessionVersion })
    .setProtectedHeader({ alg: algorithm, typ: "JWT" })
    .setSubject(claims.userId)
    .setIssuer(sessionIssuer)
    .setAudience(sessionAudience)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + sessionLifetimeSeconds)
    .setJti(crypto.randomUUID())
    .sign(keyFrom(secret));
}

/** The claims of a valid token, or null for anything forged, expired, or not ours. */
export async function verifySession(secret: string, token: string): Promise<SessionClaims | null> {
  const key = keyFrom(secret);
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: [algorithm],
      issuer: sessionIssuer,
      audience: sessionAudience,
      requiredClaims: ["sub", "exp", "iat"],
    });
    const version = payload.sv;
    if (typeof payload.sub !== "string" || typeof version !== "number" || !Number.isInteger(version)) return null;
    return { userId: payload.sub, sessionVersion: version };
  } catch {
    return null;
  }
}

/** The cookie's name: `__Host-` prefixed over HTTPS, where browsers then insist on Secure and Path=/. */
export function sessionCookieName(secure: boolean): string {
  return secure ? "__Host-gatehouse_session" : "gatehouse_session";
}

export function sessionCookie(token: string, secure: boolean): string {
  const attributes = [`Max-Age=${sessionLifetimeSeconds}`, "Path=/", "HttpOnly", "SameSite=Strict"];
  if (secure) attributes.push("Secure");
  return [`${sessionCookieName(secure)}=${token}`, ...attributes].join("; ");
}

export function clearedSessionCookie(secure: boolean): string {
  const attributes = ["Max-Age=0", "Path=/", "HttpOnly", "SameSite=Strict"];
  if (secure) attributes.push("Secure");
  return [`${sessionCookieName(secure)}=`, ...attributes].join("; ");
}

/** The session token from a Cookie header, whichever of the two names it came under. */
export function sessionTokenFrom(cookieHeader: string | undefined): string | null {
  if (!cookieHeader) return null;
  const names = [sessionCookieName(true), sessionCookieName(false)];
  for (const part of cookieHeader.split(";")) {
    const index = part.indexOf("=");
    if (index < 0) continue;
    const name = part.slice(0, index).trim();
    const value = part.slice(index + 1).trim();
    if (names.includes(name) && value.length > 0) return value;
  }
  return null;
}
