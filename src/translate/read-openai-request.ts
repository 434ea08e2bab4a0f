import { GatehouseError } from "../errors";
import type { ChatRequest, Part, ToolCall, ToolChoice, ToolSpec, Turn } from "./chat-model";
import { arr, get, isRecord, num, obj, str, stopList, type Json } from "./fields";
import { partFromUrl } from "./images";

/**
 * OpenAI's /v1/chat/completions body read into the shared chat shape:
 * system and developer messages, text and image_url parts, assistant
 * tool_calls (arguments as JSON text) and `tool` answers. Asking for more
 * than one choice or for log probabilities cannot be translated: refused.
 */

export function readOpenAiChat(body: Json): ChatRequest {
  const n = num(body, "n");
  if (n !== undefined && n !== 1) throw new GatehouseError("invalid_request", { message: "n: only 1 choice can be translated for this backend" });
  if (get(body, "logprobs") === true) throw new GatehouseError("invalid_request", { message: "logprobs: not available from this backend" });
  const format = obj(body, "response_format");
  const formatType = str(format, "type");
  const schema = obj(format, "json_schema");
  const request: ChatRequest = {
    model: str(body, "model") ?? "",
    turns: arr(body, "messages").filter(isRecord).map(readMessage),
    stream: get(body, "stream") === true,
    maxTokens: num(body, "max_completion_tokens") ?? num(body, "max_tokens") ?? null,
    temperature: num(body, "temperature"),
    topP: num(body, "top_p"),
    seed: num(body, "seed"),
    frequencyPenalty: num(body, "frequency_penalty"),
    presencePenalty: num(body, "presence_penalty"),
    stop: stopList(get(body, "stop")),
    format: formatType === "json_object" ? "json" : formatType === "json_schema" ? { schema: get(schema, "schema") ?? {} } : null,
    tools: arr(body, "tools").map(readTool).filter((tool): tool is ToolSpec => tool !== null),
  };
  const choice = readChoice(get(body, "tool_choice"));
  if (choice) request.toolChoice = choice;
  return request;
}

/** A function tool as OpenAI and Ollama both write it: `{type:"function", function:{name, description, parameters}}`. */
export function readTool(tool: unknown): ToolSpec | null {
  const fn = obj(tool, "function");
  const name = str(fn, "name");
  if (!name) return null;
  const description = str(fn, "description");
  return { name, ...(description !== undefined ? { description } : {}), parameters: get(fn, "parameters") ?? { type: "object", properties: {} } };
}

function readChoice(choice: unknown): ToolChoice | undefined {
  if (choice === "auto" || choice === "none" || choice === "required") return choice;
  const name = str(obj(choice, "function"), "name");
  return name ? { name } : undefined;
}

function readMessage(message: Json): Turn {
  const raw = str(message, "role");
  const role: Turn["role"] = raw === "system" || raw === "developer" ? "system" : raw === "assistant" || raw === "tool" ? raw : "user";
  const turn: Turn = { role, parts: readContent(get(message, "content")), toolCalls: [] };
  if (role === "assistant") turn.toolCalls = arr(message, "tool_calls").map(readCall).filter((call): call is ToolCall => call !== null);
  if (role === "tool") turn.toolCallId = str(message, "tool_call_id") ?? "";
  return turn;
}

function readCall(call: unknown): ToolCall | null {
  const fn = obj(call, "function");
  const name = str(fn, "name");
  if (!name) return null;
  const args = get(fn, "arguments");
  return { id: str(call, "id") ?? "", name, arguments: typeof args === "string" ? args : JSON.stringify(args ?? {}) };
}

/** A string, or parts: text, image_url ({url} or a bare string); other part kinds are not carried. */
export function readContent(content: unknown): Part[] {
  if (typeof content === "string") return content ? [{ type: "text", text: content }] : [];
  const parts: Part[] = [];
  for (const part of Array.isArray(content) ? content : []) {
    const type = str(part, "type");
    if (type === "text") {
      const text = str(part, "text");
      if (text) parts.push({ type: "text", text });
    } else if (type === "image_url") {
      const image = get(part, "image_url");
      const url = typeof image === "string" ? image : str(image, "url");
      if (url) parts.push(partFromUrl(url));
    }
  }
  return parts;
}
