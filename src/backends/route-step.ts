import type { Context, MiddlewareHandler } from "hono";
import { foldedGet, isRecord } from "../body/fold";
import type { AppEnv } from "../env";
import { assertWithinBudget } from "../governance/budget";
import { GatehouseError } from "../errors";
import { engineTarget, remoteRefusal } from "../inference/egress-guard";
import { isRemoteModel } from "../inference/engine-facts";
import { reviseForwardedBody } from "../inference/inspect";
import { isCloudModel } from "../inference/model-policy";
import type { RouteSpec } from "../inference/route-table";
import { exchangeFor } from "../translate/exchange";
import { runtimeCatalog, type RuntimeBackend } from "./catalog";
import { servesModel } from "./discovery";
import { outboundOf } from "./outbound";
import { boundariesOf, localRoute, pinnedOf, routeModel, type Routed } from "./routing";

/**
 * The routing step (after inspect and the sensitive-data screen, before
 * admission): which backends may serve this request (src/backends/routing.ts),
 * the model name they are sent (an explicit `backend/` prefix taken off the
 * forwarded body), and, for a request whose prompt would leave the
 * organisation, the user's monthly spending limit. With no catalog rows it
 * reads nothing and sends everything to `local`, as before.
 */
export function routeRequest(route: RouteSpec): MiddlewareHandler<AppEnv> {
  // Model management, the listings and the model descriptions act on the built-in Ollama; the model-running routes are routed.
  const routed = route.group === "inference";
  return async function routeRequest(c, next) {
    const catalog = await runtimeCatalog(c.env.DB, c.var.config);
    const principal = c.var.principal;
    const model = c.var.model ?? null;
    let routing: Routed;
    if (catalog.onlyLocal || !routed || !principal) {
      routing = localRoute(catalog, model);
    } else {
      const out = outboundOf(c.env, c.var.config);
      const serves = (backend: RuntimeBackend, name: string) => servesModel(out, backend, name);
      routing = await routeModel({ catalog, model, boundaries: boundariesOf(principal), pinned: pinnedOf(principal), serves });
      routing = await withoutRemoteLocal(c, routing);
      if (routing.model !== null && routing.model !== model) renameModel(c, route, routing.model);
      routing = servableOnly(routing, route, c.var.upstreamBody?.bytes);
    }
    c.set("routing", routing);
    if (routing.cloudBound && route.group === "inference" && principal) await assertWithinBudget(c.env.DB, principal);
    await next();
  };
}

/**
 * The egress guard's question, asked only when `local` is a candidate (src/inference/egress-guard.ts
 * leaves it here once there is a catalog): does Ollama serve this model from elsewhere? Then `local`
 * is no candidate for a user who may not use cloud models — refused as before when it was the only
 * one; and when Ollama cannot say, the other candidates serve (or, with none, 502 as before).
 */
async function withoutRemoteLocal(c: Context<AppEnv>, routing: Routed): Promise<Routed> {
  const principal = c.var.principal;
  const model = routing.model;
  if (!principal || principal.allowCloudModels || model === null || isCloudModel(model) || !routing.candidates.some((backend) => backend.builtIn)) return routing;
  const remote = await isRemoteModel(engineTarget(c), model);
  if (remote === false) return routing;
  const others = routing.candidates.filter((backend) => !backend.builtIn);
  if (others.length > 0) return { ...routing, candidates: others };
  if (remote === "unknown") throw new GatehouseError("upstream_unavailable", { retryAfter: 5, message: "The model server could not say whether this model runs on it." });
  throw remoteRefusal(model);
}

/**
 * Candidates whose kind can serve this request at all (embeddings on an Anthropic backend cannot):
 * a failover must never turn an engine's 5xx into a 400 from the next candidate's kind. With none
 * left, the first candidate's refusal (a 400 naming its kind) is the answer.
 */
function servableOnly(routing: Routed, route: RouteSpec, body: Uint8Array | undefined): Routed {
  if (routing.candidates.every((backend) => backend.kind === "ollama")) return routing;
  let refusal: unknown = null;
  const able = routing.candidates.filter((backend) => {
    try {
      exchangeFor(route, backend.kind, body, { model: routing.model ?? undefined });
      return true;
    } catch (error) {
      refusal ??= error;
      return false;
    }
  });
  if (able.length === 0) throw refusal;
  return able.length === routing.candidates.length ? routing : { ...routing, candidates: able };
}

/** The backend gets the model's own name: the forwarded body's model field (any spelling) without the prefix. */
function renameModel(c: Context<AppEnv>, route: RouteSpec, model: string): void {
  const body = c.var.receivedBody?.value;
  const field = !route.legacy && isRecord(body) && typeof foldedGet(body, "model") !== "string" && typeof foldedGet(body, "name") === "string" ? "name" : "model";
  reviseForwardedBody(c, [field], model);
}
