import { z } from "zod";

/**
 * Admin-defined patterns. A pattern an admin types runs over every prompt,
 * so it must not be able to take the worker down: the source is checked for
 * the constructs behind catastrophic backtracking (a quantified group that
 * itself contains a quantifier or an alternation, back-references,
 * lookarounds, unbounded `{n,}`), repetition bounds are capped, and each
 * match is limited in length. RegExp is a regular expression engine, not
 * code compilation: nothing here evaluates JavaScript.
 */

export const customPatternName = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, "lowercase letters, digits and _, at most 40");

export interface CustomPattern {
  name: string;
  source: string;
  caseInsensitive: boolean;
}

const maxSourceLength = 200;
const maxRepeat = 256;
const maxSpread = 4096;

/** `*` or `+` outside a character class and not escaped. */
function unboundedRepetition(source: string): boolean {
  let inClass = false;
  for (let i = 0; i < source.length; i += 1) {
    const char = source[i];
    if (char === "\\") i += 1;
    else if (inClass) inClass = char !== "]";
    else if (char === "[") inClass = true;
    else if (char === "*" || char === "+") return true;
  }
  return false;
}

/** Why a pattern is refused, or null when it is safe to run. */
export function patternProblem(source: string): string | null {
  if (source.length === 0 || source.length > maxSourceLength) return `must be 1–${maxSourceLength} characters`;
  if (/\\[1-9]|\\k</.test(source)) return "back-references are not allowed";
  if (/\(\?<?[=!]/.test(source)) return "lookarounds are not allowed";
  if (/\{\d*,\}/.test(source) || unboundedRepetition(source)) return "unbounded repetition (*, +, {n,}) is not allowed; give an upper bound with {m,n}";
  let spread = 1;
  for (const bound of source.matchAll(/\{(\d+)(?:,(\d+))?\}/g)) {
    const low = Number(bound[1]);
    const high = Number(bound[2] ?? bound[1]);
    if (high > maxRepeat) return `repetition bounds above ${maxRepeat} are not allowed`;
    spread *= high - low + 1;
  }
  // Adjacent variable repetitions multiply the ways one start can match: keep that product small.
  if (spread > maxSpread) return "too many variable-length repetitions in one pattern";
  if (quantifiedGroupWithInnerRepetition(source)) return "a repeated group may not contain a repetition or an alternation (catastrophic backtracking)";
  try {
    new RegExp(source, "gu");
  } catch {
    return "not a valid regular expression";
  }
  if (new RegExp(source, "u").test("")) return "must not match the empty string";
  return null;
}

/** Walks the source, tracking groups: does any group that is followed by a quantifier contain `*`, `+`, `{`, `?` or `|`? */
function quantifiedGroupWithInnerRepetition(source: string): boolean {
  const stack: { risky: boolean }[] = [];
  let inClass = false;
  for (let i = 0; i < source.length; i += 1) {
    const char = source[i];
    if (char === "\\") {
      i += 1;
      continue;
    }
    if (inClass) {
      if (char === "]") inClass = false;
      continue;
    }
    if (char === "[") inClass = true;
    else if (char === "(") stack.push({ risky: false });
    else if (char === ")") {
      const group = stack.pop();
      const next = source[i + 1];
      const quantified = next === "*" || next === "+" || next === "?" || next === "{";
      if (group?.risky && quantified) return true;
      if (group?.risky || quantified) markTop(stack);
    } else if ((char === "*" || char === "+" || char === "{" || char === "|" || (char === "?" && source[i - 1] !== "(")) && stack.length > 0) {
      markTop(stack);
    }
  }
  return false;
}

function markTop(stack: { risky: boolean }[]): void {
  const top = stack[stack.length - 1];
  if (top) top.risky = true;
}

export const customPatternSchema = z.object({
  name: customPatternName,
  source: z.string().superRefine((source, ctx) => {
    const problem = patternProblem(source);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  }),
  caseInsensitive: z.boolean().default(false),
});

/** Longest text a custom pattern may match (a longer match is cut to this). */
export const maxCustomMatch = 512;

export function compileCustom(pattern: CustomPattern): RegExp {
  return new RegExp(pattern.source, pattern.caseInsensitive ? "giu" : "gu");
}
