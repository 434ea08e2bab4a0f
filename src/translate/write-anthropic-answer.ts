import type { ChatEvent, Completion } from "./chat-model";
import { EventWriter } from "./event-writer";
import { stopToAnthropic } from "./chat-model";
import { isRecord, parseJsonText, type Json } from "./fields";

/**
 * Answers written as Anthropic Messages: a whole message, or the events in
 * Anthropic's order — message_start, then per content block
 * content_block_start / content_block_delta… / content_block_stop, then
 * message_delta (stop reason and the cumulative usage), message_stop.
 * An OpenAI stream reports usage only at its end, so message_start's input
 * count is 0 and message_delta carries both counts.
 */

const sse = (type: string, data: Json) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
const messageId = (id: string) => (id.startsWith("msg_") ? id : `msg_${id || "gatehouse"}`);

function toolInput(json: string): Json {
  const input = parseJsonText(json || "{}");
  return isRecord(input) ? input : {};
}

export function writeAnthropicWhole(completion: Completion, requestedModel: string): Json {
  const content: Json[] = [];
  if (completion.thinking) content.push({ type: "thinking", thinking: completion.thinking, signature: "" });
  if (completion.text || completion.toolCalls.length === 0) content.push({ type: "text", text: completion.text });
  for (const call of completion.toolCalls) content.push({ type: "tool_use", id: call.id, name: call.name, input: toolInput(call.arguments) });
  const usage = completion.usage ?? { input: 0, output: 0 };
  return {
    id: messageId(completion.id),
    type: "message",
    role: "assistant",
    model: completion.model || requestedModel,
    content,
    stop_reason: stopToAnthropic(completion.stop),
    stop_sequence: null,
    usage: { input_tokens: usage.input, output_tokens: usage.output },
  };
}

type Block = "text" | "thinking" | "tool";

export class AnthropicStreamEncoder extends EventWriter {
  private id = "";
  private started = false;
  private open: { kind: Block; index: number } | null = null;
  private nextIndex = 0;
  private readonly toolBlocks = new Map<number, number>();

  protected emit(event: Exclude<ChatEvent, { type: "finish" | "usage" }>): string {
    switch (event.type) {
      case "start":
        this.id = event.id;
        return this.opening();
      case "text":
        return this.opening() + this.into("text") + sse("content_block_delta", { index: this.open!.index, delta: { type: "text_delta", text: event.text } });
      case "thinking":
        return this.opening() + this.into("thinking") + sse("content_block_delta", { index: this.open!.index, delta: { type: "thinking_delta", thinking: event.text } });
      case "tool_start": {
        const out = this.opening() + this.closeBlock();
        const index = this.nextIndex++;
        this.open = { kind: "tool", index };
        this.toolBlocks.set(event.index, index);
        return out + sse("content_block_start", { index, content_block: { type: "tool_use", id: event.id, name: event.name, input: {} } });
      }
      case "tool_args": {
        const index = this.toolBlocks.get(event.index);
        return index === undefined ? "" : sse("content_block_delta", { index, delta: { type: "input_json_delta", partial_json: event.json } });
      }
      case "error":
        return sse("error", { error: { type: "api_error", message: event.message } });
      case "end":
        return this.finish();
    }
  }

  private opening(): string {
    if (this.started) return "";
    this.started = true;
    const message = { id: messageId(this.id), type: "message", role: "assistant", model: this.model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 0, output_tokens: 0 } };
    return sse("message_start", { message });
  }

  /** Opens a block of this kind unless one is open: text after a tool call starts a new block. */
  private into(kind: "text" | "thinking"): string {
    if (this.open?.kind === kind) return "";
    const out = this.closeBlock();
    const index = this.nextIndex++;
    this.open = { kind, index };
    return out + sse("content_block_start", { index, content_block: kind === "text" ? { type: "text", text: "" } : { type: "thinking", thinking: "" } });
  }

  private closeBlock(): string {
    if (!this.open) return "";
    const index = this.open.index;
    this.open = null;
    return sse("content_block_stop", { index });
  }

  private finish(): string {
    const usage = this.usage ?? { input: 0, output: 0 };
    return (
      this.opening() +
      this.closeBlock() +
      sse("message_delta", { delta: { stop_reason: stopToAnthropic(this.stop), stop_sequence: null }, usage: { input_tokens: usage.input, output_tokens: usage.output } }) +
      sse("message_stop", {})
    );
  }
}
