import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { GatehouseError } from "../errors";
import { outcomeOf } from "../inference/outcome";
import type { SealedEvent } from "./canonical";
import { auditWriteFailed } from "../observability/registry";
import { auditLedger } from "./ledger";
import { blockedCategoriesOf } from "../sensitive/blocked";
import { storedClientAddress } from "../sensitive/client-address";

/**
 * Refusals are audited too: 401, 403, 429, 503 and a 422 sensitive_data_blocked
 * (naming the categories, never a value), by the auditRefusals step
 * (src/app.ts), once onError has rendered the refusal and before the client
 * hears of it. A refusal of an authenticated caller is a
 * record of its own (one per request id). An unauthenticated one carries no
 * trustworthy identity and can come in floods, so it is counted in one row
 * per client address, minute and error code: the table grows with
 * addresses × minutes, never with requests. Nothing the client sent is kept
 * but the path (a failed sign-in's username could be a mistyped password).
 * A request whose record was already started is completed on its way out.
 *
 * The answer waits for the record (up to a short bound), so a refusal the
 * client saw is on disk even if the process dies right after; a ledger that
 * is slow to answer delays the refusal by at most `waitMs`, and the write
 * carries on in waitUntil.
 */

const audited = new Set<number>([401, 403, 429, 503]);
/** Refused for what the request contained (sensitive data under a `block` policy): on the record, naming the categories. */
const auditedCodes = new Set<string>(["sensitive_data_blocked"]);
const minuteMs = 60_000;
const waitMs = 2_000;

export function auditRefusals(): MiddlewareHandler<AppEnv> {
  return async function auditRefusals(c, next) {
    let thrown: { error: unknown } | undefined;
    try {
      await next();
    } catch (error) {
      // Only the not-found handler's error gets here (see observe.ts); onError renders it outside.
      thrown = { error };
    }
    const error = thrown ? thrown.error : c.error;
    if (error instanceof GatehouseError) await recordRefusal(c, error);
    if (thrown) throw thrown.error;
  };
}

async function recordRefusal(c: Context<AppEnv>, error: GatehouseError): Promise<void> {
  if (!(audited.has(error.status) || auditedCodes.has(error.code)) || c.var.auditRecord !== undefined) return;
  let ctx: { waitUntil(promise: Promise<unknown>): void };
  try {
    ctx = c.executionCtx;
  } catch {
    return; // No execution context (app.request in a unit test): nothing can outlive the response.
  }
  const write = writeRefusal(c, error).catch((failure: unknown) => {
    auditWriteFailed("refusal");
    console.error(JSON.stringify({ level: "error", event: "audit_refusal_failed", request_id: c.var.requestId, error: (failure as Error)?.name ?? "Error" }));
  });
  ctx.waitUntil(write);
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([write, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
  clearTimeout(timer);
}

function refusalEvent(c: Context<AppEnv>, error: GatehouseError, now: number): SealedEvent {
  const principal = c.var.principal;
  return {
    id: c.var.requestId,
    kind: "refusal",
    startedAt: c.var.receivedAt ?? now,
    userId: principal?.userId ?? null,
    keyId: principal?.keyId ?? null,
    clientAddress: storedClientAddress(c),
    method: c.req.method.slice(0, 16),
    endpoint: c.req.path.slice(0, 512),
    model: principal ? (c.var.model ?? null) : null,
    requestedModel: principal ? (c.var.requestedModel ?? null) : null,
    stream: principal ? c.var.streamed === true : false,
    captureMode: "metadata",
    promptSha256: null, promptBytes: null,
    status: error.status,
    outcome: outcomeOf(error, error.status),
    code: error.code,
    latencyMs: c.var.receivedAt === undefined ? null : now - c.var.receivedAt,
    ttfbMs: null, promptTokens: null, completionTokens: null, bytesOut: null, responseSha256: null, responseBytes: null,
    finishedAt: now,
    count: 1,
    blockedCategories: blockedCategoriesOf(error),
  };
}

async function writeRefusal(c: Context<AppEnv>, error: GatehouseError): Promise<void> {
  const now = Date.now();
  const event = refusalEvent(c, error, now);
  const ledger = auditLedger(c.env);
  if (c.var.principal) return ledger.refusal(event);
  const minute = Math.floor(now / minuteMs) * minuteMs;
  await ledger.flood({
    ...event,
    id: `refusals:${event.clientAddress}:${error.code}:${minute}`,
    kind: "refusals",
    startedAt: minute,
    latencyMs: null,
    // The bucket is closed (and sealed by the ledger) once its minute is over.
    finishedAt: minute + minuteMs,
  });
}
