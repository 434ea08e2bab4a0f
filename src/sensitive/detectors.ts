import type { BuiltinCategory } from "./categories";
import { cardIssuerValid, digitsOf, ibanValid, ipv6Valid, luhnValid } from "./checksums";

/**
 * The built-in detectors: one global RegExp literal per shape, plus a check
 * for the shapes a pattern alone over-matches. Every pattern is linear-ish:
 * bounded repetitions, no nested unbounded quantifiers, and a lookbehind
 * that stops a match from starting in the middle of a longer token.
 * Runs on text already folded by normalize.ts.
 */

export interface Detector {
  category: BuiltinCategory;
  pattern: RegExp;
  /** Rejects shape-alikes (Luhn, mod-97, …); the match starts at `from` in `source`. */
  valid?: (match: string, source: string, from: number) => boolean;
  /** Wins an overlap against a lower one. */
  priority: number;
  /**
   * A character every match contains, and how far a match reaches before and
   * after it: the pattern then runs only on windows around that character
   * (an email around its `@`), not at every position of a long prompt.
   */
  anchor?: {
    char: string;
    before: number;
    after: number;
    /**
     * When set, a match begins exactly where the run of these characters
     * ending at the anchor begins (the pattern's lookbehind allows no other
     * start), so the pattern is tried once per anchor, there, not across a window.
     */
    runStart?: (code: number) => boolean;
  };
  /** Runs only when `secretGate` finds one of the secret prefixes somewhere in the text. */
  gated?: boolean;
}

/**
 * Every secret shape starts with one of these literals: one pass of this
 * over a prompt with no secret in it saves a pass per secret detector.
 */
export const secretGate = /-----BEGIN |eyJ|A(?:KIA|SIA|BIA|CCA|3T)|gh[pousr]_|github_pat_|gl[a-z]{2,4}-|xox[abposre]-|hooks\.slack\.com|sk-|gh_|[Aa][Ww][Ss]_[Ss][Ee][Cc][Rr][Ee][Tt]/;

const versionContext = /(?:version|ver\.?|release|build|v)\s*$/i;

export const detectors: readonly Detector[] = [
  {
    category: "private_key",
    pattern: /-----BEGIN (?:[A-Z0-9]{1,12} ){0,3}PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]{0,16384}?-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----|\s{1,2}[A-Za-z0-9+/=]{1,100}(?:\s{1,2}[A-Za-z0-9+/=]{1,100}){0,200})/g,
    priority: 9,
    gated: true,
  },
  { category: "jwt", pattern: /(?<![\w-])eyJ[A-Za-z0-9_-]{8,4096}\.eyJ[A-Za-z0-9_-]{8,8192}\.[A-Za-z0-9_-]{0,1024}/g, priority: 8, gated: true },
  {
    category: "aws_key",
    pattern: /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}(?![A-Za-z0-9])|aws_secret_access_key["']?\s{0,4}[:=]\s{0,4}["']?[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/gi,
    valid: (match) => /aws_secret/i.test(match) || /^[A-Z0-9]+$/.test(match),
    priority: 8,
    gated: true,
  },
  { category: "github_token", pattern: /(?<![\w-])(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})(?![\w-])/g, priority: 8, gated: true },
  { category: "gitlab_token", pattern: /(?<![\w-])gl(?:pat|dt|rt|ptt|cbt|ft|imt|oas|soat)-[A-Za-z0-9_-]{20,255}(?![\w-])/g, priority: 8, gated: true },
  {
    category: "slack_token",
    pattern: /(?<![\w-])xox[abposre]-[A-Za-z0-9-]{10,255}|https:\/\/hooks\.slack\.com\/services\/T[A-Za-z0-9_]{6,20}\/B[A-Za-z0-9_]{6,20}\/[A-Za-z0-9_]{16,40}/g,
    priority: 8,
    gated: true,
  },
  { category: "anthropic_key", pattern: /(?<![\w-])sk-ant-[a-z]{2,8}\d{2}-[A-Za-z0-9_-]{20,255}(?![\w-])/g, priority: 8, gated: true },
  { category: "openai_key", pattern: /(?<![\w-])sk-(?!ant-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,255}(?![\w-])/g, valid: hasDigitAndLetter, priority: 7, gated: true },
  // This gateway's own keys (src/auth/api-keys.ts): gh_<12 hex>_<43 base64url>.
  { category: "gatehouse_key", pattern: /(?<![\w-])gh_[0-9a-f]{12}_[A-Za-z0-9_-]{43}(?![\w-])/g, priority: 9, gated: true },
  {
    category: "email",
    pattern: /(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.){1,8}[A-Za-z]{2,24}(?![\w-])/g,
    priority: 5,
    anchor: { char: "@", before: 64, after: 8 * 64 + 26, runStart: localPartChar },
  },
  {
    category: "iban",
    pattern: /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:[ -]?[A-Z0-9]{4}){2,7}(?:[ -]?[A-Z0-9]{1,4})?(?![A-Za-z0-9])/gi,
    valid: (match) => ibanValid(match),
    priority: 6,
  },
  {
    category: "payment_card",
    pattern: /(?<![\d.,-])\d(?:[ -]?\d){12,18}(?![\d]|[.,]\d)/g,
    valid: (match) => consistentSeparators(match) && luhnValid(match) && cardIssuerValid(digitsOf(match)),
    priority: 6,
  },
  {
    category: "us_ssn",
    pattern: /(?<![\d-])(?!000|666|9\d\d)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}(?![\d-])/g,
    priority: 5,
  },
  {
    category: "phone",
    // International (+CC …, 00CC …) or North-American (NNN) NNN-NNNN / NNN-NNN-NNNN.
    pattern: /(?<![\w+])(?:(?:\+|00)[1-9]\d{0,2}(?:[ .-]?\(?\d{1,4}\)?){1,2}(?:[ .-]?\d{2,5}){1,4}|\(\d{3}\) ?\d{3}[ .-]\d{4}|\d{3}([.-])\d{3}\1\d{4})(?![\w-]|\.\d)/g,
    valid: (match) => {
      const digits = digitsOf(match).length;
      return digits >= 8 && digits <= 15;
    },
    priority: 4,
  },
  {
    category: "ip_address",
    pattern: /(?<![\w.:])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\w]|\.\d)/g,
    valid: (_match, source, from) => !versionContext.test(source.slice(Math.max(0, from - 16), from)),
    priority: 3,
    anchor: { char: ".", before: 4, after: 12 },
  },
];

/** [A-Za-z0-9._%+-]: an email's local part, and the lookbehind that keeps a match from starting inside one. */
function localPartChar(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 46 || code === 95 || code === 37 || code === 43 || code === 45;
}

function hasDigitAndLetter(match: string): boolean {
  const tail = match.slice(3);
  return /\d/.test(tail) && /[A-Za-z]/.test(tail);
}

/** "4111 1111 1111 1111" and "4111-1111-…" are cards; "4111 1111-1111 11 11" is a list of numbers. */
function consistentSeparators(match: string): boolean {
  let separator = "";
  for (let i = 0; i < match.length; i += 1) {
    const char = match[i]!;
    if (char >= "0" && char <= "9") continue;
    if (separator === "") separator = char;
    else if (char !== separator) return false;
  }
  return true;
}
