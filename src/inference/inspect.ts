import type { Context, MiddlewareHandler } from "hono";
import { BodyEdits, type BodyPath } from "../body/edits";
import { foldedGet, isRecord } from "../body/fold";
import { outgoingBody } from "../body/received";
import type { AppEnv } from "../env";
import { validated } from "../middleware/validate";
import { checkAgentPolicy } from "./agent-policy";
import { loadAliases } from "./aliases";
import { applyCeilings, ceilingRules, readPath, rejectRedirectFields } from "./ceilings";
import { guardEgress } from "./egress-guard";
import { assertModelAllowed } from "./model-policy";
import { aliasFor, defaultModelFor } from "./model-resolution";
import { modelOf, type RouteSpec } from "./route-table";

type Body = Record<string, unknown>;

/**
 * Checks what a request asks for before anything is admitted or forwarded:
 * the body against its schema (a key's default model filled in first), the
 * model it runs (after aliases) against the caller's allowed list and the
 * cloud rule, the GPU ceilings and the agent dialects' own rules, then the
 * egress guard (the engine's word on remote models). Every field is read as
 * Ollama reads it (any case, Unicode folding; src/body/fold.ts), so what is
 * checked is what the engine will do. Policy's changes are recorded as
 * edits: with none, the client's bytes are forwarded as they came. Leaves
 * the body to forward and both model names in the context for the limiter
 * and the audit record.
 */
export function inspectRequest(route: RouteSpec): MiddlewareHandler<AppEnv> {
  return async function inspectRequest(c, next) {
    const received = route.body ? c.var.receivedBody : undefined;
    const edits = new BodyEdits();
    let view: Body | undefined;
    let outputLimit: number | null = null;
    c.set("requestedModel", null);
    if (route.body && received) {
      const sent = received.value as Body;
      const fallback = defaultModelFor(route, sent, c.var.principal);
      if (fallback !== null) edits.set(["model"], fallback);
      // The schema reads a canonical view; the received value keeps the client's spelling and order.
      view = validated(route.body, fallback === null ? sent : { ...sent, model: fallback }) as Body;
      rejectRedirectFields(sent);
      const alias = aliasFor(route, view, await loadAliases(c.env.DB));
      if (alias) {
        edits.set([alias.field], alias.target);
        view = { ...view, [alias.field]: alias.target };
        c.set("requestedModel", alias.requested);
      }
      if (route.legacy) view = legacyEdits(view, edits, c.var.config.GATEHOUSE_DEFAULT_MODEL);
      if (route.dialect === "anthropic" || route.dialect === "responses") checkAgentPolicy(route.dialect, view, c.var.principal);
      if (route.ceilings) outputLimit = applyCeilings(ceilingRules[route.ceilings], sent, edits, c.var.config);
    }
    const named = modelOf(view);
    if (named !== null && c.var.principal) assertModelAllowed(c.var.principal, named);
    // GET /v1/models/:id checks its own id and answers 404, as OpenAI does for an unknown model.
    const model = named ?? c.req.param("id") ?? null;
    for (const name of modelsNamedBy(view)) if (c.var.principal) assertModelAllowed(c.var.principal, name);
    c.set("model", model);
    await guardEgress(c, route, received?.value as Body | undefined, model);
    c.set("outputLimit", outputLimit);
    const streamed = route.streams === true && view !== undefined && view.stream !== false && (route.dialect === "ollama" || view.stream === true);
    c.set("streamed", streamed);
    c.set("hideUsageChunk", false);
    if (view && received && route.dialect === "openai" && streamed && route.group === "inference") {
      // Quotas need the token counts of every answer: always ask Ollama for them,
      // and drop the extra usage event for a client that did not ask.
      const wanted = readPath(received.value as Body, ["stream_options", "include_usage"]);
      if (wanted?.value !== true || !wanted.exact) edits.set(["stream_options", "include_usage"], true);
      c.set("hideUsageChunk", wanted?.value !== true);
    }
    c.set("bodyEdits", edits);
    c.set("upstreamBody", received ? outgoingBody(received, edits) : undefined);
    await next();
  };
}

/**
 * For a step after inspection that must change what is forwarded (admission
 * cutting the output limit to what is left of a quota, say): one more edit,
 * spliced like the others, so everything else still goes as the client sent it.
 */
export function reviseForwardedBody(c: Context<AppEnv>, path: BodyPath, value: unknown): void {
  const { receivedBody: received, bodyEdits: edits } = c.var;
  if (!c.var.upstreamBody || !received || !edits) return;
  edits.set(path, value);
  c.set("upstreamBody", outgoingBody(received, edits));
}

/** POST /chat → Ollama's /api/chat: the credentials never travel on, the model defaults, the answer is one JSON. */
function legacyEdits(view: Body, edits: BodyEdits, defaultModel: string): Body {
  if (foldedGet(view, "auth") !== undefined) edits.remove(["auth"]);
  const model = typeof view.model === "string" ? view.model : defaultModel;
  if (model !== view.model) edits.set(["model"], model);
  if (view.stream !== false) edits.set(["stream"], false);
  return { ...view, model, stream: false };
}

/** /api/copy names two models; both must be allowed. */
function modelsNamedBy(body: Body | undefined): string[] {
  if (!body || !isRecord(body)) return [];
  return [body.source, body.destination].filter((value): value is string => typeof value === "string");
}
