import type { ExchangeResult, Outcome, TokenUsage } from "./exchange";
import { LineFramer, linesOf } from "./framing";
import type { ResponseReader } from "./translators";

export interface RelayOptions {
  upstream: Response;
  reader: ResponseReader;
  /** When the client's request arrived (ms epoch). */
  receivedAt: number;
  /** Fires when the client goes away (workerd's request.signal). */
  clientSignal: AbortSignal;
  /** Lines to read but not hand on (with the blank line that ends their SSE event). */
  dropLine?: ((line: string) => boolean) | undefined;
  /** What a request the engine never counted is charged (src/governance/reservation.ts); none for metadata routes. */
  estimate?: ((generatedChunks: number) => TokenUsage) | undefined;
  /** Called exactly once, when the relay ends for whatever reason. */
  onEnd(result: ExchangeResult): void;
}

/** Largest non-streamed body kept in memory to read its usage; bigger ones pass uncounted. */
const maxWholeBytes = 16 * 1024 * 1024;

/**
 * The client-facing body: Ollama's bytes handed on as they arrive, cut at
 * line ends for NDJSON/SSE (so a split line or UTF-8 character reaches the
 * client whole), with a copy read for the answer text and token usage.
 * Pull-based, so a slow client slows the upstream instead of filling memory;
 * cancelling it (the client went away) cancels the upstream read, which
 * closes the connection to Ollama.
 */
export function relay(options: RelayOptions): ReadableStream<Uint8Array> {
  const { upstream, reader } = options;
  const source = upstream.body?.getReader();
  const contentType = upstream.headers.get("Content-Type") ?? "";
  const streamed = /ndjson|event-stream/i.test(contentType);
  const framer = new LineFramer();
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  const whole: Uint8Array[] = [];
  let wholeBytes = 0;
  let bytesOut = 0;
  let ttfbMs: number | null = null;
  let ended = false;

  const end = (outcome: Outcome) => {
    if (ended) return;
    ended = true;
    options.clientSignal.removeEventListener("abort", onClientAbort);
    if (!streamed && wholeBytes > 0 && wholeBytes <= maxWholeBytes) reader.whole(decodeAll(whole));
    const failedUpstream = outcome === "ok" && (upstream.status >= 400 || reader.failed);
    options.onEnd({
      status: upstream.status,
      outcome: failedUpstream ? "upstream_error" : outcome,
      // No count from an engine that was answering (cut before its final chunk): charge what was
      // relayed, marked as an estimate. An engine that refused outright (4xx/5xx) generated nothing.
      usage: reader.usage ?? (upstream.ok ? options.estimate?.(reader.contentChunks) : null) ?? null,
      bytesOut,
      ttfbMs,
      latencyMs: Date.now() - options.receivedAt,
      responseText: reader.text,
    });
  };
  const onClientAbort = () => {
    void source?.cancel().catch(() => {});
    end("client_aborted");
  };
  options.clientSignal.addEventListener("abort", onClientAbort);

  const send = (controller: ReadableStreamDefaultController<Uint8Array>, bytes: Uint8Array) => {
    if (ttfbMs === null) ttfbMs = Date.now() - options.receivedAt;
    bytesOut += bytes.byteLength;
    controller.enqueue(bytes);
  };
  const readLines = (bytes: Uint8Array) => {
    for (const line of linesOf(decoder.decode(bytes))) reader.line(line);
  };
  /** The bytes to hand on: all of them, or those left after dropping lines. */
  const kept = (bytes: Uint8Array): Uint8Array => (options.dropLine ? withoutLines(bytes, options.dropLine) : bytes);

  const finish = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    const rest = streamed ? framer.flush() : null;
    if (rest) {
      send(controller, kept(rest));
      readLines(rest);
    }
    // A stream that stops without its final chunk was cut short upstream.
    const cutShort = streamed && upstream.ok && !reader.finished && !reader.failed;
    if (cutShort) send(controller, encoder.encode(reader.abortLine("upstream ended the stream early")));
    controller.close();
    end(cutShort ? "upstream_error" : "ok");
  };

  return new ReadableStream<Uint8Array>({
    // Loops until it has handed something on: a pull that enqueues nothing
    // would not be called again, and the client's read would hang.
    async pull(controller) {
      for (;;) {
        if (!source) {
          controller.close();
          return end("ok");
        }
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await source.read();
        } catch {
          if (ended) return;
          // Ollama died mid-answer: say so in the stream's own format, never a fake done.
          if (streamed) {
            send(controller, encoder.encode(reader.abortLine("upstream connection lost")));
            controller.close();
          } else {
            controller.error(new Error("upstream connection lost"));
          }
          return end("upstream_error");
        }
        if (chunk.done) return finish(controller);
        if (!streamed) {
          send(controller, chunk.value);
          wholeBytes += chunk.value.byteLength;
          if (wholeBytes <= maxWholeBytes) whole.push(chunk.value);
          return;
        }
        const lines = framer.push(chunk.value);
        if (lines) {
          readLines(lines);
          const out = kept(lines);
          if (out.byteLength === 0) continue;
          send(controller, out);
          return;
        }
      }
    },
    async cancel() {
      await source?.cancel().catch(() => {});
      end("client_aborted");
    },
  });
}

function decodeAll(chunks: Uint8Array[]): string {
  const decoder = new TextDecoder();
  let text = "";
  for (const chunk of chunks) text += decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}

/** Removes the lines `drop` matches, and the blank line after each (the end of its SSE event). */
function withoutLines(bytes: Uint8Array, drop: (line: string) => boolean): Uint8Array {
  const lines = new TextDecoder().decode(bytes).split("\n");
  const out: string[] = [];
  let skipBlank = false;
  for (const line of lines) {
    if (skipBlank && line === "") {
      skipBlank = false;
      continue;
    }
    skipBlank = false;
    if (drop(line)) {
      skipBlank = true;
      continue;
    }
    out.push(line);
  }
  return new TextEncoder().encode(out.join("\n"));
}
