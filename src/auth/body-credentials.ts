/**
 * POST /chat's credentials, `{"auth":{"username","password"}, …}`, found in
 * the first slice of a body (at most 64 KiB; src/app.ts) before the rest is
 * read: a body that may be megabytes long costs an unauthenticated caller no
 * more than that slice (issue 13, point 10). Clients put `auth` first; it may
 * come anywhere among the top-level members as long as it ends inside the
 * slice.
 *
 * Only the top level is walked, value by value: strings are skipped with
 * their escapes, objects and arrays by counting brackets outside strings,
 * so nothing inside a prompt can pose as the member. The key is compared as
 * JSON.parse reads it (escapes decoded, exact case), the same rule the whole
 * body's parse applies afterwards; a second `auth` (or `Auth`) is refused
 * then with the other keys that fold together (src/body/received.ts).
 */

export type BodyAuthSearch =
  /** The `auth` member's value, parsed. */
  | { found: true; value: unknown }
  /** The top-level object ended without `auth`, or the body is not an object. */
  | { found: false; why: "absent" }
  /** The slice ended before `auth` did (or before it came). */
  | { found: false; why: "beyond_slice" }
  /** The text is not JSON: a 400, as the whole body's parse would say. */
  | { found: false; why: "malformed" };

const isSpace = (code: number) => code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;

function skipSpace(text: string, i: number): number {
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

/** Index just past the string whose opening quote is at `start`; -1 when the text ends inside it. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x5c) i++; // a backslash escapes the next character
    else if (code === 0x22) return i + 1;
  }
  return -1;
}

/** Index just past the value at `start`; -1 when the text ends inside it; -2 when it cannot be JSON. */
function valueEnd(text: string, start: number): number {
  const first = text[start];
  if (first === '"') return stringEnd(text, start);
  if (first === "{" || first === "[") {
    let depth = 0;
    for (let i = start; i < text.length; i++) {
      const char = text[i];
      if (char === '"') {
        const end = stringEnd(text, i);
        if (end < 0) return -1;
        i = end - 1;
      } else if (char === "{" || char === "[") depth++;
      else if (char === "}" || char === "]") {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    return -1;
  }
  // A number, true, false or null: runs until a delimiter.
  let i = start;
  while (i < text.length && !/[\s,}\]]/.test(text[i]!)) i++;
  if (i === start) return -2;
  return i === text.length ? -1 : i;
}

/** Looks for the top-level `auth` member in `text`, the first slice of a body (or all of it). */
export function findBodyAuth(text: string): BodyAuthSearch {
  let i = skipSpace(text, 0);
  if (i === text.length) return { found: false, why: "beyond_slice" };
  if (text[i] !== "{") return { found: false, why: "absent" };
  i = skipSpace(text, i + 1);
  if (text[i] === "}") return { found: false, why: "absent" };
  for (;;) {
    if (i === text.length) return { found: false, why: "beyond_slice" };
    if (text[i] !== '"') return { found: false, why: "malformed" };
    const keyEnd = stringEnd(text, i);
    if (keyEnd < 0) return { found: false, why: "beyond_slice" };
    const key = parsed(text.slice(i, keyEnd));
    if (key === undefined) return { found: false, why: "malformed" };
    i = skipSpace(text, keyEnd);
    if (i === text.length) return { found: false, why: "beyond_slice" };
    if (text[i] !== ":") return { found: false, why: "malformed" };
    const start = skipSpace(text, i + 1);
    if (start === text.length) return { found: false, why: "beyond_slice" };
    const end = valueEnd(text, start);
    if (end === -1) return { found: false, why: "beyond_slice" };
    if (end === -2) return { found: false, why: "malformed" };
    if (key === "auth") {
      const value = parsed(text.slice(start, end));
      return value === undefined ? { found: false, why: "malformed" } : { found: true, value };
    }
    i = skipSpace(text, end);
    if (i === text.length) return { found: false, why: "beyond_slice" };
    if (text[i] === "}") return { found: false, why: "absent" };
    if (text[i] !== ",") return { found: false, why: "malformed" };
    i = skipSpace(text, i + 1);
  }
}

function parsed(json: string): unknown {
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return undefined;
  }
}
