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
  /** The enclosing frame and this value's key or index in it; the path is built only for a message. */
  parent: Frame | null;
  name: string;
  depth: number;
  /** folded key → the key as sent (objects only). */
  keys: Map<string, string>;
  span: ObjectSpan | null;
  /** The recorded member whose value comes next (tracked objects only). */
  member: MemberSpan | null;
  /** The key whose value comes next. */
  key: string;
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

function pathOf(frame: Frame | null): string {
  const names: string[] = [];
  for (let at = frame; at?.parent; at = at.parent) names.push(at.name);
  return names.reverse().join(".");
}

const childPath = (frame: Frame, key: string) => {
  const path = pathOf(frame);
  return path === "" ? key : `${path}.${key}`;
};
const shown = (key: string) => (key.length > 64 ? `${key.slice(0, 64)}…` : key);

/** Where a value starting at `start` belongs: its parent, name and depth, and the tracked member it is the value of. */
function enter(stack: Frame[], start: number): { parent: Frame | null; name: string; depth: number; member: MemberSpan | null } {
  const parent = stack[stack.length - 1];
  if (!parent) return { parent: null, name: "", depth: 0, member: null };
  if (!parent.object) return { parent, name: String(parent.index), depth: parent.depth + 1, member: null };
  const member = parent.member;
  if (member) member.valueStart = start;
  return { parent, name: parent.key, depth: parent.depth + 1, member };
}

/** Marks the end of the value just read, on the tracked member it belongs to. */
function leave(stack: Frame[], end: number): void {
  const member = stack[stack.length - 1]?.member;
  if (member && member.valueEnd < 0) member.valueEnd = end;
}

/** Records the key whose token spans [start, end) in its object; returns the message when it repeats one. */
function readKey(frame: Frame, text: string, start: number, end: number): string | null {
  const raw = text.slice(start + 1, end - 1);
  const key = raw.includes("\\") ? (JSON.parse(text.slice(start, end)) as string) : raw;
  const folded = foldKey(key);
  const earlier = frame.keys.get(folded);
  if (earlier !== undefined) return `${childPath(frame, shown(key))} repeats ${childPath(frame, shown(earlier))}`;
  frame.keys.set(folded, key);
  frame.expectKey = false;
  frame.key = key;
  // Only the members of the top two levels are recorded; deeper ones are only checked.
  frame.member = frame.span ? { key, keyStart: start, valueStart: -1, valueEnd: -1 } : null;
  if (frame.member) frame.span!.members.push(frame.member);
  return null;
}

const isScalarEnd = (code: number) => code === 0x2c || code === 0x5d || code === 0x7d || isSpace(code);

export function scanJson(text: string): ScanResult {
  const stack: Frame[] = [];
  let root: ObjectSpan | null = null;
  for (let i = 0; i < text.length; ) {
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
      const at = enter(stack, i);
      const object = code === 0x7b;
      const span = object && at.depth <= 1 ? { start: i, end: -1, members: [] } : null;
      if (at.depth === 0) root = span;
      else if (span && at.member) at.member.child = span;
      stack.push({ object, parent: at.parent, name: at.name, depth: at.depth, keys: new Map(), span, member: null, key: "", expectKey: object, index: 0 });
      i++;
      continue;
    }
    if (code === 0x7d /* } */ || code === 0x5d /* ] */) {
      const frame = stack.pop();
      if (frame?.span) frame.span.end = i;
      i++;
      leave(stack, i);
      continue;
    }
    if (code === 0x22 /* " */ && top?.object && top.expectKey) {
      const end = stringEnd(text, i);
      const duplicate = readKey(top, text, i, end);
      if (duplicate !== null) return { duplicate, root };
      i = end;
      continue;
    }
    // A scalar value: a string, a number, true, false or null.
    if (top?.object && top.member) top.member.valueStart = i;
    let end = i + 1;
    if (code === 0x22) end = stringEnd(text, i);
    else while (end < text.length && !isScalarEnd(text.charCodeAt(end))) end++;
    i = end;
    leave(stack, end);
  }
  return { duplicate: null, root };
}
