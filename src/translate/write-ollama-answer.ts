import type { ChatEvent, Completion, StopReason, ToolCall, Usage } from "./chat-model";
import { stopToOllama } from "./chat-model";
import { EventWriter } from "./event-writer";
import { isRecord, parseJsonText, type Json } from "./fields";

/**
 * Answers written in Ollama's own words: /api/chat's `message`, or
 * /api/generate's `response`; streamed as NDJSON lines ending with one
 * `done:true` line that carries done_reason and the counts
 * (prompt_eval_count, eval_count) Ollama's clients and Gatehouse's meter
 * read. Durations are unknown to a translated answer: 0.
 */

export type OllamaShape = "chat" | "generate";

const now = () => new Date().toISOString();

/** Ollama's tool calls carry the arguments as an object; the id is kept so the client can send it back. */
function ollamaCalls(calls: ToolCall[]): Json[] {
  return calls.map((call) => {
    const args = parseJsonText(call.arguments || "{}");
    return { id: call.id, function: { name: call.name, arguments: isRecord(args) ? args : {} } };
  });
}

function body(shape: OllamaShape, model: string, text: string, extra: { thinking?: string; toolCalls?: ToolCall[] }): Json {
  if (shape === "generate") return { model, created_at: now(), response: text, ...(extra.thinking ? { thinking: extra.thinking } : {}) };
  const message: Json = { role: "assistant", content: text };
  if (extra.thinking) message.thinking = extra.thinking;
  if (extra.toolCalls && extra.toolCalls.length > 0) message.tool_calls = ollamaCalls(extra.toolCalls);
  return { model, created_at: now(), message };
}

function doneFields(stop: StopReason | null, usage: Usage): Json {
  return {
    done: true,
    done_reason: stopToOllama(stop),
    total_duration: 0,
    load_duration: 0,
    prompt_eval_count: usage.input,
    prompt_eval_duration: 0,
    eval_count: usage.output,
    eval_duration: 0,
  };
}

export function writeOllamaWhole(shape: OllamaShape, completion: Completion, requestedModel: string): Json {
  const model = completion.model || requestedModel;
  const usage = completion.usage ?? { input: 0, output: 0 };
  return { ...body(shape, model, completion.text, { thinking: completion.thinking, toolCalls: completion.toolCalls }), ...doneFields(completion.stop, usage) };
}

export class OllamaStreamEncoder extends EventWriter {
  private chunks = 0;
  private readonly calls: ToolCall[] = [];

  constructor(private readonly shape: OllamaShape, requestedModel: string) {
    super(requestedModel);
  }

  protected emit(event: Exclude<ChatEvent, { type: "finish" | "usage" }>): string {
    switch (event.type) {
      case "start":
        return "";
      case "text":
        return this.line(body(this.shape, this.model, event.text, {}));
      case "thinking":
        return this.line(body(this.shape, this.model, "", { thinking: event.text }));
      case "tool_start":
        this.calls[event.index] = { id: event.id, name: event.name, arguments: "" };
        return "";
      case "tool_args": {
        const call = this.calls[event.index];
        if (call) call.arguments += event.json;
        return "";
      }
      case "error":
        return `${JSON.stringify({ error: event.message })}\n`;
      case "end":
        return this.finish();
    }
  }

  /** Tool calls go out whole, once their arguments are complete (Ollama sends them so), then the done line. */
  private finish(): string {
    const calls = this.calls.filter(Boolean);
    const toolLine = calls.length > 0 && this.shape === "chat" ? this.line(body("chat", this.model, "", { toolCalls: calls })) : "";
    // No usage from the backend: the chunks relayed are the output estimate, as for Ollama's own cut streams.
    const usage = this.usage ?? { input: 0, output: this.chunks };
    return toolLine + `${JSON.stringify({ ...body(this.shape, this.model, "", {}), ...doneFields(this.stop, usage) })}\n`;
  }

  private line(chunk: Json): string {
    this.chunks += 1;
    return `${JSON.stringify({ ...chunk, done: false })}\n`;
  }
}
