import { placeholderTag, type Category } from "./categories";
import { fingerprint } from "./keys";
import type { Match } from "./scan";

/**
 * Replaces matched values with typed placeholders, `[EMAIL:1a2b3c4d]`: the
 * category and the first 8 hex digits of the keyed fingerprint, so a reader
 * sees what was there and that two placeholders are the same value, never
 * the value itself.
 */

export interface Finding {
  category: Category;
  /** Full hex HMAC of the value. */
  fingerprint: string;
}

export function placeholder(category: Category, print: string): string {
  return `[${placeholderTag(category)}:${print.slice(0, 8)}]`;
}

export async function fingerprintsOf(key: CryptoKey, matches: readonly Match[]): Promise<Finding[]> {
  return Promise.all(matches.map(async (m) => ({ category: m.category, fingerprint: await fingerprint(key, m.category, m.value) })));
}

/** `text` with every match (in text order, non-overlapping) replaced by its placeholder. */
export function redactWith(text: string, matches: readonly Match[], findings: readonly Finding[]): string {
  if (matches.length === 0) return text;
  const parts: string[] = [];
  let at = 0;
  matches.forEach((match, i) => {
    parts.push(text.slice(at, match.start), placeholder(match.category, findings[i]!.fingerprint));
    at = match.end;
  });
  parts.push(text.slice(at));
  return parts.join("");
}
