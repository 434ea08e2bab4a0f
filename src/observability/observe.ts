import { storedClientAddress } from "../sensitive/client-address";
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { GatehouseError } from "../errors";
import type { ExchangeResult, TokenUsage } from "../inference/exchange";
import { outcomeOf } from "../inference/outcome";
import { logLine, type LogLevel } from "./log-line";
import { metrics } from "./registry";
import { routeLabel } from "./route-label";

/**
 * One observation per request: the counters and histograms of
 * registry.ts, and one JSON log line on stdout (workerd hands the worker's
 * console.log to the Node process, which prints it as it is).
 *
 * A request that may reach Ollama (it has an exchange) is observed when its
 * exchange settles — when the last byte of a streamed answer went out, or
 * the request was refused — so its latency, time to first byte, bytes and
 * tokens are the real ones. Every other request is observed here when its
 * response is ready.
 *
 * What goes in: the request id, method, route pattern, status, outcome,
 * username, model, timings, client address and byte count. Never a header,
 * a query string, a body, a key, a password or a token.
 */

/** Refusals of these statuses are counted by reason (the same set the audit trail records). */
const refusalStatuses = new Set([401, 403, 429, 503]);

interface Observation {
  route: string;
  status: number;
  outcome: string;
  latencyMs: number;
  ttfbMs: number | null;
  bytes: number | null;
  usage: TokenUsage | null;
}

export function observeRequests(): MiddlewareHandler<AppEnv> {
  return async function observeRequests(c, next) {
    const startedAt = Date.now();
    let thrown: { error: unknown } | undefined;
    try {
      await next();
    } catch (error) {
      // Only the not-found handler's error gets here (it runs outside the routes' error
      // handling); onError renders it once we pass it on.
      thrown = { error };
    }
    // Otherwise onError has run inside next(): c.res is the answer the client got, c.error its cause.
    const error = thrown ? (thrown.error instanceof Error ? thrown.error : undefined) : c.error;
    const status = thrown ? (error instanceof GatehouseError ? error.status : 500) : c.res.status;
    countRefusal(error);
    // An exchange is observed on its way out instead (observeExchange), when its answer has ended.
    if (!c.var.exchange) observeControl(c, { startedAt, status, error, length: thrown ? null : c.res.headers.get("Content-Length") });
    if (thrown) throw thrown.error;
  };
}

function observeControl(c: Context<AppEnv>, seen: { startedAt: number; status: number; error: Error | undefined; length: string | null }): void {
  const latencyMs = Date.now() - seen.startedAt;
  observe(c, {
    route: routeLabel(c),
    status: seen.status,
    outcome: outcomeOfControl(seen.error, seen.status),
    latencyMs,
    // Measured when the response is handed to workerd: control-plane answers are built whole (a CSV export may stream on).
    ttfbMs: latencyMs,
    bytes: seen.length === null ? null : Number(seen.length),
    usage: null,
  });
}

/** The way out's first step: observes an exchange once it has ended. */
export function observeExchange(c: Context<AppEnv>, result: ExchangeResult): void {
  observe(c, {
    route: routeLabel(c),
    status: result.status,
    outcome: result.outcome,
    latencyMs: result.latencyMs,
    ttfbMs: result.ttfbMs,
    bytes: result.bytesOut,
    usage: result.usage,
  });
}

function observe(c: Context<AppEnv>, seen: Observation): void {
  const user = c.var.principal?.username ?? null;
  const model = c.var.model ?? null;
  const labels = { route: seen.route, status: String(seen.status), model: model ?? "", user: user ?? "" };
  metrics.requests.inc(labels);
  metrics.duration.observe({ route: seen.route }, seen.latencyMs / 1000);
  if (seen.ttfbMs !== null) metrics.ttfb.observe({ route: seen.route }, seen.ttfbMs / 1000);
  if (seen.usage) {
    metrics.tokens.inc({ user: labels.user, model: labels.model, kind: "prompt" }, seen.usage.promptTokens);
    metrics.tokens.inc({ user: labels.user, model: labels.model, kind: "completion" }, seen.usage.completionTokens);
  }
  console.log(
    logLine(levelOf(seen.status), "request", {
      requestId: c.var.requestId,
      method: c.req.method,
      route: seen.route,
      status: seen.status,
      outcome: seen.outcome,
      user,
      model,
      latencyMs: Math.round(seen.latencyMs),
      ttfbMs: seen.ttfbMs === null ? null : Math.round(seen.ttfbMs),
      clientAddress: storedClientAddress(c),
      bytes: seen.bytes,
      promptTokens: seen.usage?.promptTokens ?? null,
      completionTokens: seen.usage?.completionTokens ?? null,
    }),
  );
}

function countRefusal(error: Error | undefined): void {
  if (error instanceof GatehouseError && refusalStatuses.has(error.status)) metrics.refusals.inc({ reason: error.code });
}

/** A control-plane request's outcome, in the audit trail's vocabulary where it applies. */
function outcomeOfControl(error: Error | undefined, status: number): string {
  if (error instanceof GatehouseError) return outcomeOf(error, status);
  if (status >= 500) return "error";
  return status < 400 ? "ok" : "denied";
}

function levelOf(status: number): LogLevel {
  return status >= 500 ? "error" : status >= 400 ? "warn" : "info";
}
