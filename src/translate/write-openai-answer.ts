import type { ChatEvent, Completion, StopReason, Usage } from "./chat-model";
import { EventWriter } from "./event-writer";
import { compact, type Json } from "./fields";

/**
 * Answers written as OpenAI chat completions: a whole chat.completion, or
 * chat.completion.chunk SSE events — role first, content and tool-call
 * deltas, the finish reason, the usage-only chunk (the relay drops it for a
 * client that did not ask for it), then `data: [DONE]`.
 */

const seconds = () => Math.floor(Date.now() / 1000);
const usageJson = (usage: Usage) => ({ prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output });
const sse = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`;

export function writeOpenAiWhole(completion: Completion, requestedModel: string): Json {
  const message = compact({
    role: "assistant",
    content: completion.text || (completion.toolCalls.length > 0 ? null : ""),
    reasoning_content: completion.thinking || undefined,
    tool_calls:
      completion.toolCalls.length > 0 ? completion.toolCalls.map((call) => ({ id: call.id, type: "function", function: { name: call.name, arguments: call.arguments } })) : undefined,
  });
  return compact({
    id: completion.id ? `chatcmpl-${completion.id}` : "chatcmpl-gatehouse",
    object: "chat.completion",
    created: seconds(),
    model: completion.model || requestedModel,
    choices: [{ index: 0, message, logprobs: null, finish_reason: completion.stop ?? "stop" }],
    usage: completion.usage ? usageJson(completion.usage) : undefined,
  });
}

export class OpenAiStreamEncoder extends EventWriter {
  private id = "chatcmpl-gatehouse";
  private readonly created = seconds();
  private started = false;

  protected emit(event: Exclude<ChatEvent, { type: "finish" | "usage" }>): string {
    switch (event.type) {
      case "start":
        if (event.id) this.id = `chatcmpl-${event.id}`;
        return this.opening();
      case "text":
        return this.opening() + this.chunk({ content: event.text });
      case "thinking":
        return this.opening() + this.chunk({ reasoning_content: event.text });
      case "tool_start":
        return this.opening() + this.chunk({ tool_calls: [{ index: event.index, id: event.id, type: "function", function: { name: event.name, arguments: "" } }] });
      case "tool_args":
        return this.opening() + this.chunk({ tool_calls: [{ index: event.index, function: { arguments: event.json } }] });
      case "error":
        return sse({ error: { message: event.message, type: "api_error", param: null, code: null } });
      case "end":
        return "data: [DONE]\n\n";
    }
  }

  /** OpenAI sends the finish reason in its own chunk, then the usage-only chunk (the relay drops it for a client that did not ask). */
  protected override finished(reason: StopReason): string {
    return this.opening() + this.chunk({}, reason);
  }

  protected override counted(usage: Usage): string {
    return this.opening() + sse({ ...this.base(), choices: [], usage: usageJson(usage) });
  }

  private base() {
    return { id: this.id, object: "chat.completion.chunk", created: this.created, model: this.model };
  }

  /** The role comes once, in the first chunk, as OpenAI sends it. */
  private opening(): string {
    if (this.started) return "";
    this.started = true;
    return this.chunk({ role: "assistant", content: "" });
  }

  private chunk(delta: Json, finish: StopReason | null = null): string {
    return sse({ ...this.base(), choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
  }
}
