import type { BackendKind } from "../backends/types";
import type { Dialect } from "../inference/route-table";
import type { ChatEvent, ChatRequest, Completion, EventDecoder, EventEncoder } from "./chat-model";
import { errorAnswer } from "./answer-errors";
import { collect } from "./collect";
import { encodeJson, isRecord, parseJsonText, type Json } from "./fields";
import { AnthropicStreamDecoder, readAnthropicWhole } from "./read-anthropic-answer";
import { readAnthropic } from "./read-anthropic-request";
import { readOllamaChat, readOllamaGenerate } from "./read-ollama-request";
import { OpenAiStreamDecoder, readOpenAiWhole } from "./read-openai-answer";
import { readOpenAiChat } from "./read-openai-request";
import { isEventStream, translateStream, translateWhole } from "./streams";
import { AnthropicStreamEncoder, writeAnthropicWhole } from "./write-anthropic-answer";
import { writeAnthropic } from "./write-anthropic-request";
import { OllamaStreamEncoder, writeOllamaWhole } from "./write-ollama-answer";
import { OpenAiStreamEncoder, writeOpenAiWhole } from "./write-openai-answer";
import { writeOpenAiChat } from "./write-openai-request";

/**
 * A chat on one dialect answered by a backend of another: the client's body
 * read into the shared shape (chat-model.ts) and written in the backend's
 * words; the backend's answer read back and written in the client's words,
 * event by event while it streams.
 */

/** The client's side: how the route's body is read and its answer written. */
export interface ChatSource {
  dialect: Dialect;
  read(body: Json): ChatRequest;
  writeWhole(completion: Completion, model: string): Json;
  encoder(model: string): EventEncoder;
  streamType: string;
}

/** The backend's side. */
export interface ChatTarget {
  kind: BackendKind;
  path: string;
  headers?: Record<string, string>;
  write(request: ChatRequest, fallbackMaxTokens: number): Json;
  readWhole(body: Json): Completion;
  decoder(): EventDecoder;
}

const ndjson = "application/x-ndjson";
const eventStream = "text/event-stream; charset=utf-8";

export const sources = {
  ollamaChat: { dialect: "ollama", read: readOllamaChat, writeWhole: (c, m) => writeOllamaWhole("chat", c, m), encoder: (m) => new OllamaStreamEncoder("chat", m), streamType: ndjson },
  ollamaGenerate: { dialect: "ollama", read: readOllamaGenerate, writeWhole: (c, m) => writeOllamaWhole("generate", c, m), encoder: (m) => new OllamaStreamEncoder("generate", m), streamType: ndjson },
  openAiChat: { dialect: "openai", read: readOpenAiChat, writeWhole: writeOpenAiWhole, encoder: (m) => new OpenAiStreamEncoder(m), streamType: eventStream },
  anthropic: { dialect: "anthropic", read: readAnthropic, writeWhole: writeAnthropicWhole, encoder: (m) => new AnthropicStreamEncoder(m), streamType: eventStream },
} satisfies Record<string, ChatSource>;

/** The version of Anthropic's API the translations are written against (sent as anthropic-version). */
export const anthropicVersion = "2023-06-01";

export const targets = {
  /** Relative to a base URL that ends in /v1. */
  openai: { kind: "openai", path: "/chat/completions", write: (request) => writeOpenAiChat(request), readWhole: readOpenAiWhole, decoder: () => new OpenAiStreamDecoder() },
  anthropic: {
    kind: "anthropic",
    path: "/v1/messages",
    headers: { "anthropic-version": anthropicVersion },
    write: writeAnthropic,
    readWhole: readAnthropicWhole,
    decoder: () => new AnthropicStreamDecoder(),
  },
} satisfies Record<string, ChatTarget>;

export interface ChatFacts {
  model?: string | undefined;
  maxTokens?: number | null | undefined;
}

/** Without a ceiling from the pipeline (it always gives one there), a backend that requires max_tokens gets this. */
export const defaultMaxTokens = 4096;

export function chatExchange(source: ChatSource, target: ChatTarget, body: Json, facts: ChatFacts) {
  const request = source.read(body);
  if (facts.model) request.model = facts.model;
  const model = request.model;
  const sent = target.write(request, facts.maxTokens ?? defaultMaxTokens);
  return {
    request: { method: "POST" as const, path: target.path, body: encodeJson(sent), ...(target.headers ? { headers: target.headers } : {}) },
    answer(upstream: Response): Response {
      if (!upstream.ok) return errorAnswer(upstream, source.dialect, target.kind);
      if (isEventStream(upstream) && !request.stream) {
        // Streamed although asked not to (some engines ignore `stream`): the client still gets one answer.
        const body = translateWhole(upstream.body, (text) => JSON.stringify(source.writeWhole(collect(text, target.decoder()), model)));
        return new Response(body, { status: 200, headers: { "Content-Type": "application/json; charset=utf-8" } });
      }
      if (isEventStream(upstream)) {
        return new Response(translateStream(upstream.body, target.decoder(), source.encoder(model)), { status: 200, headers: { "Content-Type": source.streamType } });
      }
      const whole = (text: string) => {
        const parsed = parseJsonText(text);
        return target.readWhole(isRecord(parsed) ? parsed : {});
      };
      if (request.stream) {
        // Asked to stream, answered whole (some engines ignore `stream`): the client still gets its stream.
        const body = translateWhole(upstream.body, (text) => replay(whole(text), source.encoder(model)));
        return new Response(body, { status: 200, headers: { "Content-Type": source.streamType } });
      }
      const body = translateWhole(upstream.body, (text) => JSON.stringify(source.writeWhole(whole(text), model)));
      return new Response(body, { status: upstream.status, headers: { "Content-Type": "application/json; charset=utf-8" } });
    },
  };
}

/** A whole answer written as the events a stream of it would have had. */
export function replay(completion: Completion, encoder: EventEncoder): string {
  const events: ChatEvent[] = [{ type: "start", id: completion.id, model: completion.model }];
  if (completion.thinking) events.push({ type: "thinking", text: completion.thinking });
  if (completion.text) events.push({ type: "text", text: completion.text });
  completion.toolCalls.forEach((call, index) => {
    events.push({ type: "tool_start", index, id: call.id, name: call.name }, { type: "tool_args", index, json: call.arguments });
  });
  events.push({ type: "finish", reason: completion.stop ?? "stop" });
  if (completion.usage) events.push({ type: "usage", usage: completion.usage });
  events.push({ type: "end" });
  return events.map((event) => encoder.write(event)).join("") + encoder.close();
}
