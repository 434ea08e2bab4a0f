import type { MiddlewareHandler } from "hono";
import type { Principal } from "../auth/principal";
import type { GatehouseConfig } from "../config";
import type { AppEnv } from "../env";
import { validated } from "../middleware/validate";
import { applyAgentPolicy } from "./agent-policy";
import { loadAliases } from "./aliases";
import { applyOllamaCeilings, applyOpenAiCeilings, rejectRedirectFields } from "./ceilings";
import { guardEgress } from "./egress-guard";
import { assertModelAllowed } from "./model-policy";
import { applyAlias, withDefaultModel } from "./model-resolution";
import { modelOf, type RouteSpec } from "./route-table";

/**
 * Checks what a request asks for before anything is admitted or forwarded:
 * the body against its schema (a key's default model filled in first), the
 * model it runs (after aliases) against the caller's allowed list and the
 * cloud rule, the GPU ceilings and each dialect's own rules, then the egress
 * guard (the engine's word on remote models). Leaves the body to forward and
 * both model names in the context for the limiter and the audit record.
 */
export function inspectRequest(route: RouteSpec): MiddlewareHandler<AppEnv> {
  return async function inspectRequest(c, next) {
    let body: Record<string, unknown> | undefined;
    c.set("requestedModel", null);
    if (route.body) {
      body = validated(route.body, withDefaultModel(route, c.var.jsonBody, c.var.principal)) as Record<string, unknown>;
      rejectRedirectFields(body);
      const aliased = applyAlias(route, body, await loadAliases(c.env.DB));
      body = aliased.body;
      c.set("requestedModel", aliased.requested);
      if (route.legacy) body = legacyToChat(body, c.var.config.GATEHOUSE_DEFAULT_MODEL);
      body = dialectPolicy(route, body, c.var.principal, c.var.config);
    }
    const named = modelOf(body);
    if (named !== null && c.var.principal) assertModelAllowed(c.var.principal, named);
    // GET /v1/models/:id checks its own id and answers 404, as OpenAI does for an unknown model.
    const model = named ?? c.req.param("id") ?? null;
    for (const name of modelsNamedBy(body)) if (c.var.principal) assertModelAllowed(c.var.principal, name);
    c.set("model", model);
    await guardEgress(c, route, body, model);
    // Ollama's native API streams unless told not to; every /v1 dialect only when asked.
    const streamed = body ? (route.dialect === "ollama" ? body.stream !== false : body.stream === true) : false;
    c.set("streamed", streamed);
    c.set("hideUsageChunk", false);
    if (body && route.dialect === "openai" && streamed && route.group === "inference") {
      const wanted = (body.stream_options as { include_usage?: boolean } | null | undefined)?.include_usage === true;
      // Quotas need the token counts of every answer: always ask Ollama for them,
      // and drop the extra usage event for a client that did not ask.
      body = { ...body, stream_options: { ...((body.stream_options as object | null) ?? {}), include_usage: true } };
      c.set("hideUsageChunk", !wanted);
    }
    c.set("upstreamBody", body);
    await next();
  };
}

/** Each dialect's ceilings (and, for the agent dialects, their own rules). */
function dialectPolicy(route: RouteSpec, body: Record<string, unknown>, principal: Principal | undefined, config: GatehouseConfig): Record<string, unknown> {
  switch (route.dialect) {
    case "anthropic":
    case "responses":
      return applyAgentPolicy(route.dialect, body, principal, config);
    case "openai":
      return applyOpenAiCeilings(body, config);
    case "ollama":
      return applyOllamaCeilings(body, config);
  }
}

/** POST /chat → Ollama's /api/chat: the credentials never travel on, the answer is one JSON. */
function legacyToChat(body: Record<string, unknown>, defaultModel: string): Record<string, unknown> {
  const { auth: _credentials, ...rest } = body;
  return { ...rest, model: rest.model ?? defaultModel, stream: false };
}

/** /api/copy names two models; both must be allowed. */
function modelsNamedBy(body: Record<string, unknown> | undefined): string[] {
  if (!body) return [];
  return [body.source, body.destination].filter((value): value is string => typeof value === "string");
}
