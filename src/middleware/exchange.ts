import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { GatehouseError } from "../errors";
import { Settlement, type Outcome } from "../inference/exchange";
import { observeExchange } from "../observability/observe";

/**
 * Opens the exchange for a route that may reach Ollama: a Settlement that the
 * later steps hang their hooks on (slot release, quota charge, audit
 * completion). If the request fails before the relay takes over — refused,
 * invalid, upstream down — the hooks still run here, once, with that outcome,
 * so no slot leaks and no started audit record stays open.
 */
export function openExchange(): MiddlewareHandler<AppEnv> {
  return async function openExchange(c, next) {
    const settlement = new Settlement();
    c.set("settlement", settlement);
    c.set("receivedAt", Date.now());
    settlement.add(observeExchange(c)); // the request log line and /metrics, once the answer has ended
    const settleHere = (error: Error | undefined, status: number) => {
      if (settlement.claimed) return;
      const done = settlement.settle({
        status,
        outcome: outcomeOf(error, status),
        usage: null,
        bytesOut: 0,
        ttfbMs: null,
        latencyMs: Date.now() - c.var.receivedAt,
        responseText: "",
      });
      c.executionCtx.waitUntil(done);
    };
    try {
      await next();
    } catch (error) {
      // Errors from the route's own steps arrive here before onError renders them.
      settleHere(error as Error, error instanceof GatehouseError ? error.status : 500);
      throw error;
    }
    settleHere(c.error, c.res.status);
  };
}

/** The audit outcome of a request that ended before (or instead of) a relayed answer. */
export function outcomeOf(error: Error | undefined, status: number): Outcome {
  if (error instanceof GatehouseError) {
    switch (error.code) {
      case "rate_limited":
      case "too_many_concurrent":
      case "too_many_attempts":
        return "rate_limited";
      case "quota_exceeded":
        return "quota_exceeded";
      case "overloaded":
      case "limiter_unavailable":
      case "audit_unavailable":
        return "overloaded";
      case "upstream_timeout":
        return "upstream_timeout";
      case "upstream_unavailable":
        return "upstream_error";
      default:
        return status >= 500 ? "upstream_error" : "denied";
    }
  }
  if (error) return "upstream_error";
  // Without an error, a status of 400 or more is the upstream's own answer passed on
  // (a listing's 404, say): the same outcome a relayed answer gets (src/inference/relay.ts).
  return status < 400 ? "ok" : "upstream_error";
}
