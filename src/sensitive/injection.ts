import type { InjectionSignal } from "./categories";

/**
 * Prompt-injection heuristics. Signals only: recorded and shown, never a
 * reason to block — they are easy to bypass and easy to trip (a security
 * team's own prompt about jailbreaks trips them). Runs on folded text.
 */

const signals: readonly { signal: InjectionSignal; pattern: RegExp }[] = [
  {
    signal: "instruction_override",
    pattern: /\b(?:ignore|disregard|forget|override|bypass)\s+(?:all\s+|any\s+|the\s+|your\s+|of\s+)*(?:previous|prior|above|earlier|preceding|system|original)\s+(?:instructions?|prompts?|rules|directions|guidelines|context)\b|\breveal\s+(?:your|the)\s+(?:system\s+prompt|hidden\s+instructions)\b/i,
  },
  {
    signal: "role_play",
    pattern: /\b(?:you\s+are\s+now|from\s+now\s+on\s+you\s+are|pretend\s+(?:to\s+be|you\s+are)|act\s+as)\b[^.\n]{0,80}\b(?:DAN|unfiltered|uncensored|jailbroken|without\s+(?:any\s+)?(?:restrictions|limits|filters|rules))\b|\b(?:developer|god|jailbreak)\s+mode\b|\bDo\s+Anything\s+Now\b/i,
  },
  {
    signal: "delimiter",
    pattern: /<\|(?:im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id)\|>|\[\/?INST\]|<<\/?SYS>>|^#{2,}\s*(?:system|instructions?)\s*:?\s*$|<\/?(?:system|instructions)>/im,
  },
  {
    signal: "encoding",
    pattern: /\b(?:decode|decipher|translate)\s+(?:this|the\s+following)\s+(?:from\s+)?(?:base64|rot13|hex|binary|morse)\b/i,
  },
];

/** The injection signals this text trips (each once). */
export function injectionSignalsIn(text: string): InjectionSignal[] {
  const found: InjectionSignal[] = [];
  for (const { signal, pattern } of signals) if (pattern.test(text)) found.push(signal);
  if (!found.includes("encoding") && hasLongBase64Run(text)) found.push("encoding");
  return found;
}

const longRun = 160;
const base64Char = (code: number) => (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || (code >= 47 && code <= 57) || code === 43;

/**
 * A run of 160+ base64 characters (an encoded payload smuggled into a prompt).
 * Any such run covers a multiple of 80, so only those positions are probed
 * and widened: O(n/80) on ordinary text, where a RegExp costs a try per position.
 */
export function hasLongBase64Run(text: string): boolean {
  for (let probe = 0; probe < text.length; probe += longRun / 2) {
    if (!base64Char(text.charCodeAt(probe))) continue;
    let from = probe;
    let to = probe + 1;
    while (from > 0 && base64Char(text.charCodeAt(from - 1))) from -= 1;
    while (to < text.length && base64Char(text.charCodeAt(to))) to += 1;
    if (to - from >= longRun) return true;
    probe = to - (to % (longRun / 2)); // skip the run just measured
  }
  return false;
}
