import type { Context } from "hono";
import type { AppEnv } from "../env";
import { runtimeCatalog } from "../backends/catalog";
import { foldedGet } from "../body/fold";
import { GatehouseError } from "../errors";
import { engineCloud, isRemoteModel, type EngineTarget } from "./engine-facts";
import { isCloudModel } from "./model-policy";
import type { RouteSpec } from "./route-table";

/**
 * The data boundary, judged by the engine's own word and not only by names:
 * - a model Ollama lists as remote (remote_host / remote_model) is refused
 *   like a `:cloud` one unless the user may use cloud models, on every
 *   inference and metadata route (/api/show of a remote model asks ollama.com);
 * - `_debug_render_only` (it answers with the rendered prompt, system prompt
 *   included) is for admins;
 * - /api/create with a `remote_host`, or from a cloud model, would make a
 *   local-looking name that runs elsewhere: refused;
 * - with GATEHOUSE_REQUIRE_NO_CLOUD=1, inference is refused (503) while
 *   Ollama's cloud features are on, or while it cannot say (fail closed).
 */

export function engineTarget(c: Context<AppEnv>): EngineTarget {
  const config = c.var.config;
  return { ollama: c.env.OLLAMA, address: config.GATEHOUSE_OLLAMA, timeoutMs: config.GATEHOUSE_CONNECT_TIMEOUT * 1000 };
}

export async function guardEgress(c: Context<AppEnv>, route: RouteSpec, body: Record<string, unknown> | undefined, model: string | null): Promise<void> {
  const principal = c.var.principal;
  // Fields read as Ollama reads them (any case, Unicode folding), from the body as the client sent it.
  if (body && principal?.role !== "admin" && isSet(foldedGet(body, "_debug_render_only"))) {
    throw new GatehouseError("forbidden", { message: "_debug_render_only: for administrators only" });
  }
  if (route.path === "/api/create" && body) assertCreatesLocal(body);
  if (route.group === "inference" && c.var.config.GATEHOUSE_REQUIRE_NO_CLOUD) await assertCloudOff(c);
  if (model === null || route.group === "admin" || !principal || principal.allowCloudModels || isCloudModel(model)) return;
  // With backends in the catalog, an inference request may not go to `local` at all: routing asks
  // Ollama only about the requests it would send there (src/backends/route-step.ts).
  if (route.group === "inference" && !(await runtimeCatalog(c.env.DB, c.var.config)).onlyLocal) return;
  const remote = await isRemoteModel(engineTarget(c), model);
  if (remote === "unknown") throw new GatehouseError("upstream_unavailable", { retryAfter: 5, message: "The model server could not say whether this model runs on it." });
  if (remote) throw remoteRefusal(model);
}

export function remoteRefusal(model: string): GatehouseError {
  return new GatehouseError("model_not_allowed", { message: `The model "${model}" runs off this box (the model server says so) and is not allowed for you.` });
}

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null && value !== false;
}

function assertCreatesLocal(body: Record<string, unknown>): void {
  if (isSet(foldedGet(body, "remote_host"))) throw new GatehouseError("forbidden", { message: "remote_host: models served from another host are not created through this gateway" });
  const from = foldedGet(body, "from");
  if (typeof from === "string" && isCloudModel(from)) {
    throw new GatehouseError("forbidden", { message: "from: a cloud model cannot be the base of a model created through this gateway" });
  }
}

async function assertCloudOff(c: Context<AppEnv>): Promise<void> {
  const cloud = await engineCloud(engineTarget(c));
  if (cloud === "disabled") return;
  throw new GatehouseError("engine_cloud_enabled", { retryAfter: 30 });
}
