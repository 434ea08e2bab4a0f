/**
 * Unicode tricks must not hide a value from the detectors: zero-width and
 * other invisible characters are dropped, and every other character is
 * folded with NFKC (full-width digits → ASCII digits, ligatures, …).
 * Matching runs on the folded text; `start`/`end` map each folded UTF-16
 * unit back to the original text so redaction cuts the original in the
 * right place.
 *
 * Pure and fast: plain ASCII (the common case) allocates nothing, and so
 * does text whose every character is already in folded form (accented
 * prose: é, ß, ü fold to themselves). Only characters that fold to
 * something else (or to nothing) break the text into pieces, and only then
 * are the offset maps built.
 */

export interface Folded {
  /** The text the detectors see. */
  text: string;
  /** Original start offset of folded unit i; null when folded === original. */
  start: Int32Array | null;
  /** Original end offset (exclusive) of folded unit i. */
  end: Int32Array | null;
}

const plain = /^[\x00-\x7F]*$/;

/** Zero-width and formatting characters that render as nothing. */
function invisible(code: number): boolean {
  return (
    code === 0x00ad || code === 0x034f || code === 0x061c || code === 0x115f || code === 0x1160 || code === 0x17b4 ||
    code === 0x17b5 || (code >= 0x180b && code <= 0x180f) || (code >= 0x200b && code <= 0x200f) ||
    (code >= 0x202a && code <= 0x202e) || (code >= 0x2060 && code <= 0x206f) || code === 0x3164 ||
    (code >= 0xfe00 && code <= 0xfe0f) || code === 0xfeff || code === 0xffa0 || (code >= 0xe0000 && code <= 0xe007f)
  );
}

const foldCache = new Map<number, string>();
/** Per BMP code unit: 0 not yet seen, 1 folds to itself, 2 folds to something else (see foldCache). */
const foldsToItself = new Uint8Array(0x10000);

function foldChar(code: number, char: string): string {
  let folded = foldCache.get(code);
  if (folded === undefined) {
    folded = invisible(code) ? "" : char.normalize("NFKC");
    if (foldCache.size < 4096) foldCache.set(code, folded);
  }
  return folded;
}

/** Whether this non-ASCII character is left as it is by the folding. */
function unchanged(text: string, i: number, code: number, width: number): boolean {
  if (width === 2) return foldChar(code, text.slice(i, i + 2)) === text.slice(i, i + 2);
  let known = foldsToItself[code]!;
  if (known === 0) {
    const char = text[i]!;
    known = foldChar(code, char) === char ? 1 : 2;
    foldsToItself[code] = known;
  }
  return known === 1;
}

export function fold(text: string): Folded {
  if (plain.test(text)) return { text, start: null, end: null };
  const parts: string[] = [];
  let start: Int32Array = new Int32Array(0);
  let end: Int32Array = new Int32Array(0);
  let length = 0;
  const push = (piece: string, from: number, to: number, perUnit: boolean) => {
    if (length + piece.length > start.length) {
      start = grow(start, Math.max(length + piece.length, text.length + 32));
      end = grow(end, start.length);
    }
    for (let k = 0; k < piece.length; k += 1) {
      start[length] = perUnit ? from + k : from;
      end[length] = perUnit ? from + k + 1 : to;
      length += 1;
    }
    parts.push(piece);
  };
  // Characters that fold to themselves stay in the run that began at `at`.
  let at = 0;
  for (let i = 0; i < text.length; i += 1) {
    if (text.charCodeAt(i) < 0x80) continue;
    const code = text.codePointAt(i)!;
    const width = code > 0xffff ? 2 : 1;
    if (!unchanged(text, i, code, width)) {
      if (i > at) push(text.slice(at, i), at, i, true);
      push(foldChar(code, text.slice(i, i + width)), i, i + width, false);
      at = i + width;
    }
    i += width - 1;
  }
  if (parts.length === 0) return { text, start: null, end: null };
  if (at < text.length) push(text.slice(at), at, text.length, true);
  return { text: parts.join(""), start: start.subarray(0, length), end: end.subarray(0, length) };
}

function grow(array: Int32Array, atLeast: number): Int32Array {
  const bigger = new Int32Array(Math.max(atLeast, array.length * 2));
  bigger.set(array);
  return bigger;
}

/** The original [from, to) of the folded range [from, to). */
export function originalRange(folded: Folded, from: number, to: number): [number, number] {
  if (!folded.start || !folded.end) return [from, to];
  if (to <= from) return [folded.start[from] ?? 0, folded.start[from] ?? 0];
  return [folded.start[from] ?? 0, folded.end[to - 1] ?? 0];
}
