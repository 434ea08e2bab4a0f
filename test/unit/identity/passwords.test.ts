import { describe, expect, test } from "vitest";
import { parseConfig } from "../../../src/config";
import {
  burnVerification,
  constantTimeEqual,
  hashPassword,
  maxVerifyIterations,
  needsRehash,
  parseHash,
  passwordSchema,
  randomPassword,
  verifyPassword,
} from "../../../src/auth/passwords";

describe("password hashing (happy)", () => {
  test("the default is 600,000 iterations, and such a hash verifies (in Node, as first-admin uses it)", async () => {
    const iterations = parseConfig({}).GATEHOUSE_PBKDF2_ITERATIONS;
    expect(iterations).toBe(600_000);
    const stored = await hashPassword("a long enough password", iterations);
    expect(stored).toMatch(/^pbkdf2-sha256\$600000\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(await verifyPassword("a long enough password", stored)).toBe(true);
  });

  test("each hash has its own salt", async () => {
    const [a, b] = await Promise.all([hashPassword("same password here", 1000), hashPassword("same password here", 1000)]);
    expect(a).not.toBe(b);
    expect(parseHash(a)!.salt).toHaveLength(16);
  });

  test("a hash made with fewer iterations than configured wants a re-hash", async () => {
    const stored = await hashPassword("same password here", 1000);
    expect(needsRehash(stored, 2000)).toBe(true);
    expect(needsRehash(stored, 1000)).toBe(false);
  });
});

describe("password hashing (error)", () => {
  test("a wrong password does not verify", async () => {
    const stored = await hashPassword("the right password", 1000);
    expect(await verifyPassword("the wrong password", stored)).toBe(false);
    expect(await verifyPassword("the right passwor", stored)).toBe(false);
  });

  test("passwords under 12 characters are refused", () => {
    expect(passwordSchema.safeParse("elevenchars").success).toBe(false);
    expect(passwordSchema.safeParse("twelve chars").success).toBe(true);
  });

  test.each([
    ["another algorithm", "bcrypt$10$abc$def"],
    ["extra fields", "pbkdf2-sha256$1000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=$x"],
    ["a short hash", "pbkdf2-sha256$1000$AAAAAAAAAAAAAAAAAAAAAA==$AAAA"],
    ["not base64", "pbkdf2-sha256$1000$!!!$???"],
    ["too few iterations", "pbkdf2-sha256$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="],
  ])("a stored hash with %s never verifies", async (_name, stored) => {
    expect(await verifyPassword("anything at all", stored)).toBe(false);
  });
});

describe("password hashing (security)", () => {
  test("a tampered iteration count above the bound is refused without computing", async () => {
    const tampered = `pbkdf2-sha256$${maxVerifyIterations + 1}$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=`;
    const huge = "pbkdf2-sha256$999999999$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    const started = performance.now();
    expect(await verifyPassword("x", tampered)).toBe(false);
    expect(await verifyPassword("x", huge)).toBe(false);
    expect(performance.now() - started).toBeLessThan(50);
  });

  test("an unknown user costs a full derivation too", async () => {
    const iterations = 100_000;
    await burnVerification("warm the dummy hash", iterations);
    const stored = await hashPassword("the right password", iterations);
    const time = async (work: () => Promise<unknown>) => {
      const started = performance.now();
      await work();
      return performance.now() - started;
    };
    const real = await time(() => verifyPassword("the wrong password", stored));
    const dummy = await time(() => burnVerification("the wrong password", iterations));
    // Same work: within a factor of three even on a busy two-core machine.
    expect(dummy).toBeGreaterThan(real / 3);
    expect(dummy).toBeLessThan(real * 3);
  });

  test("constant-time comparison compares whole arrays", () => {
    expect(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(true);
    expect(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 0]))).toBe(false);
  });

  test("temporary passwords are random and long", () => {
    const a = randomPassword();
    expect(a).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(randomPassword()).not.toBe(a);
  });
});
