import { z } from "zod";
import { gatedDerivation } from "./derivation-gate";

/**
 * Password hashing with PBKDF2-SHA256 through WebCrypto, so the same code runs
 * in workerd and in Node 22 (scripts/lib/first-admin.ts hashes the first
 * admin's password before the worker serves anything).
 *
 * Stored form: `pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>`. The
 * parameters travel with the hash so the default can be raised later without
 * breaking existing rows.
 */

export const algorithm = "pbkdf2-sha256";
const saltBytes = 16;
const hashBits = 256;
/**
 * The most iterations a stored hash may ask for. A tampered row claiming
 * billions of iterations would otherwise turn every sign-in into a CPU bomb.
 */
export const maxVerifyIterations = 2_000_000;
export const minVerifyIterations = 1_000;

/** New passwords: at least 12 characters; the upper bound keeps hashing cheap. */
export const passwordSchema = z.string().min(12, "must be at least 12 characters").max(1024);

const encoder = new TextEncoder();

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array | null {
  try {
    return Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
  } catch {
    return null;
  }
}

/** One derivation at a time, a short line behind it (src/auth/derivation-gate.ts); throws DerivationsBusy past that. */
function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  return gatedDerivation(iterations, async () => {
    const key = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, ["deriveBits"]);
    const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, hashBits);
    return new Uint8Array(bits);
  });
}

/** Compares without an early exit, so the time taken says nothing about where they differ. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

export async function hashPassword(password: string, iterations: number): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(saltBytes));
  const hash = await derive(password, salt, iterations);
  return `${algorithm}$${iterations}$${toBase64(salt)}$${toBase64(hash)}`;
}

interface ParsedHash {
  iterations: number;
  salt: Uint8Array;
  hash: Uint8Array;
}

export function parseHash(stored: string): ParsedHash | null {
  const [name, iterationsText, saltText, hashText, extra] = stored.split("$");
  if (name !== algorithm || extra !== undefined || !iterationsText || !saltText || !hashText) return null;
  if (!/^\d{1,9}$/.test(iterationsText)) return null;
  const iterations = Number(iterationsText);
  if (iterations < minVerifyIterations || iterations > maxVerifyIterations) return null;
  const salt = fromBase64(saltText);
  const hash = fromBase64(hashText);
  if (!salt || !hash || salt.length < 8 || hash.length !== hashBits / 8) return null;
  return { iterations, salt, hash };
}

/**
 * True when `password` matches `stored`. A malformed or out-of-bounds row
 * never matches (fail closed) and costs nothing.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed) return false;
  const candidate = await derive(password, parsed.salt, parsed.iterations);
  return constantTimeEqual(candidate, parsed.hash);
}

const dummyHashes = new Map<number, Promise<string>>();

/**
 * Spends the same time as checking a real password, for an unknown user or
 * an account without a password, so the answer's timing does not tell an
 * attacker which usernames exist.
 */
export async function burnVerification(password: string, iterations: number): Promise<false> {
  let dummy = dummyHashes.get(iterations);
  if (!dummy) {
    dummy = hashPassword("gatehouse-dummy-password", iterations);
    dummyHashes.set(iterations, dummy);
  }
  await verifyPassword(password, await dummy);
  return false;
}

/** True when a stored hash uses fewer iterations than configured now (re-hash at next sign-in). */
export function needsRehash(stored: string, iterations: number): boolean {
  const parsed = parseHash(stored);
  return parsed !== null && parsed.iterations < iterations;
}

/** A temporary password: 18 random bytes, base64url (24 characters, 144 bits). */
export function randomPassword(): string {
  return toBase64(crypto.getRandomValues(new Uint8Array(18))).replace(/\+/g, "-").replace(/\//g, "_");
}
