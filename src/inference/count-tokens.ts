import type { Context } from "hono";
import { foldedGet, isRecord } from "../body/fold";
import type { AppEnv } from "../env";

/**
 * POST /v1/messages/count_tokens, answered by Gatehouse: Ollama has no such
 * endpoint, and Claude Code asks it to decide when to compact. The answer
 * is an estimate, the same rule Ollama uses for its own message_start
 * estimate (anthropic.EstimateCountTokens): about four UTF-8 bytes per token
 * over the system prompt, each message's role and text, and each tool's
 * name, description and input schema; at least 1 when there is anything.
 * Never forwarded: it costs the engine nothing and reveals nothing of it.
 */
export function estimateAnthropicTokens(body: Record<string, unknown>): number {
  const bytes = (value: unknown) => new TextEncoder().encode(typeof value === "string" ? value : value === undefined ? "" : JSON.stringify(value)).byteLength;
  let total = contentBytes(body.system, bytes);
  const messages = Array.isArray(body.messages) ? (body.messages as Record<string, unknown>[]) : [];
  for (const message of messages) total += bytes(message.role) + contentBytes(message.content, bytes);
  for (const tool of Array.isArray(body.tools) ? (body.tools as Record<string, unknown>[]) : []) {
    total += bytes(tool.name) + bytes(tool.description) + bytes(tool.input_schema);
  }
  const tokens = Math.floor(total / 4);
  return tokens === 0 && (messages.length > 0 || body.system !== undefined) ? 1 : tokens;
}

/** A string, or the text (and thinking) of an array of content blocks; other blocks by their JSON. */
function contentBytes(content: unknown, bytes: (value: unknown) => number): number {
  if (content === undefined || content === null) return 0;
  if (!Array.isArray(content)) return bytes(content);
  let total = 0;
  for (const block of content as Record<string, unknown>[]) {
    if (block?.type === "text") total += bytes(block.text);
    else if (block?.type === "thinking") total += bytes(block.thinking);
    else total += bytes(block);
  }
  return total;
}

export function countTokens(c: Context<AppEnv>): Response {
  const sent = c.var.receivedBody?.value;
  // Read as Ollama would read the fields (any case), like every other body.
  const body = isRecord(sent) ? { system: foldedGet(sent, "system"), messages: foldedGet(sent, "messages"), tools: foldedGet(sent, "tools") } : {};
  return c.json({ input_tokens: estimateAnthropicTokens(body) });
}
