/**
 * The one shape every chat dialect is read into and written from, so each
 * dialect needs one reader and one writer instead of one mapper per pair
 * (Ollama ↔ OpenAI ↔ Anthropic). Only what a translation carries is here;
 * what no target can express is refused or dropped where it is read, and
 * listed in the README ("Backends → translation").
 */

export type Part = { type: "text"; text: string } | { type: "image"; mediaType: string; data: string } | { type: "image_url"; url: string };

export interface ToolCall {
  id: string;
  name: string;
  /** The arguments as JSON text (OpenAI's wire form); Ollama and Anthropic carry an object. */
  arguments: string;
}

export interface Turn {
  role: "system" | "user" | "assistant" | "tool";
  parts: Part[];
  toolCalls: ToolCall[];
  /** On a tool turn: the call it answers. */
  toolCallId?: string;
  /** On a tool turn: Anthropic's is_error. */
  isError?: boolean;
}

export interface ToolSpec {
  name: string;
  description?: string;
  parameters: unknown;
}

export type ToolChoice = "auto" | "none" | "required" | { name: string };

export interface ChatRequest {
  model: string;
  turns: Turn[];
  stream: boolean;
  maxTokens: number | null;
  temperature?: number;
  topP?: number;
  topK?: number;
  seed?: number;
  /** OpenAI's and Ollama's repetition penalties (Anthropic has none). */
  frequencyPenalty?: number;
  presencePenalty?: number;
  stop: string[];
  /** Ollama's format / OpenAI's response_format: JSON mode, or a JSON schema. */
  format: null | "json" | { schema: unknown };
  tools: ToolSpec[];
  toolChoice?: ToolChoice;
}

/** Why generation stopped, in OpenAI's words (the widest of the three vocabularies). */
export type StopReason = "stop" | "length" | "tool_calls" | "content_filter";

export interface Usage {
  input: number;
  output: number;
}

/** A whole (non-streamed) answer. */
export interface Completion {
  id: string;
  model: string;
  text: string;
  thinking: string;
  toolCalls: ToolCall[];
  stop: StopReason | null;
  usage: Usage | null;
}

/** One step of a streamed answer, as the readers of both backends' streams report it. */
export type ChatEvent =
  | { type: "start"; id: string; model: string }
  | { type: "text"; text: string }
  | { type: "thinking"; text: string }
  | { type: "tool_start"; index: number; id: string; name: string }
  | { type: "tool_args"; index: number; json: string }
  | { type: "finish"; reason: StopReason }
  | { type: "usage"; usage: Usage }
  | { type: "error"; message: string }
  /** The backend said the stream is complete ([DONE], message_stop). */
  | { type: "end" };

/** A stream reader: one backend's SSE lines in, events out; `end` when the bytes ran out. */
export interface EventDecoder {
  line(line: string): ChatEvent[];
  /** The bytes ended: events that complete a stream that ended without its own end marker. */
  end(): ChatEvent[];
}

/** A stream writer: events in, the route's wire text out (whole lines/events only). */
export interface EventEncoder {
  write(event: ChatEvent): string;
  /**
   * The backend's bytes ended. A stream that never ended properly writes
   * nothing more: the relay sees an unfinished stream and appends the
   * dialect's own abort line.
   */
  close(): string;
}

const fromAnthropic: Record<string, StopReason> = { end_turn: "stop", stop_sequence: "stop", pause_turn: "stop", max_tokens: "length", tool_use: "tool_calls", refusal: "content_filter" };
const toAnthropic: Record<StopReason, string> = { stop: "end_turn", length: "max_tokens", tool_calls: "tool_use", content_filter: "refusal" };
const fromOpenAi: Record<string, StopReason> = { stop: "stop", length: "length", tool_calls: "tool_calls", function_call: "tool_calls", content_filter: "content_filter" };

export const stopFromAnthropic = (reason: unknown): StopReason | null => (typeof reason === "string" ? (fromAnthropic[reason] ?? "stop") : null);
export const stopFromOpenAi = (reason: unknown): StopReason | null => (typeof reason === "string" ? (fromOpenAi[reason] ?? "stop") : null);
export const stopToAnthropic = (reason: StopReason | null): string => toAnthropic[reason ?? "stop"];
/** Ollama knows only stop and length: a tool call or a filtered answer ends with "stop", as Ollama's own do. */
export const stopToOllama = (reason: StopReason | null): string => (reason === "length" ? "length" : "stop");
