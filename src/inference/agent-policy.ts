import type { Principal } from "../auth/principal";
import { GatehouseError } from "../errors";

/**
 * Policy for the coding-agent dialects (Anthropic Messages, OpenAI
 * Responses), checked on the validated view of a body (fields found as
 * Ollama finds them) before anything is admitted. Their output ceilings are
 * rows of src/inference/ceilings.ts like every other body kind's.
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

const statefulFields = ["previous_response_id", "conversation", "background"] as const;
const serverToolPrefixes = ["web_search", "web_fetch"];

export function checkAgentPolicy(dialect: AgentDialect, view: Body, principal: Principal | undefined): void {
  if (dialect === "responses") rejectStatefulFields(view);
  if (principal && !principal.allowCloudModels) rejectServerTools(view);
}

function rejectStatefulFields(view: Body): void {
  for (const field of statefulFields) {
    const value = view[field];
    if (value === undefined || value === null || value === false) continue;
    throw new GatehouseError("invalid_request", {
      message: `${field}: not supported; Ollama's Responses API is stateless, send the whole conversation in input`,
    });
  }
}

/** The type of the first server-side web tool a body asks for, with its index, or null. */
export function serverWebTool(view: Body): { index: number; type: string } | null {
  const tools = Array.isArray(view.tools) ? (view.tools as unknown[]) : [];
  for (const [index, tool] of tools.entries()) {
    const type = (tool as { type?: unknown } | null)?.type;
    if (typeof type === "string" && serverToolPrefixes.some((prefix) => type.toLowerCase().startsWith(prefix))) return { index, type };
  }
  return null;
}

function rejectServerTools(view: Body): void {
  const found = serverWebTool(view);
  if (!found) return;
  throw new GatehouseError("forbidden", {
    message: `tools.${found.index}: the server-side tool "${found.type.slice(0, 64)}" reaches the internet from the model server and is not allowed for you`,
  });
}
