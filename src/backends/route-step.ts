import type { Context, MiddlewareHandler } from "hono";
import { foldedGet, isRecord } from "../body/fold";
import type { AppEnv } from "../env";
import { assertWithinBudget } from "../governance/budget";
import { reviseForwardedBody } from "../inference/inspect";
import type { RouteSpec } from "../inference/route-table";
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
  // Model management and the listings act on the built-in Ollama; the model-running routes and /api/show are routed.
  const routed = route.group === "inference" || route.path === "/api/show";
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
      if (routing.model !== null && routing.model !== model) renameModel(c, route, routing.model);
    }
    c.set("routing", routing);
    if (routing.cloudBound && route.group === "inference" && principal) await assertWithinBudget(c.env.DB, principal);
    await next();
  };
}

/** The backend gets the model's own name: the forwarded body's model field (any spelling) without the prefix. */
function renameModel(c: Context<AppEnv>, route: RouteSpec, model: string): void {
  const body = c.var.receivedBody?.value;
  const field = !route.legacy && isRecord(body) && typeof foldedGet(body, "model") !== "string" && typeof foldedGet(body, "name") === "string" ? "name" : "model";
  reviseForwardedBody(c, [field], model);
}
