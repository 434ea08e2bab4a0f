import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { GatehouseError } from "../errors";
import type { EventCompletion } from "../db/audit-events";
import type { ExchangeResult } from "../inference/exchange";
import { auditWriteFailed, countingAuditFailure } from "../observability/registry";
import type { SealedEvent } from "./canonical";
import { capture, type CaptureMode } from "./content";
import { auditLedger } from "./ledger";
import { storedClientAddress } from "../sensitive/client-address";
import { sealerFor } from "../sensitive/erasure";

/**
 * The recorder's request side. auditStart() is the pipeline's "audit started
 * (committed)" step: it writes the record before anything is forwarded and
 * refuses the request (503 audit_unavailable) when it cannot; then it leaves
 * the open record on the request, and completeAudit, on the way out src/app.ts
 * declares, completes it once when the answer ends, fails, or the client goes
 * away (the exchange keeps it alive).
 *
 * What is recorded is what reaches the model: the body text that will be
 * forwarded (POST /chat's credentials are already stripped from it), never
 * a header, never a credential.
 */

export function captureModeOf(c: Context<AppEnv>): CaptureMode {
  return c.var.principal?.captureMode ?? c.var.config.GATEHOUSE_CAPTURE_MODE;
}

/** The started record of this request (completion fields empty). */
export function startedRecord(c: Context<AppEnv>, mode: CaptureMode, prompt: { sha256: string | null; bytes: number | null }): SealedEvent {
  const principal = c.var.principal;
  return {
    id: c.var.requestId,
    kind: "request",
    startedAt: c.var.receivedAt ?? Date.now(),
    userId: principal?.userId ?? null,
    keyId: principal?.keyId ?? null,
    clientAddress: storedClientAddress(c),
    method: c.req.method,
    endpoint: c.req.path.slice(0, 512),
    model: c.var.model ?? null,
    requestedModel: c.var.requestedModel ?? null,
    stream: c.var.streamed === true,
    captureMode: mode,
    promptSha256: prompt.sha256,
    promptBytes: prompt.bytes,
    status: null, outcome: null, code: null, latencyMs: null, ttfbMs: null, promptTokens: null,
    completionTokens: null, bytesOut: null, responseSha256: null, responseBytes: null, finishedAt: null,
    count: 1,
  };
}

export function auditStart(): MiddlewareHandler<AppEnv> {
  return async function auditStart(c, next) {
    // Without an exchange the record would never be completed: a wiring bug, refuse (500).
    if (!c.var.exchange) throw new Error("auditStart() must run after openExchange()");
    const mode = captureModeOf(c);
    const body = c.var.upstreamBody;
    // With detection on, the text kept is the screened one: placeholders, never the matched values.
    const sensitive = c.var.sensitive;
    const seal = mode === "full" && c.var.principal ? await sealerFor(c.env.DB, c.env.SESSION_SECRET, c.var.principal.userId, c.var.config.GATEHOUSE_CREDENTIAL_CACHE === "on") : undefined;
    const text = body === undefined ? null : sensitive ? sensitive.storedPrompt(body) : body.text;
    const prompt = await capture(mode, text, seal);
    const started = startedRecord(c, mode, prompt);
    const ledger = auditLedger(c.env);
    try {
      await ledger.begin(started, prompt.text);
    } catch {
      // Not committed: the request must not reach the model.
      auditWriteFailed("begin");
      throw new GatehouseError("audit_unavailable", { retryAfter: 5 });
    }
    c.set("auditRecord", { id: started.id, complete: (result) => completeRecord(ledger, started.id, mode, result, sensitive?.storedAnswer, seal) });
    await next();
  };
}

/** The way out's audit step: completes the record auditStart committed (nothing if it never did). */
export function completeAudit(c: Context<AppEnv>, result: ExchangeResult): Promise<void> | undefined {
  const record = c.var.auditRecord;
  return record && countingAuditFailure("complete", record.complete(result));
}

async function completeRecord(
  ledger: ReturnType<typeof auditLedger>, id: string, mode: CaptureMode, result: ExchangeResult,
  screen?: (text: string) => Promise<string>, seal?: (text: string) => Promise<string>,
): Promise<void> {
  const response = await capture(mode, screen ? await screen(result.responseText) : result.responseText, seal);
  const completion = completionOf(result, response);
  // One retry: the ledger may be restarting. If both fail the record stays open and is
  // finished as interrupted at the next start; the failure is logged by the exchange.
  try {
    await ledger.complete(id, completion, response.text);
  } catch {
    await ledger.complete(id, completion, response.text);
  }
}

export function completionOf(result: ExchangeResult, response: { sha256: string | null; bytes: number | null }, now = Date.now()): EventCompletion {
  return {
    status: result.status,
    outcome: result.outcome,
    code: null,
    latencyMs: Math.round(result.latencyMs),
    ttfbMs: result.ttfbMs === null ? null : Math.round(result.ttfbMs),
    promptTokens: result.usage?.promptTokens ?? null,
    completionTokens: result.usage?.completionTokens ?? null,
    tokensEstimated: result.usage?.estimated === true,
    bytesOut: result.bytesOut,
    responseSha256: response.sha256,
    responseBytes: response.bytes,
    finishedAt: now,
  };
}
