import type { Category, PolicyAction } from "./categories";
import { collectTexts, replaceTexts } from "./body-text";
import { actionFor, type Boundary, type PolicySet } from "./policy";
import { fingerprintsOf, placeholder, redactWith, type Finding } from "./redact";
import { scanText, type Match, type Scanner } from "./scan";
import type { InjectionSignal } from "./categories";

/**
 * Screening one request body and one answer: scan every text, decide each
 * category's action, and build the two versions that leave this module —
 * what the model sees (only `redact` categories replaced) and what is
 * stored (every finding replaced, whatever the policy: the audit trail must
 * not become the leak). Pure but for the HMAC (Web Crypto).
 */

export interface Tally {
  category: Category | `injection:${InjectionSignal}`;
  fingerprint: string | null;
  count: number;
  action: PolicyAction | "signal";
}

export interface BodyScreening {
  /** Top-level members to forward rewritten (`redact` findings replaced), under the client's own key. */
  forwardMembers: Map<string, unknown>;
  /** Top-level members as the audit record keeps them (every finding replaced). */
  storedMembers: Map<string, unknown>;
  blocked: Category[];
  tallies: Tally[];
  /** Each placeholder put into the forwarded body and the text it replaced, as the client wrote it (restore.ts). */
  restorable: Map<string, string>;
}

interface ScannedText {
  text: string;
  matches: Match[];
  findings: Finding[];
}

async function scanAll(texts: readonly string[], scanner: Scanner, key: CryptoKey): Promise<{ scanned: ScannedText[]; signals: Set<InjectionSignal> }> {
  const signals = new Set<InjectionSignal>();
  const scanned = await Promise.all(
    texts.map(async (text) => {
      const result = scanText(text, scanner);
      for (const signal of result.signals) signals.add(signal);
      return { text, matches: result.matches, findings: await fingerprintsOf(key, result.matches) };
    }),
  );
  return { scanned, signals };
}

export async function screenBody(body: Record<string, unknown>, scanner: Scanner, policy: PolicySet, boundary: Boundary, key: CryptoKey): Promise<BodyScreening> {
  const { scanned, signals } = await scanAll(collectTexts(body), scanner, key);
  const action = (category: Category) => actionFor(category, policy, boundary);
  const tallies = tally(scanned, action);
  for (const signal of signals) tallies.push({ category: `injection:${signal}`, fingerprint: null, count: 1, action: "signal" });
  const blocked = [...new Set(tallies.filter((t) => t.action === "block").map((t) => t.category as Category))];
  const stored = replaceTexts(body, scanned.map((s) => redactWith(s.text, s.matches, s.findings))) as Record<string, unknown>;
  const toRedact = (s: ScannedText) => s.matches.map((m, i) => [m, s.findings[i]!] as const).filter(([m]) => action(m.category) === "redact");
  const forwarded = replaceTexts(body, scanned.map((s) => {
    const pairs = toRedact(s);
    return redactWith(s.text, pairs.map(([m]) => m), pairs.map(([, f]) => f));
  })) as Record<string, unknown>;
  const restorable = restorableOf(scanned.flatMap((s) => toRedact(s).map(([m, f]) => ({ finding: f, original: s.text.slice(m.start, m.end) }))));
  return { forwardMembers: changedMembers(body, forwarded), storedMembers: changedMembers(body, stored), blocked, tallies, restorable };
}

/**
 * Placeholder → the text it replaced (the first spelling, when a value came
 * twice, say once in full-width digits). A placeholder two different values
 * share (their fingerprints agree in the 8 digits shown) is left out.
 */
function restorableOf(redacted: readonly { finding: Finding; original: string }[]): Map<string, string> {
  const values = new Map<string, { fingerprint: string; original: string }>();
  const ambiguous = new Set<string>();
  for (const { finding, original } of redacted) {
    const key = placeholder(finding.category, finding.fingerprint);
    const seen = values.get(key);
    if (!seen) values.set(key, { fingerprint: finding.fingerprint, original });
    else if (seen.fingerprint !== finding.fingerprint) ambiguous.add(key);
  }
  for (const key of ambiguous) values.delete(key);
  return new Map([...values].map(([key, { original }]) => [key, original]));
}

/** The top-level members a rewrite changed (replaceTexts keeps untouched subtrees identical). */
function changedMembers(before: Record<string, unknown>, after: Record<string, unknown>): Map<string, unknown> {
  const changed = new Map<string, unknown>();
  if (after === before) return changed;
  for (const [key, value] of Object.entries(after)) if (value !== before[key]) changed.set(key, value);
  return changed;
}

/** The answer as stored (every finding replaced) and its findings, all `observe`: the answer is already on its way. */
export async function screenAnswer(text: string, scanner: Scanner, key: CryptoKey): Promise<{ stored: string; tallies: Tally[] }> {
  if (text === "") return { stored: text, tallies: [] };
  const { scanned } = await scanAll([text], scanner, key);
  const one = scanned[0]!;
  return { stored: redactWith(one.text, one.matches, one.findings), tallies: tally(scanned, () => "observe") };
}

function tally(scanned: readonly ScannedText[], action: (category: Category) => PolicyAction): Tally[] {
  const byValue = new Map<string, Tally>();
  for (const s of scanned) {
    s.matches.forEach((m, i) => {
      const fingerprint = s.findings[i]!.fingerprint;
      const id = `${m.category}\u0000${fingerprint}`;
      const seen = byValue.get(id);
      if (seen) seen.count += 1;
      else byValue.set(id, { category: m.category, fingerprint, count: 1, action: action(m.category) });
    });
  }
  return [...byValue.values()];
}
