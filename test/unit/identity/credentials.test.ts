import { SignJWT } from "jose";
import { describe, expect, test } from "vitest";
import { recordFailure, emptyState, retryAfterSeconds, lockDurationMs, type AttemptState } from "../../../src/auth/attempt-policy";
import { clearCredentialCache, recallCredential, recallKey, rememberCredential, rememberKey } from "../../../src/auth/credential-cache";
import type { ApiKeyRow } from "../../../src/db/api-keys";
import { credentialEpoch, credentialsChanged } from "../../../src/db/credential-epoch";
import type { UserRow } from "../../../src/db/users";
import { parseAuthorization } from "../../../src/auth/credentials";
import { issueSession, sessionAudience, sessionIssuer, sessionTokenFrom, verifySession } from "../../../src/auth/sessions";

const secret = "unit-test-secret-that-is-long-enough-0123456789";

describe("Authorization header", () => {
  test("Bearer and Basic (UTF-8, colons in the password)", () => {
    expect(parseAuthorization("Bearer gh_abc")).toEqual({ kind: "bearer", token: "gh_abc" });
    const encoded = Buffer.from("zoë:pa:ss wörd").toString("base64");
    expect(parseAuthorization(`basic ${encoded}`)).toEqual({ kind: "basic", username: "zoë", password: "pa:ss wörd" });
    expect(parseAuthorization(undefined)).toBeNull();
  });

  test.each(["Bearer", "Bearer a b", "Basic !!!", `Basic ${Buffer.from("nocolon").toString("base64")}`, `Basic ${Buffer.from(":pw").toString("base64")}`, "Digest x", `Bearer ${"a".repeat(5000)}`])(
    "%j is malformed",
    (header) => {
      expect(parseAuthorization(header)).toBe("malformed");
    },
  );
});

describe("sessions", () => {
  test("issue and verify; version and subject come back", async () => {
    const token = await issueSession(secret, { userId: "u1", sessionVersion: 3 });
    expect(await verifySession(secret, token)).toEqual({ userId: "u1", sessionVersion: 3 });
    expect(await verifySession(`${secret}x`, token)).toBeNull();
  });

  test("an HS512 token with the right key is still refused (algorithm pinned)", async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ sv: 1 })
      .setProtectedHeader({ alg: "HS512" })
      .setSubject("u1").setIssuer(sessionIssuer).setAudience(sessionAudience).setIssuedAt(now).setExpirationTime(now + 60)
      .sign(new TextEncoder().encode(secret));
    expect(await verifySession(secret, token)).toBeNull();
  });

  test("an 8-hour expiry", async () => {
    const token = await issueSession(secret, { userId: "u1", sessionVersion: 1 }, Date.now() - 8 * 3600_000 - 5000);
    expect(await verifySession(secret, token)).toBeNull();
  });

  test("a short signing secret is refused", async () => {
    await expect(issueSession("short", { userId: "u", sessionVersion: 1 })).rejects.toThrow(/SESSION_SECRET/);
  });

  test("the token is read from either cookie name and nothing else", () => {
    expect(sessionTokenFrom("a=1; gatehouse_session=tok; b=2")).toBe("tok");
    expect(sessionTokenFrom("__Host-gatehouse_session=tok2")).toBe("tok2");
    expect(sessionTokenFrom("gatehouse_sessionx=tok")).toBeNull();
  });
});

describe("credential cache", () => {
  const ana = { id: "u1", username: "ana", passwordHash: "hash-1" } as UserRow;
  const key = { id: "k1", userId: "u1", secretHash: "ab".repeat(32) } as ApiKeyRow;

  test("remembers a check without holding the password", async () => {
    clearCredentialCache();
    await rememberCredential("Ana", "the password here", ana, credentialEpoch(), 1000);
    expect(await recallCredential("ana", "the password here", 2000)).toMatchObject({ id: "u1", passwordHash: "hash-1" });
    expect(await recallCredential("ana", "another password", 2000)).toBeNull();
    expect(await recallCredential("ana", "the password here", 1000 + 61_000)).toBeNull();
  });

  test("any credential change forgets every entry at once", async () => {
    clearCredentialCache();
    await rememberCredential("ana", "the password here", ana, credentialEpoch(), 1000);
    rememberKey(key.secretHash, { user: ana, key, scope: null }, credentialEpoch(), 1000);
    expect(recallKey(key.secretHash, 1001)?.key.id).toBe("k1");
    credentialsChanged();
    expect(recallKey(key.secretHash, 1002)).toBeNull();
    expect(await recallCredential("ana", "the password here", 1002)).toBeNull();
  });

  test("rows read before a change are not kept (a write raced the read)", async () => {
    clearCredentialCache();
    const readAt = credentialEpoch();
    credentialsChanged(); // committed while the rows were on their way
    rememberKey(key.secretHash, { user: ana, key, scope: null }, readAt, 1000);
    await rememberCredential("ana", "the password here", ana, readAt, 1000);
    expect(recallKey(key.secretHash, 1001)).toBeNull();
    expect(await recallCredential("ana", "the password here", 1001)).toBeNull();
  });
});

describe("attempt policy", () => {
  test("the fifth failure locks for a minute, the next lockouts double up to an hour", () => {
    let state: AttemptState = emptyState;
    const t0 = 1_000_000;
    for (let i = 0; i < 4; i++) state = recordFailure(state, t0 + i);
    expect(retryAfterSeconds(state, t0 + 10)).toBe(0);
    state = recordFailure(state, t0 + 10);
    expect(retryAfterSeconds(state, t0 + 10)).toBe(60);
    expect([1, 2, 3, 7, 20].map(lockDurationMs)).toEqual([60_000, 120_000, 240_000, 3_600_000, 3_600_000]);
  });

  test("failures older than 15 minutes do not count; a quiet day forgets the streak", () => {
    let state: AttemptState = emptyState;
    for (let i = 0; i < 4; i++) state = recordFailure(state, i);
    state = recordFailure(state, 16 * 60_000);
    expect(retryAfterSeconds(state, 16 * 60_000)).toBe(0);
    const locked: AttemptState = { ...emptyState, lockouts: 5, lastFailureAt: 0, failures: [] };
    let later = locked;
    const day = 25 * 3600_000;
    for (let i = 0; i < 5; i++) later = recordFailure(later, day + i);
    expect(later.lockouts).toBe(1);
  });
});
