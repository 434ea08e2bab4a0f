import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { GatehouseError } from "../errors";
import { Exchange, type ExchangeResult } from "./exchange";
import { outcomeOf } from "./outcome";

/** One step of the way out: runs once per exchange with its result. A step whose pipeline step never ran does nothing. */
export type ReturnStep = (c: Context<AppEnv>, result: ExchangeResult) => Promise<void> | void;

/**
 * Opens the exchange for a route that may reach Ollama, with the return path
 * src/app.ts declares. If the request fails before the relay takes over —
 * refused, invalid, upstream down — it is settled here, once, with that
 * outcome, so no slot leaks and no started audit record stays open.
 */
export function openExchange(returnPath: readonly ReturnStep[]): MiddlewareHandler<AppEnv> {
  return async function openExchange(c, next) {
    c.set("receivedAt", Date.now());
    const exchange = new Exchange(
      returnPath.map((step) => (result: ExchangeResult) => step(c, result)),
      (work) => c.executionCtx.waitUntil(work),
    );
    c.set("exchange", exchange);
    const settleHere = (error: Error | undefined, status: number) =>
      exchange.settleHere(unanswered(c, status, outcomeOf(error, status)));
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

/** The result of an exchange that ended before any answer was relayed. */
export function unanswered(c: Context<AppEnv>, status: number, outcome: ExchangeResult["outcome"], usage: ExchangeResult["usage"] = null): ExchangeResult {
  return { status, outcome, usage, bytesOut: 0, ttfbMs: null, latencyMs: Date.now() - (c.var.receivedAt ?? Date.now()), responseText: "" };
}
