import { foldKey } from "./fold";

/**
 * One pass over a JSON text that JSON.parse has already accepted. It finds
 * what JSON.parse hides — two keys of one object that Ollama's decoder reads
 * as the same field (an exact repeat, or a case or Unicode fold of another:
 * JavaScript keeps one, Go keeps the last or even merges two objects) — and
 * it records where the top-level members and the members of top-level
 * objects sit in the text, so an edit can splice them without
 * re-serialising the rest (src/body/edits.ts). Iterative: nesting cannot
 * blow the stack.
 */

export interface MemberSpan {
  key: string;
  /** Index of the key's opening quote. */
  keyStart: number;
  valueStart: number;
  /** Index just past the value. */
  valueEnd: number;
  /** The member's own members, when its value is an object (top-level members only). */
  child?: ObjectSpan;
}

export interface ObjectSpan {
  /** Index of `{`. */
  start: number;
  /** Index of `}`. */
  end: number;
  members: MemberSpan[];
}

export interface ScanResult {
  /** "options.NUM_CTX repeats options.num_ctx", or null when every object's keys are distinct under folding. */
  duplicate: string | null;
  /** The top-level object's layout, or null when the body is not an object. */
  root: ObjectSpan | null;
}

interface Frame {
  object: boolean;
  path: string;
  depth: number;
  /** folded key → the key as sent (objects only). */
  keys: Map<string, string>;
  span: ObjectSpan | null;
  member: MemberSpan | null;
  expectKey: boolean;
  index: number;
}

const isSpace = (code: number) => code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;

/** Index just past the string token whose opening quote is at `start`. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  for (;;) {
    const quote = text.indexOf('"', i);
    if (quote < 0) return text.length;
    let slashes = 0;
    for (let j = quote - 1; text.charCodeAt(j) === 0x5c; j--) slashes++;
    if (slashes % 2 === 0) return quote + 1;
    i = quote + 1;
  }
}

const childPath = (frame: Frame, key: string) => (frame.path === "" ? key : `${frame.path}.${key}`);
const shown = (key: string) => (key.length > 64 ? `${key.slice(0, 64)}…` : key);

export function scanJson(text: string): ScanResult {
  const stack: Frame[] = [];
  let root: ObjectSpan | null = null;
  let duplicate: string | null = null;
  /** Where the value now being read starts, and under which member. */
  const open = (start: number): { path: string; depth: number; member: MemberSpan | null } => {
    const parent = stack[stack.length - 1];
    if (!parent) return { path: "", depth: 0, member: null };
    if (parent.object) {
      parent.member = parent.member && parent.member.valueStart < 0 ? parent.member : null;
      if (parent.member) parent.member.valueStart = start;
      return { path: childPath(parent, parent.member?.key ?? ""), depth: parent.depth + 1, member: parent.member };
    }
    return { path: childPath(parent, String(parent.index)), depth: parent.depth + 1, member: null };
  };
  const close = (end: number) => {
    const parent = stack[stack.length - 1];
    if (parent?.object && parent.member && parent.member.valueStart >= 0 && parent.member.valueEnd < 0) parent.member.valueEnd = end;
  };

  for (let i = 0; i < text.length && duplicate === null; ) {
    const code = text.charCodeAt(i);
    if (isSpace(code) || code === 0x3a /* : */) {
      i++;
      continue;
    }
    const top = stack[stack.length - 1];
    if (code === 0x2c /* , */) {
      if (top?.object) top.expectKey = true;
      else if (top) top.index++;
      i++;
      continue;
    }
    if (code === 0x7b /* { */ || code === 0x5b /* [ */) {
      const at = open(i);
      const object = code === 0x7b;
      const span = object && at.depth <= 1 ? { start: i, end: -1, members: [] } : null;
      if (at.depth === 0) root = span;
      else if (span && at.member) at.member.child = span;
      stack.push({ object, path: at.path, depth: at.depth, keys: new Map(), span, member: null, expectKey: object, index: 0 });
      i++;
      continue;
    }
    if (code === 0x7d /* } */ || code === 0x5d /* ] */) {
      const frame = stack.pop();
      if (frame?.span) frame.span.end = i;
      i++;
      close(i);
      continue;
    }
    if (code === 0x22 /* " */ && top?.object && top.expectKey) {
      const end = stringEnd(text, i);
      const raw = text.slice(i + 1, end - 1);
      const key = raw.includes("\\") ? (JSON.parse(text.slice(i, end)) as string) : raw;
      const folded = foldKey(key);
      const earlier = top.keys.get(folded);
      if (earlier !== undefined) {
        duplicate = `${childPath(top, shown(key))} repeats ${childPath(top, shown(earlier))}`;
        break;
      }
      top.keys.set(folded, key);
      top.expectKey = false;
      top.member = { key, keyStart: i, valueStart: -1, valueEnd: -1 };
      top.span?.members.push(top.member);
      i = end;
      continue;
    }
    // A scalar value: a string, a number, true, false or null.
    open(i);
    let end = i + 1;
    if (code === 0x22) end = stringEnd(text, i);
    else while (end < text.length && !/[\s,\]}]/.test(text[end]!)) end++;
    i = end;
    close(end);
  }
  return { duplicate, root };
}
