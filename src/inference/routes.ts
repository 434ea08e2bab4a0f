import { Hono, type MiddlewareHandler } from "hono";
import { every } from "hono/combine";
import { catalogModel } from "../backends/listing-entries";
import type { AppEnv } from "../env";
import { GatehouseError } from "../errors";
import { anthropicCountTokensBody } from "./agent-schemas";
import { aliasedModel } from "./alias-listing";
import { loadAliases, resolveAlias } from "./aliases";
import { countTokens } from "./count-tokens";
import { forward } from "./forward";
import { guardEgress } from "./egress-guard";
import { filteredListing } from "./listings";
import { modelAllowed } from "./model-policy";
import { routeTable, type RouteSpec } from "./route-table";
import { modelName } from "./schemas";

/** The pipeline steps a route runs before its handler; app.ts decides them and their order. */
export type StepsFor = (route: RouteSpec) => MiddlewareHandler<AppEnv>[];

/** Mounts every allowlisted route with the steps app.ts gives it. */
export function inferenceRoutes(stepsFor: StepsFor): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  for (const route of routeTable) {
    routes.on(route.method, route.path, every(...stepsFor(route)), (c) => handle(c, route));
  }
  // One model: the id is a model name, validated (no dot segments), checked against the caller's
  // list, and sent as one percent-encoded path segment, so it cannot name another upstream path.
  const modelRoute: RouteSpec = { method: "GET", path: "/v1/models/:id{.+}", upstreamPath: "/v1/models", group: "metadata", dialect: "openai" };
  routes.get(modelRoute.path, every(...stepsFor(modelRoute)), async (c) => {
    const id = c.req.param("id") ?? "";
    // An alias is judged by its target, as everywhere (inspect judged the id itself).
    const target = resolveAlias(await loadAliases(c.env.DB), id);
    if (!modelName.safeParse(id).success || (c.var.principal && !modelAllowed(c.var.principal, target ?? id))) {
      throw new GatehouseError("not_found", { message: `The model "${id.slice(0, 200)}" does not exist.` });
    }
    if (target !== null) {
      await guardEgress(c, modelRoute, undefined, target);
      return aliasedModel(c, id, target);
    }
    const other = await catalogModel(c, id); // `backend/model` of another backend the caller may use
    if (other) return c.json(other);
    return forward(c, { method: "GET", path: `/v1/models/${encodeURIComponent(id)}` }, modelRoute);
  });
  // Anthropic's token count: answered here, never forwarded (Ollama has none).
  const countRoute: RouteSpec = { method: "POST", path: "/v1/messages/count_tokens", upstreamPath: "", group: "metadata", dialect: "anthropic", body: anthropicCountTokensBody };
  routes.post(countRoute.path, every(...stepsFor(countRoute)), countTokens);
  // Model blobs (admin): the digest is checked, the body streamed through unparsed.
  const blobRoute: RouteSpec = { method: "POST", path: "/api/blobs/:digest", upstreamPath: "/api/blobs", group: "admin", dialect: "ollama" };
  // Hono dispatches HEAD as GET; a real GET of a blob is not part of Ollama's API.
  routes.on(["GET", "POST"], blobRoute.path, every(...stepsFor(blobRoute)), (c) => {
    if (c.req.method === "GET") throw new GatehouseError("not_found");
    const digest = c.req.param("digest") ?? "";
    if (!/^sha256:[0-9a-f]{64}$/.test(digest)) throw new GatehouseError("invalid_request", { message: "digest: expected sha256:<64 hex digits>" });
    const method = c.req.method === "HEAD" ? "HEAD" : "POST";
    return forward(c, { method, path: `/api/blobs/${digest}`, rawBody: method === "POST" ? c.req.raw.body : null }, blobRoute);
  });
  return routes;
}

function handle(c: Parameters<typeof forward>[0], route: RouteSpec): Promise<Response> {
  if (route.listing) return filteredListing(c, route.upstreamPath, route.listing);
  return forward(c, { method: route.method, path: route.upstreamPath, body: c.var.upstreamBody?.bytes }, route);
}
