import type { ChatEvent, Completion, EventDecoder, ToolCall } from "./chat-model";
import { stopFromOpenAi } from "./chat-model";
import { arr, get, isRecord, num, obj, parseJsonText, str, type Json } from "./fields";

/**
 * An OpenAI-compatible backend's chat answer read into the shared shape:
 * a whole chat.completion (or text_completion), or its SSE stream
 * (`data: {chunk}` … a usage-only chunk … `data: [DONE]`). Reasoning, as
 * vLLM/DeepSeek (`reasoning_content`) and Ollama (`reasoning`) send it, is
 * thinking. Lines that are not JSON, and fields of the wrong type, are
 * skipped, never thrown on.
 */

const usageOf = (usage: unknown) => (isRecord(usage) ? { input: num(usage, "prompt_tokens") ?? 0, output: num(usage, "completion_tokens") ?? 0 } : null);
const reasoningOf = (delta: unknown) => str(delta, "reasoning_content") ?? str(delta, "reasoning");

export function readOpenAiWhole(body: Json): Completion {
  const choice = arr(body, "choices").find(isRecord);
  const message = obj(choice, "message");
  const toolCalls: ToolCall[] = arr(message, "tool_calls").map((call, i) => {
    const fn = obj(call, "function");
    const args = get(fn, "arguments");
    return { id: str(call, "id") ?? `call_${i}`, name: str(fn, "name") ?? "", arguments: typeof args === "string" ? args : JSON.stringify(args ?? {}) };
  });
  return {
    id: str(body, "id") ?? "",
    model: str(body, "model") ?? "",
    text: str(message, "content") ?? str(choice, "text") ?? "",
    thinking: reasoningOf(message) ?? "",
    toolCalls,
    stop: stopFromOpenAi(get(choice, "finish_reason")),
    usage: usageOf(get(body, "usage")),
  };
}

export class OpenAiStreamDecoder implements EventDecoder {
  private started = false;
  private finished = false;
  private ended = false;
  private readonly tools = new Set<number>();

  line(line: string): ChatEvent[] {
    if (!line.startsWith("data:") || this.ended) return [];
    const data = line.slice(5).trim();
    if (data === "[DONE]") {
      this.ended = true;
      return [{ type: "end" }];
    }
    const chunk = parseJsonText(data);
    if (!isRecord(chunk)) return [];
    if (get(chunk, "error") !== undefined) return [{ type: "error", message: errorText(get(chunk, "error")) }];
    const events: ChatEvent[] = [];
    if (!this.started) {
      this.started = true;
      events.push({ type: "start", id: str(chunk, "id") ?? "", model: str(chunk, "model") ?? "" });
    }
    const choice = arr(chunk, "choices").find(isRecord);
    if (choice) this.choice(choice, events);
    const usage = usageOf(get(chunk, "usage"));
    if (usage) events.push({ type: "usage", usage });
    return events;
  }

  private choice(choice: Json, events: ChatEvent[]): void {
    const delta = obj(choice, "delta");
    const thinking = reasoningOf(delta);
    if (thinking) events.push({ type: "thinking", text: thinking });
    const text = str(delta, "content") ?? str(choice, "text");
    if (text) events.push({ type: "text", text });
    for (const call of arr(delta, "tool_calls")) {
      const index = num(call, "index") ?? 0;
      const fn = obj(call, "function");
      if (!this.tools.has(index)) {
        this.tools.add(index);
        events.push({ type: "tool_start", index, id: str(call, "id") ?? `call_${index}`, name: str(fn, "name") ?? "" });
      }
      const args = str(fn, "arguments");
      if (args) events.push({ type: "tool_args", index, json: args });
    }
    const reason = stopFromOpenAi(get(choice, "finish_reason"));
    if (reason) {
      this.finished = true;
      events.push({ type: "finish", reason });
    }
  }

  /** A stream that gave its finish reason but no [DONE] still ended (some engines leave it out). */
  end(): ChatEvent[] {
    if (this.ended || !this.finished) return [];
    this.ended = true;
    return [{ type: "end" }];
  }
}

/** The message of an error in any of the shapes engines use. */
export function errorText(error: unknown): string {
  if (typeof error === "string") return error;
  return str(error, "message") ?? "the backend reported an error";
}
