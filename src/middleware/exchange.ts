import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { GatehouseError } from "../errors";
import { Settlement } from "../inference/exchange";
import { outcomeOf } from "../inference/outcome";
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
