import type { Context } from "hono";
import type { AppEnv } from "../env";
import { GatehouseError } from "../errors";
import type { UpstreamCall } from "../inference/upstream";
import type { RouteSpec } from "../inference/route-table";
import { exchangeFor } from "../translate/exchange";
import type { RuntimeBackend } from "./catalog";
import { callBackend, outboundOf } from "./outbound";
import type { Routed } from "./routing";

/**
 * Sends the request to the backend admission granted and, only before the
 * first byte, fails over to the next candidate: on a connection error or a
 * 5xx, never on a 4xx (the client's own mistake would be repeated), never on
 * a timeout (the engine may be generating), never with a streamed raw body
 * (it is gone once sent). Candidates are already within the caller's data
 * boundaries (src/backends/routing.ts), so a failover never crosses one.
 * Each backend gets the request in its own dialect (src/translate/exchange.ts);
 * the answer comes back in the route's.
 */

export async function dispatch(c: Context<AppEnv>, route: Pick<RouteSpec, "method" | "upstreamPath" | "dialect">, call: UpstreamCall): Promise<Response> {
  const routing = c.var.routing;
  // Without the routing step nothing says where the request may go: a wiring bug, refuse (500).
  if (!routing) throw new Error("dispatch() needs routeRequest() before it");
  const out = outboundOf(c.env, c.var.config);
  const tried: string[] = [];
  // The backend whose slot admission granted (the first candidate on routes that are not admitted).
  let backend = routing.candidates.find((candidate) => candidate.name === c.var.admission?.backend) ?? routing.candidates[0]!;
  for (;;) {
    c.set("served", { backend, model: routing.model, tried: [...tried] });
    // Ollama speaks every route as Gatehouse forwards it; other kinds get the route translated (or a 400 naming the kind).
    const facts = { model: routing.model ?? undefined, maxTokens: c.var.outputLimit };
    const exchange = backend.kind === "ollama" ? null : exchangeFor(route, backend.kind, call.body, facts);
    const request: UpstreamCall = exchange ? { ...exchange.request, signal: call.signal } : call;
    let upstream: Response;
    try {
      upstream = await callBackend(out, backend, request);
    } catch (error) {
      const connection = error instanceof GatehouseError && error.code === "upstream_unavailable";
      const next = connection && !call.signal?.aborted ? await nextBackend(c, routing, backend, tried, call) : null;
      if (!next) throw error;
      backend = next;
      continue;
    }
    if (upstream.status >= 500) {
      const next = await nextBackend(c, routing, backend, tried, call);
      if (next) {
        await upstream.body?.cancel();
        backend = next;
        continue;
      }
    }
    return exchange ? exchange.answer(upstream) : upstream;
  }
}

/**
 * The candidate to try after `failed`, or null: admission moves the request's slot to the first
 * candidate left with a free one (telling `failed`'s breaker), or, on a route that holds no slot,
 * the next in order. A streamed raw body is gone once sent: never again.
 */
async function nextBackend(c: Context<AppEnv>, routing: Routed, failed: RuntimeBackend, tried: string[], call: UpstreamCall): Promise<RuntimeBackend | null> {
  if (call.rawBody) return null;
  const left = routing.candidates.filter((candidate) => candidate !== failed && !tried.includes(candidate.name));
  if (left.length === 0) return null;
  tried.push(failed.name);
  const admission = c.var.admission;
  if (!admission) return left[0]!;
  const granted = await admission.failover("failure", left.map(({ name, slots }) => ({ name, slots })));
  return left.find((candidate) => candidate.name === granted) ?? null;
}
