import type { TokenUsage } from "./exchange";

/**
 * Reads what passes through without changing it: the answer's text, the
 * token usage the upstream reported, and whether it ended properly or with an
 * error. One reader per wire format, so metering and audit never re-parse.
 */
export interface ResponseReader {
  /** One complete line of a streamed body (NDJSON or SSE), without its newline. */
  line(line: string): void;
  /** A whole non-streamed JSON body. */
  whole(body: string): void;
  readonly text: string;
  readonly usage: TokenUsage | null;
  /**
   * Generated chunks relayed so far (Ollama NDJSON lines before done, OpenAI
   * SSE deltas): Ollama and OpenAI-compatible servers send one per token, so
   * this is the completion estimate when no count comes.
   */
  readonly contentChunks: number;
  /** The upstream said it finished (Ollama's done:true, OpenAI's [DONE] or finish). */
  readonly finished: boolean;
  /** The upstream reported an error in-band. */
  readonly failed: boolean;
  /** The line or event to send when the upstream dies mid-stream. */
  abortLine(message: string): string;
}

/** Keeps at most this much answer text for the audit record. */
export const maxCapturedChars = 4 * 1024 * 1024;

export type Json = Record<string, unknown>;

export function parseObject(text: string): Json | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : null;
  } catch {
    return null;
  }
}

export const count = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : 0);

export abstract class BaseReader implements ResponseReader {
  text = "";
  usage: TokenUsage | null = null;
  finished = false;
  failed = false;
  contentChunks = 0;

  protected append(piece: unknown): void {
    if (typeof piece === "string" && this.text.length < maxCapturedChars) {
      this.text += piece.slice(0, maxCapturedChars - this.text.length);
    }
  }

  abstract line(line: string): void;
  abstract whole(body: string): void;
  abstract abortLine(message: string): string;
}

/** Ollama's native API: NDJSON chunks, the last with done:true and the counts. */
export class OllamaReader extends BaseReader {
  line(line: string): void {
    const chunk = parseObject(line);
    if (chunk) this.chunk(chunk);
  }

  whole(body: string): void {
    const chunk = parseObject(body);
    if (chunk) this.chunk(chunk);
  }

  private chunk(chunk: Json): void {
    if ("error" in chunk) {
      this.failed = true;
      return;
    }
    const message = chunk.message as Json | undefined;
    // Thinking and tool-call chunks are generated tokens too, even with empty content.
    if (chunk.done !== true && (message !== undefined || chunk.response !== undefined)) this.contentChunks += 1;
    this.append(message?.content ?? chunk.response);
    const isEmbed = Array.isArray(chunk.embeddings) || Array.isArray(chunk.embedding);
    if (chunk.done === true || isEmbed) {
      this.finished = true;
      this.usage = { promptTokens: count(chunk.prompt_eval_count), completionTokens: count(chunk.eval_count) };
    }
  }

  /** The request id the abort line carries, like every other Ollama-dialect error. */
  constructor(private readonly requestId?: string) {
    super();
  }

  abortLine(message: string): string {
    return `${JSON.stringify({ error: message, code: "upstream_unavailable", request_id: this.requestId })}\n`;
  }
}

/** OpenAI-compatible API: SSE `data:` events ending with [DONE], usage when asked for. */
export class OpenAiReader extends BaseReader {
  line(line: string): void {
    if (!line.startsWith("data:")) return;
    const data = line.slice(5).trim();
    if (data === "[DONE]") {
      this.finished = true;
      return;
    }
    const event = parseObject(data);
    if (event) this.event(event);
  }

  whole(body: string): void {
    const event = parseObject(body);
    if (event) {
      this.event(event);
      if (!this.failed) this.finished = true;
    }
  }

  private event(event: Json): void {
    if ("error" in event) {
      this.failed = true;
      return;
    }
    const choices = Array.isArray(event.choices) ? (event.choices as Json[]) : [];
    for (const choice of choices) {
      const delta = (choice.delta ?? choice.message) as Json | undefined;
      if (choice.delta !== undefined && generated(delta)) this.contentChunks += 1;
      else if (typeof choice.text === "string" && choice.text.length > 0) this.contentChunks += 1;
      this.append(delta?.content ?? choice.text);
    }
    const usage = event.usage as Json | undefined;
    if (usage && typeof usage === "object") {
      this.usage = { promptTokens: count(usage.prompt_tokens), completionTokens: count(usage.completion_tokens) };
    }
  }

  abortLine(message: string): string {
    return `data: ${JSON.stringify({ error: { message, type: "api_error", param: null, code: "upstream_unavailable" } })}\n\n`;
  }
}

/** A delta that carries generated output (not the opening role-only or closing finish-only one). */
function generated(delta: Json | undefined): boolean {
  if (!delta) return false;
  const nonEmpty = (value: unknown) => typeof value === "string" && value.length > 0;
  return nonEmpty(delta.content) || nonEmpty(delta.reasoning) || nonEmpty(delta.reasoning_content) || Array.isArray(delta.tool_calls);
}

/** An OpenAI stream's closing usage event: `data: {…"choices":[],"usage":{…}}`. */
export function isUsageOnlyEvent(line: string): boolean {
  if (!line.startsWith("data:") || !line.includes('"usage"')) return false;
  const event = parseObject(line.slice(5).trim());
  return event !== null && Array.isArray(event.choices) && event.choices.length === 0 && typeof event.usage === "object";
}
