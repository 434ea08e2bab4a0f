/**
 * Key folding as Ollama's JSON decoder does it. Go's encoding/json matches an
 * object key to a struct field exactly first, then by `foldName`: ASCII
 * letters upper-cased, every other rune replaced by the smallest rune of its
 * simple case-folding orbit (so U+212A KELVIN SIGN folds with `k`, U+017F
 * LONG S with `s`). Two keys mean the same field to Ollama exactly when their
 * folds are equal, so Gatehouse compares and looks keys up the same way.
 *
 * JavaScript has no SimpleFold; the orbit is the closure of a rune under its
 * single-rune upper and lower case mappings (multi-rune full mappings such as
 * ß → SS are not simple folds), and U+0130 / U+0131 fold only to themselves,
 * as in Go's caseOrbit table.
 */

const singletons = new Set([0x130, 0x131]);
const cache = new Map<number, number>();

function singleRune(text: string): number | null {
  const code = text.codePointAt(0);
  return code !== undefined && String.fromCodePoint(code).length === text.length ? code : null;
}

/** The smallest rune equal to `rune` under simple case folding. */
export function foldRune(rune: number): number {
  if (rune < 0x80) return rune >= 0x61 && rune <= 0x7a ? rune - 0x20 : rune;
  if (singletons.has(rune)) return rune;
  const known = cache.get(rune);
  if (known !== undefined) return known;
  const orbit = new Set([rune]);
  const pending = [rune];
  while (pending.length > 0) {
    const text = String.fromCodePoint(pending.pop()!);
    for (const mapped of [text.toLowerCase(), text.toUpperCase()]) {
      const next = singleRune(mapped);
      if (next !== null && !orbit.has(next) && !singletons.has(next)) {
        orbit.add(next);
        pending.push(next);
      }
    }
  }
  let smallest = rune;
  for (const member of orbit) if (member < smallest) smallest = member;
  // ASCII members fold to their upper case, as Go's ASCII fast path does.
  const folded = smallest < 0x80 ? foldRune(smallest) : smallest;
  if (cache.size < 10_000) cache.set(rune, folded);
  return folded;
}

/** Go's foldName: equal results exactly when Ollama treats the keys as the same field. */
export function foldKey(key: string): string {
  let ascii = true;
  for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) >= 0x80) ascii = false;
  if (ascii) return key.toUpperCase();
  let out = "";
  for (const char of key) out += String.fromCodePoint(foldRune(char.codePointAt(0)!));
  return out;
}

/**
 * The key of `record` that Ollama reads as the field `name`: the exact key if
 * present, else the one that folds to it. Bodies with two such keys were
 * refused when they were read (src/middleware/json-body.ts, src/body/scan.ts), so there is at
 * most one.
 */
export function foldedKeyOf(record: Record<string, unknown>, name: string): string | undefined {
  if (Object.hasOwn(record, name)) return name;
  const wanted = foldKey(name);
  for (const key of Object.keys(record)) if (foldKey(key) === wanted) return key;
  return undefined;
}

/** The value Ollama reads as the field `name` of `record`. */
export function foldedGet(record: Record<string, unknown>, name: string): unknown {
  const key = foldedKeyOf(record, name);
  return key === undefined ? undefined : record[key];
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
