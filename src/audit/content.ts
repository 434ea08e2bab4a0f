import type { CaptureMode } from "../vocabulary";
import { sha256Hex } from "../hex";

/**
 * Prompt and response text per capture mode, and its storage in pieces.
 * full: the text, its SHA-256 and UTF-8 length; hash: SHA-256 and length
 * only; metadata: nothing.
 */

export type { CaptureMode };

export interface CapturedText {
  sha256: string | null;
  bytes: number | null;
  /** Stored only in full mode. */
  text: string | null;
}

const none: CapturedText = { sha256: null, bytes: null, text: null };

export async function capture(mode: CaptureMode, text: string | null, seal?: (text: string) => Promise<string>): Promise<CapturedText> {
  if (mode === "metadata" || text === null) return none;
  const bytes = new TextEncoder().encode(text).byteLength;
  // Sealed (encrypted per user, src/sensitive/erasure.ts): the hash covers the stored ciphertext,
  // so the chain still verifies once the user's key is destroyed.
  const stored = mode === "full" && seal ? await seal(text) : text;
  const sha256 = await sha256Hex(stored);
  return { sha256, bytes, text: mode === "full" ? stored : null };
}

/**
 * UTF-16 units per stored piece: at most 3 UTF-8 bytes per unit, so a piece
 * stays near 600 KB, under hosted D1's 1 MB row (and statement) limits.
 */
export const chunkUnits = 200_000;

/** Splits text into pieces, never between the two halves of a surrogate pair. */
export function chunkText(text: string, size = chunkUnits): string[] {
  if (size < 2) throw new Error("chunkText: size must be at least 2");
  const pieces: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + size, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}

/**
 * Splits records into groups whose stored text adds up to at most `maxBytes`
 * (a record bigger than that is a group of its own), so exports and verify
 * load text a bounded amount at a time, whatever the number of rows.
 */
export function groupByBytes<T>(items: readonly T[], bytesOf: (item: T) => number, maxBytes: number): T[][] {
  const groups: T[][] = [];
  let group: T[] = [];
  let size = 0;
  for (const item of items) {
    const bytes = bytesOf(item);
    if (group.length > 0 && size + bytes > maxBytes) {
      groups.push(group);
      group = [];
      size = 0;
    }
    group.push(item);
    size += bytes;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}
