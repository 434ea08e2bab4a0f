import type { ChatRequest, Part, ToolChoice, Turn } from "./chat-model";
import { compact, type Json } from "./fields";
import { toDataUrl } from "./images";

/**
 * The shared chat shape written as an OpenAI chat completions body. Streams
 * always ask for the usage event (stream_options.include_usage): quotas and
 * the translated answer's token counts need it.
 */

export function writeOpenAiChat(request: ChatRequest): Json {
  return compact({
    model: request.model,
    messages: request.turns.map(writeTurn),
    ...samplingFields(request),
    response_format: request.format === null ? undefined : request.format === "json" ? { type: "json_object" } : { type: "json_schema", json_schema: { name: "response", schema: request.format.schema } },
    tools: request.tools.length > 0 ? request.tools.map((tool) => ({ type: "function", function: compact({ name: tool.name, description: tool.description, parameters: tool.parameters }) })) : undefined,
    tool_choice: request.toolChoice === undefined ? undefined : writeChoice(request.toolChoice),
  });
}

/** Streaming, the output limit and sampling: the same fields on /chat/completions and /completions. */
export function samplingFields(request: ChatRequest): Json {
  return {
    stream: request.stream,
    stream_options: request.stream ? { include_usage: true } : undefined,
    max_tokens: request.maxTokens ?? undefined,
    temperature: request.temperature,
    top_p: request.topP,
    seed: request.seed,
    frequency_penalty: request.frequencyPenalty,
    presence_penalty: request.presencePenalty,
    stop: request.stop.length > 0 ? request.stop : undefined,
  };
}

function writeChoice(choice: ToolChoice): unknown {
  return typeof choice === "string" ? choice : { type: "function", function: { name: choice.name } };
}

const textOf = (parts: Part[]): string => parts.map((part) => (part.type === "text" ? part.text : "")).join("");

function writeTurn(turn: Turn): Json {
  if (turn.role === "tool") return { role: "tool", tool_call_id: turn.toolCallId ?? "", content: textOf(turn.parts) };
  if (turn.role === "assistant") {
    const text = textOf(turn.parts);
    return compact({
      role: "assistant",
      content: text || (turn.toolCalls.length > 0 ? null : ""),
      tool_calls: turn.toolCalls.length > 0 ? turn.toolCalls.map((call) => ({ id: call.id, type: "function", function: { name: call.name, arguments: call.arguments } })) : undefined,
    });
  }
  if (turn.role === "system") return { role: "system", content: textOf(turn.parts) };
  const images = turn.parts.some((part) => part.type !== "text");
  if (!images) return { role: "user", content: textOf(turn.parts) };
  return {
    role: "user",
    content: turn.parts.map((part) =>
      part.type === "text" ? { type: "text", text: part.text } : { type: "image_url", image_url: { url: part.type === "image" ? toDataUrl(part) : part.url } },
    ),
  };
}
