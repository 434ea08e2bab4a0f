import type { ChatEvent, Completion, EventDecoder, ToolCall } from "./chat-model";
import { stopFromAnthropic } from "./chat-model";
import { arr, get, isRecord, num, obj, parseJsonText, str, type Json } from "./fields";
import { errorText } from "./read-openai-answer";

/**
 * An Anthropic backend's answer read into the shared shape: a whole message,
 * or its SSE events (message_start with the input count, content blocks of
 * text, thinking and tool_use with their deltas, message_delta with the stop
 * reason and the output count, message_stop). Only `data:` lines are read:
 * each carries its own type. Pings, signatures and unknown events are
 * skipped.
 */

export function readAnthropicWhole(body: Json): Completion {
  let text = "";
  let thinking = "";
  const toolCalls: ToolCall[] = [];
  for (const block of arr(body, "content")) {
    const type = str(block, "type");
    if (type === "text") text += str(block, "text") ?? "";
    else if (type === "thinking") thinking += str(block, "thinking") ?? "";
    else if (type === "tool_use") toolCalls.push({ id: str(block, "id") ?? "", name: str(block, "name") ?? "", arguments: JSON.stringify(get(block, "input") ?? {}) });
  }
  const usage = obj(body, "usage");
  return {
    id: str(body, "id") ?? "",
    model: str(body, "model") ?? "",
    text,
    thinking,
    toolCalls,
    stop: stopFromAnthropic(get(body, "stop_reason")),
    usage: usage ? { input: num(usage, "input_tokens") ?? 0, output: num(usage, "output_tokens") ?? 0 } : null,
  };
}

export class AnthropicStreamDecoder implements EventDecoder {
  private input = 0;
  private finished = false;
  private ended = false;
  /** Content block index → tool call index, for tool_use blocks. */
  private readonly toolBlocks = new Map<number, number>();

  line(line: string): ChatEvent[] {
    if (!line.startsWith("data:") || this.ended) return [];
    const event = parseJsonText(line.slice(5).trim());
    if (!isRecord(event)) return [];
    switch (str(event, "type")) {
      case "message_start": {
        const message = obj(event, "message");
        this.input = num(obj(message, "usage"), "input_tokens") ?? 0;
        return [{ type: "start", id: str(message, "id") ?? "", model: str(message, "model") ?? "" }];
      }
      case "content_block_start":
        return this.blockStart(num(event, "index") ?? 0, obj(event, "content_block"));
      case "content_block_delta":
        return this.delta(num(event, "index") ?? 0, obj(event, "delta"));
      case "message_delta":
        return this.messageDelta(obj(event, "delta"), obj(event, "usage"));
      case "message_stop":
        this.ended = true;
        return [{ type: "end" }];
      case "error":
        return [{ type: "error", message: errorText(get(event, "error")) }];
      default:
        return [];
    }
  }

  private blockStart(index: number, block: Json | undefined): ChatEvent[] {
    const type = str(block, "type");
    if (type === "tool_use") {
      const tool = this.toolBlocks.size;
      this.toolBlocks.set(index, tool);
      return [{ type: "tool_start", index: tool, id: str(block, "id") ?? "", name: str(block, "name") ?? "" }];
    }
    const text = type === "text" ? str(block, "text") : type === "thinking" ? str(block, "thinking") : undefined;
    if (!text) return [];
    return [type === "text" ? { type: "text", text } : { type: "thinking", text }];
  }

  private delta(index: number, delta: Json | undefined): ChatEvent[] {
    const type = str(delta, "type");
    const piece = type === "text_delta" ? str(delta, "text") : type === "thinking_delta" ? str(delta, "thinking") : type === "input_json_delta" ? str(delta, "partial_json") : undefined;
    if (!piece) return [];
    if (type === "text_delta") return [{ type: "text", text: piece }];
    if (type === "thinking_delta") return [{ type: "thinking", text: piece }];
    const tool = this.toolBlocks.get(index);
    return tool === undefined ? [] : [{ type: "tool_args", index: tool, json: piece }];
  }

  private messageDelta(delta: Json | undefined, usage: Json | undefined): ChatEvent[] {
    const events: ChatEvent[] = [];
    const reason = stopFromAnthropic(get(delta, "stop_reason"));
    if (reason) {
      this.finished = true;
      events.push({ type: "finish", reason });
    }
    // Counts are cumulative; input_tokens may be left out here (message_start has it).
    if (usage) events.push({ type: "usage", usage: { input: num(usage, "input_tokens") ?? this.input, output: num(usage, "output_tokens") ?? 0 } });
    return events;
  }

  end(): ChatEvent[] {
    if (this.ended || !this.finished) return [];
    this.ended = true;
    return [{ type: "end" }];
  }
}
