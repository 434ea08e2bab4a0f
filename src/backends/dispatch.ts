import type { Context } from "hono";
import type { AppEnv } from "../env";
import { GatehouseError } from "../errors";
import type { UpstreamCall } from "../inference/upstream";
import type { RouteSpec } from "../inference/route-table";
import { exchangeFor } from "../translate/exchange";
import { callBackend, outboundOf } from "./outbound";

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
  const queue = [...routing.candidates];
  const tried: string[] = [];
  for (;;) {
    const backend = queue.shift()!;
    c.set("served", { backend, model: routing.model, tried: [...tried] });
    // Ollama speaks every route as Gatehouse forwards it; other kinds get the route translated (or a 400 naming the kind).
    const exchange = backend.kind === "ollama" ? null : exchangeFor(route, backend.kind, call.body);
    const request: UpstreamCall = exchange ? { ...exchange.request, signal: call.signal } : call;
    const mayFailOver = queue.length > 0 && !call.rawBody;
    let upstream: Response;
    try {
      upstream = await callBackend(out, backend, request);
    } catch (error) {
      const connection = error instanceof GatehouseError && error.code === "upstream_unavailable";
      if (!connection || !mayFailOver || call.signal?.aborted) throw error;
      tried.push(backend.name);
      continue;
    }
    if (upstream.status >= 500 && mayFailOver) {
      await upstream.body?.cancel();
      tried.push(backend.name);
      continue;
    }
    return exchange ? exchange.answer(upstream) : upstream;
  }
}
