import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { GatehouseError } from "../errors";
import { backendOutcomeOf } from "../backends/breaker";
import { probeBackendsWhenDue } from "../backends/probe-round";
import { Admission, rateLimitHeaders } from "./admission";
import { admissionQueue } from "./admission-queue";
import { localCandidates } from "./queue-entry";
import { userLimiter } from "./user-limiter";
import { promptEstimate, type Reservation } from "./reservation";
import { ceilingRules, type CeilingRules } from "../inference/ceilings";
import type { ExchangeResult } from "../inference/exchange";
import { reviseForwardedBody } from "../inference/inspect";
import type { RouteSpec } from "../inference/route-table";

/**
 * The admit step: the authenticated user's own Durable Object decides first
 * (rate -> concurrency -> quota; 429), then the global queue gives the request
 * a place on the GPU in fair order (503 overloaded when full or too slow).
 * A limiter that cannot answer refuses (503 limiter_unavailable): fail closed.
 *
 * The user's object also holds the request's prompt estimate and output
 * limit (c.var.outputLimit, from the ceilings) against the quota until it
 * settles, and may cut the output to what is left; the forwarded body then
 * carries that smaller limit.
 *
 * The settle side is releaseAdmission, on the way out src/app.ts declares:
 * it runs exactly once whether the answer ends, fails, is refused, or the
 * client goes away, and the exchange keeps the request's context alive until
 * it has. Needs openExchange() and authenticate before it.
 */
export function admit(route: Pick<RouteSpec, "ceilings">): MiddlewareHandler<AppEnv> {
  const output = route.ceilings ? (ceilingRules[route.ceilings] as CeilingRules).output : undefined;
  return async function admit(c, next) {
    const { principal, exchange } = c.var;
    if (!principal) throw new GatehouseError("unauthenticated");
    // Without an exchange nothing would give the slots back: a wiring bug, refuse (500).
    if (!exchange) throw new Error("admit() must run after openExchange()");

    const admission = openAdmission(c);
    c.set("admission", admission);
    // Backend health: a probe round when one is due (at most once per GATEHOUSE_PROBE_INTERVAL), off the response path.
    c.executionCtx.waitUntil(probeBackendsWhenDue(c.env, c.var.config));

    const limit = c.var.outputLimit ?? 0;
    const reserve: Reservation = { prompt: promptEstimate(c.var.upstreamBody?.bytes.byteLength ?? 0), output: limit };
    const granted = await admission.acquireUser(principal.limits, reserve);
    c.set("reservation", { prompt: reserve.prompt, output: granted });
    if (output && granted < limit) {
      // Less quota left than the ceiling: the engine must not generate more than was reserved.
      for (const path of [output.field, ...(output.alsoClamped ?? [])]) reviseForwardedBody(c, path, granted);
      c.set("outputLimit", granted);
    }
    if (admission.rate) {
      for (const [name, value] of Object.entries(rateLimitHeaders(admission.rate))) c.header(name, value);
    }
    await waitForSlot(c, admission);
    await next();
  };
}

/**
 * The way out's admission step: the user's and the GPU slot back, the tokens
 * charged (once; nothing if admit never ran), and the backend's breaker told
 * what the exchange said (5xx and connection errors fail, 4xx succeed) in
 * the same call.
 */
export function releaseAdmission(c: Context<AppEnv>, result: ExchangeResult): Promise<void> | undefined {
  return c.var.admission?.release(result.usage, backendOutcomeOf(result));
}

function openAdmission(c: Context<AppEnv>): Admission {
  try {
    return new Admission(userLimiter(c.env, c.var.principal.userId), admissionQueue(c.env), c.var.requestId);
  } catch {
    throw new GatehouseError("limiter_unavailable", { retryAfter: 5 });
  }
}

/** Waits in the fair queue; a client that leaves while waiting gives its place (and user slot) back. */
async function waitForSlot(c: Context<AppEnv>, admission: Admission): Promise<void> {
  const { principal } = c.var;
  const signal = c.req.raw.signal;
  const leave = () => void admission.release(null);
  signal.addEventListener("abort", leave);
  try {
    if (signal.aborted) throw new GatehouseError("overloaded");
    // Until routing chooses among the catalog's backends, every request is the built-in one's.
    const candidates = localCandidates(c.var.config.GATEHOUSE_MAX_INFLIGHT);
    await admission.enterQueue({ userId: principal.userId, username: principal.username, service: principal.role === "service", candidates });
  } finally {
    signal.removeEventListener("abort", leave);
  }
}
