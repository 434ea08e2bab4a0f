import type { Category, InjectionSignal } from "./categories";
import { findIpv6 } from "./checksums";
import { compileCustom, maxCustomMatch, type CustomPattern } from "./custom-patterns";
import { detectors, secretGate, type Detector } from "./detectors";
import { injectionSignalsIn } from "./injection";
import { fold, originalRange } from "./normalize";

/**
 * One pass of every detector over one text: fold Unicode tricks away, run
 * the built-in and admin patterns, keep the strongest of overlapping
 * matches, and report each with its offsets in the original text.
 */

export interface Match {
  category: Category;
  /** Offsets in the original text, [start, end). */
  start: number;
  end: number;
  /** The folded value, the form that is fingerprinted (full-width and ASCII digits agree). */
  value: string;
}

export interface ScanResult {
  matches: Match[];
  signals: InjectionSignal[];
}

/** A pattern set ready to run: built-ins plus the admin's compiled patterns. */
export interface Scanner {
  custom: readonly { category: Category; pattern: RegExp }[];
}

/** More matches than this in one text are not looked for (the text is refused or redacted as far as found). */
const maxMatches = 4096;
const customPriority = 7;

export function scannerFor(patterns: readonly CustomPattern[]): Scanner {
  return { custom: patterns.map((p) => ({ category: `custom:${p.name}` as Category, pattern: compileCustom(p) })) };
}

export const builtinScanner: Scanner = { custom: [] };

interface Candidate {
  category: Category;
  priority: number;
  from: number;
  to: number;
}

export function scanText(text: string, scanner: Scanner = builtinScanner, withSignals = true): ScanResult {
  const folded = fold(text);
  const source = folded.text;
  const candidates: Candidate[] = [];
  const secretsPossible = secretGate.test(source);
  for (const detector of detectors) {
    if (detector.gated && !secretsPossible) continue;
    const accept = (match: string, from: number): Candidate | null => {
      if (detector.valid && !detector.valid(match, source, from)) return null;
      return { category: detector.category, priority: detector.priority, from, to: from + match.length };
    };
    if (detector.anchor?.runStart) collectAtRunStarts(detector.anchor, detector.pattern, source, candidates, accept);
    else if (detector.anchor) collectAround(detector.anchor, detector.pattern, source, candidates, accept);
    else collect(detector.pattern, source, candidates, accept);
  }
  for (const [from, to] of findIpv6(source)) candidates.push({ category: "ip_address", priority: 3, from, to });
  for (const { category, pattern } of scanner.custom) {
    collect(pattern, source, candidates, (match, from) => ({ category, priority: customPriority, from, to: from + Math.min(match.length, maxCustomMatch) }));
  }
  const matches = strongestFirst(candidates).map(({ category, from, to }) => {
    const [start, end] = originalRange(folded, from, to);
    return { category, start, end, value: source.slice(from, to) };
  });
  return { matches, signals: withSignals ? injectionSignalsIn(source) : [] };
}

type Accept = (match: string, from: number) => Candidate | null;

function collect(pattern: RegExp, source: string, into: Candidate[], accept: Accept, offset = 0, text = source): void {
  pattern.lastIndex = 0;
  for (let match = pattern.exec(text); match !== null && into.length < maxMatches; match = pattern.exec(text)) {
    if (match[0].length === 0) {
      pattern.lastIndex += 1;
      continue;
    }
    const candidate = accept(match[0], offset + match.index);
    if (candidate) into.push(candidate);
  }
}

/**
 * Runs the pattern only on windows around each anchor character, merged
 * where they overlap, so a prompt without `@` costs one indexOf for emails.
 * A window starts a few characters early so the pattern's lookbehind sees
 * real context, and matches starting in that lead-in are left to the window
 * that owns them (no duplicates).
 */
function collectAround(anchor: NonNullable<Detector["anchor"]>, pattern: RegExp, source: string, into: Candidate[], accept: Accept): void {
  let at = source.indexOf(anchor.char);
  while (at !== -1 && into.length < maxMatches) {
    const from = Math.max(0, at - anchor.before);
    let to = Math.min(source.length, at + anchor.after + 1);
    let next = source.indexOf(anchor.char, at + 1);
    while (next !== -1 && next - anchor.before <= to) {
      to = Math.min(source.length, next + anchor.after + 1);
      next = source.indexOf(anchor.char, next + 1);
    }
    const lead = Math.max(0, from - 1);
    collect(pattern, source, into, (match, start) => (start < from ? null : accept(match, start)), lead, source.slice(lead, to));
    at = next;
  }
}

const stickyCopies = new Map<RegExp, RegExp>();

/**
 * For an anchor whose match must begin where the run of `runStart`
 * characters before it begins (an email's local part before its `@`): one
 * sticky attempt per anchor. An anchor whose run begins inside the previous
 * match is skipped, as a scan from left to right would.
 */
function collectAtRunStarts(anchor: NonNullable<Detector["anchor"]>, pattern: RegExp, source: string, into: Candidate[], accept: Accept): void {
  const runStart = anchor.runStart!;
  let sticky = stickyCopies.get(pattern);
  if (!sticky) stickyCopies.set(pattern, (sticky = new RegExp(pattern.source, pattern.flags.replace("g", "") + "y")));
  let covered = 0;
  for (let at = source.indexOf(anchor.char); at !== -1 && into.length < maxMatches; at = source.indexOf(anchor.char, at + 1)) {
    let from = at;
    while (from > 0 && at - from <= anchor.before && runStart(source.charCodeAt(from - 1))) from -= 1;
    if (from === at || at - from > anchor.before || from < covered) continue;
    sticky.lastIndex = from;
    const match = sticky.exec(source);
    if (!match) continue;
    covered = from + match[0].length;
    const candidate = accept(match[0], from);
    if (candidate) into.push(candidate);
  }
}

/** Non-overlapping matches, preferring higher priority then longer; returned in text order. */
function strongestFirst(candidates: Candidate[]): Candidate[] {
  if (candidates.length < 2) return candidates;
  const ranked = [...candidates].sort((a, b) => b.priority - a.priority || b.to - b.from - (a.to - a.from) || a.from - b.from);
  const kept: Candidate[] = [];
  for (const candidate of ranked) {
    if (!kept.some((k) => candidate.from < k.to && k.from < candidate.to)) kept.push(candidate);
  }
  return kept.sort((a, b) => a.from - b.from);
}
