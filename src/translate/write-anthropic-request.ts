import { GatehouseError } from "../errors";
import type { ChatRequest, Part, ToolChoice, Turn } from "./chat-model";
import { compact, isRecord, parseJsonText, type Json } from "./fields";

/**
 * The shared chat shape written as an Anthropic Messages body: system turns
 * lifted into `system`, tool answers as tool_result blocks in a user
 * message, consecutive turns of one role merged (Anthropic wants user and
 * assistant to alternate), and max_tokens always set (Anthropic requires
 * it): the request's own limit, else the gateway's output ceiling.
 */

export function writeAnthropic(request: ChatRequest, fallbackMaxTokens: number): Json {
  if (request.format !== null) {
    throw new GatehouseError("invalid_request", { message: 'format: JSON output (format / response_format) is not available from a backend of kind "anthropic"' });
  }
  const system = request.turns.filter((turn) => turn.role === "system").map((turn) => textOf(turn.parts)).filter(Boolean);
  const messages: { role: "user" | "assistant"; content: Json[] }[] = [];
  for (const turn of request.turns) {
    if (turn.role === "system") continue;
    const role = turn.role === "assistant" ? "assistant" : "user";
    const blocks = blocksOf(turn);
    if (blocks.length === 0) continue;
    const last = messages.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else messages.push({ role, content: blocks });
  }
  return compact({
    model: request.model,
    max_tokens: request.maxTokens ?? fallbackMaxTokens,
    system: system.length > 0 ? system.join("\n\n") : undefined,
    messages,
    stream: request.stream,
    temperature: request.temperature,
    top_p: request.topP,
    top_k: request.topK,
    stop_sequences: request.stop.length > 0 ? request.stop : undefined,
    tools: request.tools.length > 0 ? request.tools.map((tool) => compact({ name: tool.name, description: tool.description, input_schema: tool.parameters })) : undefined,
    tool_choice: request.toolChoice === undefined ? undefined : writeChoice(request.toolChoice),
  });
}

function writeChoice(choice: ToolChoice): Json {
  if (choice === "required") return { type: "any" };
  return typeof choice === "string" ? { type: choice } : { type: "tool", name: choice.name };
}

const textOf = (parts: Part[]): string => parts.map((part) => (part.type === "text" ? part.text : "")).join("");

/** Anthropic refuses empty text blocks: they are left out. */
function partBlocks(parts: Part[]): Json[] {
  const blocks: Json[] = [];
  for (const part of parts) {
    if (part.type === "text") {
      if (part.text) blocks.push({ type: "text", text: part.text });
    } else if (part.type === "image") blocks.push({ type: "image", source: { type: "base64", media_type: part.mediaType, data: part.data } });
    else blocks.push({ type: "image", source: { type: "url", url: part.url } });
  }
  return blocks;
}

function blocksOf(turn: Turn): Json[] {
  if (turn.role === "tool") {
    const content = partBlocks(turn.parts);
    return [compact({ type: "tool_result", tool_use_id: turn.toolCallId ?? "", content: content.length > 0 ? content : "", is_error: turn.isError ? true : undefined })];
  }
  const blocks = partBlocks(turn.parts);
  for (const call of turn.toolCalls) {
    const input = parseJsonText(call.arguments);
    blocks.push({ type: "tool_use", id: call.id, name: call.name, input: isRecord(input) ? input : {} });
  }
  return blocks;
}
