import type { ChatRequest, Part, ToolCall, ToolSpec, Turn } from "./chat-model";
import { arr, get, isRecord, num, obj, str, stopList, type Json } from "./fields";
import { partFromOllama } from "./images";
import { readTool } from "./read-openai-request";

/**
 * Ollama's /api/chat and /api/generate bodies read into the shared chat
 * shape. Ollama streams unless told not to; `options` carries the sampling
 * settings; tool calls carry arguments as an object and (from older
 * clients) no id, so ids are made up here and the tool answers that follow
 * are matched to them in order, since OpenAI and Anthropic need the pairing.
 */

export function readOllamaChat(body: Json): ChatRequest {
  const ids = new CallIds();
  const turns = arr(body, "messages").filter(isRecord).map((message, index) => readMessage(message, index, ids));
  return { ...settings(body), turns };
}

/**
 * /api/generate is templated by the engine (unless raw), so it is a chat:
 * `system`, then `prompt` (with its images) as the user's message.
 */
export function readOllamaGenerate(body: Json): ChatRequest {
  const turns: Turn[] = [];
  const system = str(body, "system");
  if (system) turns.push({ role: "system", parts: [{ type: "text", text: system }], toolCalls: [] });
  const parts: Part[] = [{ type: "text", text: str(body, "prompt") ?? "" }];
  for (const image of arr(body, "images")) if (typeof image === "string") parts.push(partFromOllama(image));
  turns.push({ role: "user", parts, toolCalls: [] });
  return { ...settings(body), turns };
}

function settings(body: Json): Omit<ChatRequest, "turns"> {
  const options = obj(body, "options");
  const predict = num(options, "num_predict");
  const format = get(body, "format");
  return {
    model: str(body, "model") ?? "",
    // Absent or null: Ollama streams.
    stream: get(body, "stream") !== false,
    // -1 (forever) and -2 (fill the context) have no equivalent: the backend's own limit.
    maxTokens: predict !== undefined && predict > 0 ? Math.floor(predict) : null,
    temperature: num(options, "temperature"),
    topP: num(options, "top_p"),
    topK: num(options, "top_k"),
    seed: num(options, "seed"),
    frequencyPenalty: num(options, "frequency_penalty"),
    presencePenalty: num(options, "presence_penalty"),
    stop: stopList(get(options, "stop")),
    format: format === "json" ? "json" : isRecord(format) ? { schema: format } : null,
    tools: arr(body, "tools").map(readTool).filter((tool): tool is ToolSpec => tool !== null),
  };
}

function readMessage(message: Json, index: number, ids: CallIds): Turn {
  const role = normalRole(str(message, "role"));
  const parts: Part[] = [];
  const content = str(message, "content");
  if (content) parts.push({ type: "text", text: content });
  for (const image of arr(message, "images")) if (typeof image === "string") parts.push(partFromOllama(image));
  const toolCalls: ToolCall[] = [];
  if (role === "assistant") {
    arr(message, "tool_calls").forEach((call, i) => {
      const fn = obj(call, "function");
      const name = str(fn, "name");
      if (!name) return;
      const args = get(fn, "arguments");
      const id = str(call, "id") ?? `call_${index}_${i}`;
      toolCalls.push({ id, name, arguments: typeof args === "string" ? args : JSON.stringify(args ?? {}) });
    });
    ids.opened(toolCalls);
  }
  const turn: Turn = { role, parts, toolCalls };
  if (role === "tool") turn.toolCallId = ids.answer(str(message, "tool_call_id"), str(message, "tool_name"));
  return turn;
}

const normalRole = (role: string | undefined): Turn["role"] => (role === "system" || role === "assistant" || role === "tool" ? role : "user");

/** Pairs tool answers with the calls they answer: by the id when given, by tool name, else in order. */
class CallIds {
  private pending: ToolCall[] = [];

  opened(calls: ToolCall[]): void {
    this.pending = [...calls];
  }

  answer(id: string | undefined, toolName: string | undefined): string {
    const byId = id ? this.pending.findIndex((call) => call.id === id) : -1;
    const byName = toolName ? this.pending.findIndex((call) => call.name === toolName) : -1;
    const at = byId >= 0 ? byId : byName >= 0 ? byName : id ? -1 : 0;
    const call = at >= 0 ? this.pending.splice(at, 1)[0] : undefined;
    return id ?? call?.id ?? "call_unmatched";
  }
}
