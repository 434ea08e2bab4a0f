import { describe, expect, test } from "vitest";
import { generateKey, keyPrefix, secretMatches } from "../../../src/auth/api-keys";
import { sha256Hex } from "../../../src/hex";
import { globCovers, intersectModels, keyScopeSchema, narrowLimits, parseStoredScope } from "../../../src/auth/key-scope";
import { principalFor } from "../../../src/auth/principal-for";
import { parseConfig } from "../../../src/config";
import type { UserRow } from "../../../src/db/users";
import { configuredDefaultLimits, defaultLimits } from "../../../src/governance/limits";
import { globMatches } from "../../../src/inference/model-names";

describe("API key secrets", () => {
  test("gh_ + 12-hex public prefix + 32 random bytes; only the SHA-256 is kept", async () => {
    const key = await generateKey();
    expect(key.secret).toMatch(/^gh_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(keyPrefix(key.secret)).toBe(key.prefix);
    expect(key.secretHash).toBe(await sha256Hex(key.secret));
    expect(key.secretHash).not.toContain(key.secret.slice(16));
    expect(await secretMatches(key.secret, key.secretHash)).toBe(true);
    // The last character carries 4 bits (1 in 16 is "A" already): change it for certain.
    const tampered = `${key.secret.slice(0, -1)}${key.secret.endsWith("A") ? "B" : "A"}`;
    expect(await secretMatches(tampered, key.secretHash)).toBe(false);
  });

  test.each(["", "gh_", "gh_0123456789ab_short", "sk-abc", "gh_0123456789AB_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"])("%j is not a key", (text) => {
    expect(keyPrefix(text)).toBeNull();
  });
});

describe("key scopes only narrow", () => {
  test.each([
    ["llama*", "llama3*", true],
    ["llama*", "llama3.2:latest", true],
    ["llama3*", "*", false],
    ["llama3.2:latest", "llama3.2", true],
    ["a?c", "a*c", false],
    ["*", "anything:else", true],
  ])("%s covers %s: %s", (outer, inner, expected) => {
    expect(globCovers(outer, inner)).toBe(expected);
  });

  test("the intersection allows only what both allow", () => {
    const both = intersectModels(["llama3*"], ["*"])!;
    expect(both).toEqual(["llama3*"]);
    const allowed = (name: string) => both.some((glob) => globMatches(glob, name));
    expect(allowed("llama3.2:latest")).toBe(true);
    expect(allowed("qwen2.5:0.5b")).toBe(false);
    expect(intersectModels(null, ["qwen*"])).toEqual(["qwen*"]);
    expect(intersectModels(["qwen*"], undefined)).toEqual(["qwen*"]);
    expect(intersectModels(["qwen*"], ["llama*"])).toEqual([]);
  });

  test("numeric limits take the tighter value; null on the key keeps the owner's", () => {
    const owner = { ...defaultLimits, rpm: 10, dailyTokens: null };
    const narrowed = narrowLimits(owner, { limits: { rpm: 50, dailyTokens: 1000, burst: null } });
    expect(narrowed).toMatchObject({ rpm: 10, dailyTokens: 1000, burst: owner.burst });
  });

  test("scopes are strict: unknown fields are refused", () => {
    expect(keyScopeSchema.safeParse({ admin: true }).success).toBe(false);
    expect(keyScopeSchema.safeParse({ sources: ["10.0.0.0/8", "::1"] }).success).toBe(true);
  });

  test("a stored scope that does not parse refuses the key", () => {
    expect(parseStoredScope("{not json")).toBe("invalid");
    expect(parseStoredScope(JSON.stringify({ models: "x" }))).toBe("invalid");
    expect(parseStoredScope(null)).toBeNull();
  });
});

describe("the principal's limits", () => {
  const row = (limits: string | null): UserRow => ({
    id: "u1", username: "ana", email: null, role: "user", status: "active", passwordHash: null, mustChangePassword: false,
    sessionVersion: 1, limits, allowCloudModels: false, boundaries: null, captureMode: null, lastExportAt: null, createdAt: 0, updatedAt: 0,
  });
  const configured = configuredDefaultLimits(parseConfig({ GATEHOUSE_DEFAULT_RPM: "77" }));

  test("users without limits get the configured defaults (GATEHOUSE_DEFAULT_*)", () => {
    expect(principalFor(row(null), "basic", configured).limits.rpm).toBe(77);
  });

  test("stored limits win; a corrupt row falls back to the defaults; a key scope narrows", () => {
    const stored = JSON.stringify({ ...defaultLimits, rpm: 5 });
    expect(principalFor(row(stored), "basic", configured).limits.rpm).toBe(5);
    expect(principalFor(row("{broken"), "basic", configured).limits.rpm).toBe(77);
    expect(principalFor(row(null), "key", configured, null, { limits: { rpm: 3 } }).limits.rpm).toBe(3);
  });
});
