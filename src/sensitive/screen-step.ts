import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { foldKey, isRecord } from "../body/fold";
import { outgoingBody, type OutgoingBody } from "../body/received";
import { insertFindings, type NewFinding } from "../db/sensitive";
import type { ExchangeResult } from "../inference/exchange";
import type { CustomPattern } from "./custom-patterns";
import { SensitiveDataBlocked } from "./blocked";
import { collectTexts } from "./body-text";
import { isSecret, type Category } from "./categories";
import { destinationBoundary } from "./destination";
import { runGuard } from "./guard";
import { fingerprintKey } from "./keys";
import { restoringBody } from "./restore-stream";
import { scannerFor, type Scanner } from "./scan";
import { screenAnswer, screenBody, type Tally } from "./screen";
import { screeningFor } from "./screening-cache";
import type { StoredForms } from "./stored-forms";

/**
 * The pipeline's sensitive-data step, after the body is validated and before
 * anything is admitted, recorded or forwarded. It applies the policy (redact
 * in the forwarded body; block → 422 naming the categories, nothing
 * forwarded), and leaves on the request the redacted forms for the audit
 * recorder and recordFindings, which the way out (settleFindings) runs to scan
 * the answer and store every finding of the request (category, keyed
 * fingerprint, count, action — never the value).
 */

export type { StoredForms };

/** The way out's findings step: nothing when the screen did not run. */
export function settleFindings(c: Context<AppEnv>, result: ExchangeResult): Promise<void> | undefined {
  return c.var.sensitive?.recordFindings(result);
}

export function screenSensitive(): MiddlewareHandler<AppEnv> {
  return async function screenSensitive(c, next) {
    const received = c.var.upstreamBody ? c.var.receivedBody : undefined;
    const edits = c.var.bodyEdits;
    if (c.var.config.GATEHOUSE_SENSITIVE_DETECTION === "off" || !received || !edits || !isRecord(received.value)) return next();
    // What the client sent, less what policy already removed (POST /chat's credentials).
    const removed = new Set(edits.paths.filter((path) => path.startsWith("-") && !path.includes(".")).map((path) => foldKey(path.slice(1))));
    const body = Object.fromEntries(Object.entries(received.value).filter(([key]) => !removed.has(foldKey(key))));
    const principal = c.var.principal;
    const { policy, patterns, guard } = await screeningFor(c.env.DB, principal.userId, principal.keyId, c.var.config.GATEHOUSE_CREDENTIAL_CACHE === "on");
    const scanner = cachedScanner(patterns);
    const key = await fingerprintKey(c.env.SESSION_SECRET);
    const boundary = destinationBoundary(c.var.model ?? null);
    const screening = await screenBody(body, scanner, policy, boundary, key);

    let answer: Promise<{ stored: string; tallies: Tally[] }> | undefined;
    const answerOf = (text: string) => (answer ??= screenAnswer(text, scanner, key));
    const blocked = screening.blocked.length > 0;
    // Left before a block is thrown: the exchange settles refused requests too, so their findings land.
    const recordFindings = async (result: ExchangeResult) => {
      const answered = blocked ? [] : (await answerOf(result.responseText)).tallies;
      await insertFindings(c.env.DB, [...rowsOf(c, "prompt", screening.tallies), ...rowsOf(c, "answer", answered)]);
      if (guard.model && !blocked && result.outcome === "ok") {
        // Off the response path; the guard sees the exchange as it happened (it runs on this box).
        const job = { requestId: c.var.requestId, userId: principal.userId, prompt: collectTexts(body).join("\n\n"), answer: result.responseText, regexFlagged: flagged([...screening.tallies, ...answered]) };
        c.executionCtx.waitUntil(runGuard(c.env, c.var.config.GATEHOUSE_OLLAMA, guard, job).catch(() => {}));
      }
    };
    c.set("sensitive", { storedPrompt: (forwarded) => storedText(forwarded, screening.storedMembers), storedAnswer: async (text) => (await answerOf(text)).stored, recordFindings });
    if (blocked) {
      throw new SensitiveDataBlocked(screening.blocked);
    }
    // Redactions are edits like policy's others: every other member still goes as the client sent it.
    for (const [key, value] of screening.forwardMembers) edits.set([key], value);
    if (screening.forwardMembers.size > 0) c.set("upstreamBody", outgoingBody(received, edits));
    await next();
    // The client gets back what it sent where the model echoes a placeholder; the audit keeps the placeholder (it read the answer upstream of this).
    const restoring = boundary === "cloud" && c.var.config.GATEHOUSE_SENSITIVE_RESTORE === "on" && screening.restorable.size > 0;
    if (restoring && c.res.ok && c.res.body) {
      const streamed = /ndjson|event-stream/i.test(c.res.headers.get("Content-Type") ?? "");
      c.res = new Response(restoringBody(c.res.body, streamed, screening.restorable), c.res);
    }
  };
}

/** The forwarded text with the stored form of each member that held a finding. */
function storedText(forwarded: OutgoingBody, members: ReadonlyMap<string, unknown>): string {
  if (members.size === 0) return forwarded.text;
  const value = JSON.parse(forwarded.text) as Record<string, unknown>;
  for (const [key, stored] of members) {
    const present = Object.keys(value).find((name) => foldKey(name) === foldKey(key));
    if (present !== undefined) value[present] = stored;
  }
  return JSON.stringify(value);
}

/** What a content-safety model is about: injection signals and secrets, not a plain email. */
function flagged(tallies: readonly Tally[]): boolean {
  return tallies.some((t) => t.category.startsWith("injection:") || isSecret(t.category as Category));
}

function rowsOf(c: Context<AppEnv>, location: "prompt" | "answer", tallies: readonly Tally[]): NewFinding[] {
  const at = Date.now();
  return tallies.map((t) => ({
    requestId: c.var.requestId, at, userId: c.var.principal.userId, keyId: c.var.principal.keyId, model: c.var.model ?? null,
    location, category: t.category, fingerprint: t.fingerprint, count: t.count, action: t.action,
  }));
}

/** Compiled admin patterns, reused while the set is unchanged (per isolate; the set itself is read from D1 each time). */
let cached: { id: string; scanner: Scanner } | null = null;

function cachedScanner(patterns: readonly CustomPattern[]): Scanner {
  const id = JSON.stringify(patterns);
  if (cached?.id !== id) cached = { id, scanner: scannerFor(patterns) };
  return cached.scanner;
}
