import { BaseReader, count, parseObject, type Json } from "./translators";

/**
 * Readers for the coding-agent dialects, beside the Ollama and OpenAI ones in
 * translators.ts. They read a copy of what passes through (never change it):
 * the answer's text for the audit record, the token counts for the quota.
 */

/** The JSON of an SSE `data:` line, or null for `event:` lines, comments and garbage. */
function sseData(line: string): Json | null {
  return line.startsWith("data:") ? parseObject(line.slice(5).trim()) : null;
}

const nonEmpty = (value: unknown): boolean => typeof value === "string" && value.length > 0;

/** A content_block_delta that carries generated output (text_delta, thinking_delta, input_json_delta). */
function anthropicGenerated(delta: Json | undefined): boolean {
  return nonEmpty(delta?.text) || nonEmpty(delta?.thinking) || nonEmpty(delta?.partial_json);
}

/** A Responses `*.delta` event with generated output: output text, reasoning, refusal, function-call arguments. */
function responsesGenerated(event: Json): boolean {
  return typeof event.type === "string" && event.type.startsWith("response.") && event.type.endsWith(".delta") && nonEmpty(event.delta);
}

/**
 * Anthropic Messages: `message_start` (input tokens, often Ollama's estimate),
 * `content_block_delta` (text_delta and thinking_delta are the answer),
 * `message_delta` (the final counts), `message_stop`; or one whole message.
 */
export class AnthropicReader extends BaseReader {
  private inputTokens = 0;

  line(line: string): void {
    const event = sseData(line);
    if (event) this.event(event);
  }

  whole(body: string): void {
    const message = parseObject(body);
    if (!message) return;
    if (message.type === "error" || "error" in message) {
      this.failed = true;
      return;
    }
    for (const block of Array.isArray(message.content) ? (message.content as Json[]) : []) {
      this.append(block?.type === "thinking" ? block.thinking : block?.type === "text" ? block.text : undefined);
    }
    this.setUsage(message.usage);
    this.finished = true;
  }

  private event(event: Json): void {
    switch (event.type) {
      case "message_start": {
        const usage = (event.message as Json | undefined)?.usage as Json | undefined;
        this.inputTokens = count(usage?.input_tokens);
        return;
      }
      case "content_block_delta": {
        const delta = event.delta as Json | undefined;
        // Text, thinking and a tool call's JSON arrive one token a delta: the estimate when no count comes.
        if (anthropicGenerated(delta)) this.contentChunks += 1;
        this.append(delta?.type === "text_delta" ? delta.text : delta?.type === "thinking_delta" ? delta.thinking : undefined);
        return;
      }
      case "message_delta":
        this.setUsage(event.usage);
        return;
      case "message_stop":
        this.finished = true;
        return;
      case "error":
        this.failed = true;
    }
  }

  /** message_delta's counts are cumulative; Anthropic may leave input_tokens out of it (message_start has it). */
  private setUsage(usage: unknown): void {
    if (typeof usage !== "object" || usage === null) return;
    const counts = usage as Json;
    const input = typeof counts.input_tokens === "number" ? count(counts.input_tokens) : this.inputTokens;
    this.usage = { promptTokens: input, completionTokens: count(counts.output_tokens) };
  }

  abortLine(message: string): string {
    return `event: error\ndata: ${JSON.stringify({ type: "error", error: { type: "api_error", message } })}\n\n`;
  }
}

/**
 * OpenAI Responses: `response.output_text.delta` is the answer,
 * `response.completed` (or `.incomplete`) carries the usage and ends it,
 * `response.failed` and `error` fail it; or one whole response object.
 */
export class ResponsesReader extends BaseReader {
  line(line: string): void {
    const event = sseData(line);
    if (!event) return;
    // Every generated delta (text, reasoning, a tool call's arguments) is one token: the estimate when no count comes.
    if (responsesGenerated(event)) this.contentChunks += 1;
    if (event.type === "response.output_text.delta") this.append(event.delta);
    else if (event.type === "response.completed" || event.type === "response.incomplete") this.finish(event.response);
    else if (event.type === "response.failed" || event.type === "error") this.failed = true;
  }

  whole(body: string): void {
    const response = parseObject(body);
    if (!response) return;
    if (typeof response.error === "object" && response.error !== null) {
      this.failed = true;
      return;
    }
    for (const item of Array.isArray(response.output) ? (response.output as Json[]) : []) {
      for (const part of Array.isArray(item?.content) ? (item.content as Json[]) : []) {
        if (part?.type === "output_text") this.append(part.text);
      }
    }
    this.finish(response);
  }

  private finish(response: unknown): void {
    this.finished = true;
    const usage = (response as Json | null)?.usage as Json | undefined;
    if (usage && typeof usage === "object") {
      this.usage = { promptTokens: count(usage.input_tokens), completionTokens: count(usage.output_tokens) };
    }
  }

  abortLine(message: string): string {
    return `event: error\ndata: ${JSON.stringify({ type: "error", code: "upstream_unavailable", message, param: null })}\n\n`;
  }
}
