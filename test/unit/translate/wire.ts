import { linesOf } from "../../../src/inference/framing";
import type { ResponseReader } from "../../../src/inference/translators";

/**
 * Backend answers as they arrive on the wire, for the translation tests:
 * the recorded shapes of OpenAI's and Anthropic's streams (their API
 * references), cut into whatever byte chunks a test wants.
 */

export const sseData = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`;
export const sseEvent = (type: string, data: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;

/** A response whose body hands out `pieces` one read at a time; `cancelled` records a cancel. */
export function streamed(pieces: string[], contentType = "text/event-stream", status = 200): { response: Response; cancelled: { reason: unknown; called: boolean } } {
  const cancelled = { reason: undefined as unknown, called: false };
  const encoder = new TextEncoder();
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < pieces.length) controller.enqueue(encoder.encode(pieces[i++]!));
      else controller.close();
    },
    cancel(reason) {
      cancelled.called = true;
      cancelled.reason = reason;
    },
  });
  return { response: new Response(body, { status, headers: { "Content-Type": contentType } }), cancelled };
}

/** The same text cut into one-byte reads: every line and every UTF-8 character split. */
export function byteByByte(text: string, contentType = "text/event-stream"): Response {
  const bytes = new TextEncoder().encode(text);
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < bytes.length) controller.enqueue(bytes.slice(i, ++i));
      else controller.close();
    },
  });
  return new Response(body, { headers: { "Content-Type": contentType } });
}

export const json = (value: unknown, status = 200) => new Response(JSON.stringify(value), { status, headers: { "Content-Type": "application/json" } });

/** What Gatehouse's meter (the route dialect's reader) makes of a translated answer. */
export function metered<R extends ResponseReader>(reader: R, text: string, streamedAnswer: boolean): R {
  if (streamedAnswer) for (const line of linesOf(text)) reader.line(line);
  else reader.whole(text);
  return reader;
}

export const ndjsonLines = (text: string): Record<string, unknown>[] => linesOf(text).map((line) => JSON.parse(line) as Record<string, unknown>);

/** The SSE events of a text, as [event name or null, data]. */
export function sseEvents(text: string): { event: string | null; data: unknown }[] {
  return text
    .split("\n\n")
    .filter((block) => block.trim())
    .map((block) => {
      const lines = block.split("\n");
      const event = lines.find((line) => line.startsWith("event: "))?.slice(7) ?? null;
      const data = lines.find((line) => line.startsWith("data: "))!.slice(6);
      return { event, data: data === "[DONE]" ? "[DONE]" : (JSON.parse(data) as unknown) };
    });
}

/** Recorded OpenAI chat stream with stream_options.include_usage (usage:null on every chunk, then a usage-only chunk). */
export function openAiTextStream(words: string[], finish = "stop", usage = { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 }): string[] {
  const base = { id: "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT", object: "chat.completion.chunk", created: 1727, model: "gpt-4o-mini-2024-07-18", system_fingerprint: "fp_44709d6fcb" };
  const chunk = (delta: unknown, finishReason: string | null) => sseData({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }], usage: null });
  return [
    chunk({ role: "assistant", content: "", refusal: null }, null),
    ...words.map((word) => chunk({ content: word }, null)),
    chunk({}, finish),
    sseData({ ...base, choices: [], usage: { ...usage, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } } }),
    "data: [DONE]\n\n",
  ];
}

/** Recorded OpenAI tool-call stream: the call's arguments in fragments. */
export function openAiToolStream(): string[] {
  const base = { id: "chatcmpl-tool", object: "chat.completion.chunk", created: 1727, model: "gpt-4o" };
  const chunk = (delta: unknown, finishReason: string | null) => sseData({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }], usage: null });
  return [
    chunk({ role: "assistant", content: null, tool_calls: [{ index: 0, id: "call_DdmO9pD3xa9XTPNJ32zg2hcA", type: "function", function: { name: "get_weather", arguments: "" } }], refusal: null }, null),
    chunk({ tool_calls: [{ index: 0, function: { arguments: '{"ci' } }] }, null),
    chunk({ tool_calls: [{ index: 0, function: { arguments: 'ty":"Paris"}' } }] }, null),
    chunk({}, "tool_calls"),
    sseData({ ...base, choices: [], usage: { prompt_tokens: 80, completion_tokens: 17, total_tokens: 97 } }),
    "data: [DONE]\n\n",
  ];
}

/** Recorded Anthropic text stream (Messages streaming reference), with a ping. */
export function anthropicTextStream(words: string[], stop = "end_turn"): string[] {
  return [
    sseEvent("message_start", { message: { id: "msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY", type: "message", role: "assistant", content: [], model: "claude-sonnet-4-5", stop_reason: null, stop_sequence: null, usage: { input_tokens: 25, output_tokens: 1 } } }),
    sseEvent("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
    sseEvent("ping", {}),
    ...words.map((text) => sseEvent("content_block_delta", { index: 0, delta: { type: "text_delta", text } })),
    sseEvent("content_block_stop", { index: 0 }),
    sseEvent("message_delta", { delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: 15 } }),
    sseEvent("message_stop", {}),
  ];
}

/** Recorded Anthropic tool-use stream: a thinking block, text, then a tool_use block with input_json_delta. */
export function anthropicToolStream(): string[] {
  return [
    sseEvent("message_start", { message: { id: "msg_014p7gG3wDgGV9EUtLvnow3U", type: "message", role: "assistant", content: [], model: "claude-sonnet-4-5", usage: { input_tokens: 472, output_tokens: 2 } } }),
    sseEvent("content_block_start", { index: 0, content_block: { type: "thinking", thinking: "" } }),
    sseEvent("content_block_delta", { index: 0, delta: { type: "thinking_delta", thinking: "Need the weather." } }),
    sseEvent("content_block_delta", { index: 0, delta: { type: "signature_delta", signature: "EqQBCgIYAhIM" } }),
    sseEvent("content_block_stop", { index: 0 }),
    sseEvent("content_block_start", { index: 1, content_block: { type: "text", text: "" } }),
    sseEvent("content_block_delta", { index: 1, delta: { type: "text_delta", text: "Checking." } }),
    sseEvent("content_block_stop", { index: 1 }),
    sseEvent("content_block_start", { index: 2, content_block: { type: "tool_use", id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6", name: "get_weather", input: {} } }),
    sseEvent("content_block_delta", { index: 2, delta: { type: "input_json_delta", partial_json: "" } }),
    sseEvent("content_block_delta", { index: 2, delta: { type: "input_json_delta", partial_json: '{"location":' } }),
    sseEvent("content_block_delta", { index: 2, delta: { type: "input_json_delta", partial_json: ' "San Francisco, CA"}' } }),
    sseEvent("content_block_stop", { index: 2 }),
    sseEvent("message_delta", { delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 89 } }),
    sseEvent("message_stop", {}),
  ];
}
