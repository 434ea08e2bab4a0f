import type { Principal } from "../auth/principal";
import type { GatehouseConfig } from "../config";
import { GatehouseError } from "../errors";

/**
 * Policy for the coding-agent dialects (Anthropic Messages, OpenAI
 * Responses), applied to a validated body before anything is admitted:
 * - the output ceiling: `max_tokens` / `max_output_tokens` above
 *   GATEHOUSE_MAX_NUM_PREDICT, absent or null, become the ceiling (an agent
 *   that names none would otherwise generate until the context is full);
 * - server-side web tools (Anthropic's `web_search_*` / `web_fetch_*` tool
 *   types, Responses' `web_search*`) make Ollama reach the internet with the
 *   conversation: refused (403, naming the tool) unless the user may use
 *   cloud models;
 * - Responses fields Ollama silently ignores because it keeps no state
 *   (`previous_response_id`, `conversation`, `background`) are refused
 *   (400, naming the field) rather than answered as if honoured.
 */

type Body = Record<string, unknown>;
export type AgentDialect = "anthropic" | "responses";

const outputField: Record<AgentDialect, string> = { anthropic: "max_tokens", responses: "max_output_tokens" };
const statefulFields = ["previous_response_id", "conversation", "background"] as const;
const serverToolPrefixes = ["web_search", "web_fetch"];

export function applyAgentPolicy(dialect: AgentDialect, body: Body, principal: Principal | undefined, config: GatehouseConfig): Body {
  if (dialect === "responses") rejectStatefulFields(body);
  if (principal && !principal.allowCloudModels) rejectServerTools(body);
  return clampOutput(body, outputField[dialect], config.GATEHOUSE_MAX_NUM_PREDICT);
}

function rejectStatefulFields(body: Body): void {
  for (const field of statefulFields) {
    const value = body[field];
    if (value === undefined || value === null || value === false) continue;
    throw new GatehouseError("invalid_request", {
      message: `${field}: not supported; Ollama's Responses API is stateless, send the whole conversation in input`,
    });
  }
}

/** The type of the first server-side web tool a body asks for, with its index, or null. */
export function serverWebTool(body: Body): { index: number; type: string } | null {
  const tools = Array.isArray(body.tools) ? (body.tools as unknown[]) : [];
  for (const [index, tool] of tools.entries()) {
    const type = (tool as { type?: unknown } | null)?.type;
    if (typeof type === "string" && serverToolPrefixes.some((prefix) => type.toLowerCase().startsWith(prefix))) return { index, type };
  }
  return null;
}

function rejectServerTools(body: Body): void {
  const found = serverWebTool(body);
  if (!found) return;
  throw new GatehouseError("forbidden", {
    message: `tools.${found.index}: the server-side tool "${found.type.slice(0, 64)}" reaches the internet from the model server and is not allowed for you`,
  });
}

function clampOutput(body: Body, field: string, ceiling: number): Body {
  const value = body[field];
  if (typeof value === "number" && value <= ceiling) return body;
  if (value !== undefined && value !== null && typeof value !== "number") return body;
  return { ...body, [field]: ceiling };
}
