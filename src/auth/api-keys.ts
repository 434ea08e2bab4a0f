import { hex, sha256Hex } from "../hex";
import { constantTimeEqual } from "./passwords";

/**
 * API key secrets: `gh_<prefix>_<secret>`, where prefix is 12 lowercase hex
 * characters (public: shown in listings, indexed for lookup) and secret is
 * 32 random bytes in base64url. The fixed `gh_` start and the shape make a
 * leaked key easy for secret scanners to recognise. Only the SHA-256 of the
 * whole string is ever stored.
 */

const keyPattern = /^gh_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface GeneratedKey {
  prefix: string;
  /** The whole secret, shown to its owner once. */
  secret: string;
  /** Hex SHA-256 of `secret`, the only form that is stored. */
  secretHash: string;
}

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}


export async function generateKey(): Promise<GeneratedKey> {
  const prefix = hex(crypto.getRandomValues(new Uint8Array(6)));
  const secret = `gh_${prefix}_${base64url(crypto.getRandomValues(new Uint8Array(32)))}`;
  return { prefix, secret, secretHash: await sha256Hex(secret) };
}

/** The public prefix of something shaped like a key, or null (not a key: no lookup at all). */
export function keyPrefix(candidate: string): string | null {
  return keyPattern.exec(candidate)?.[1] ?? null;
}

/** Compares a presented secret with a stored hash in constant time. */
export async function secretMatches(candidate: string, storedHash: string): Promise<boolean> {
  return hashMatches(await sha256Hex(candidate), storedHash);
}

/** Compares a presented secret's hex SHA-256 with a stored one in constant time. */
export function hashMatches(candidateHash: string, storedHash: string): boolean {
  const encoder = new TextEncoder();
  return constantTimeEqual(encoder.encode(candidateHash), encoder.encode(storedHash));
}
