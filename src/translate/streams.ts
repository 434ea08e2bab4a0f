import { LineFramer } from "../inference/framing";
import type { ChatEvent, EventDecoder, EventEncoder } from "./chat-model";

/**
 * The byte plumbing of a translated answer. A stream is translated line by
 * line as it arrives (a TransformStream: nothing is held back but a partial
 * line), and a whole body is read whole (it was never a stream). Both are
 * piped from the backend's body, so a client that goes away cancels the
 * pipe, which cancels the backend's body: the backend call is closed.
 */

const encoder = new TextEncoder();

/** Largest non-streamed answer translated; a bigger one is an upstream error, not a memory spike. */
export const maxWholeBytes = 16 * 1024 * 1024;

export function translateStream(body: ReadableStream<Uint8Array> | null, decoder: EventDecoder, writer: EventEncoder): ReadableStream<Uint8Array> {
  const framer = new LineFramer();
  const text = new TextDecoder();
  const emit = (controller: TransformStreamDefaultController<Uint8Array>, events: ChatEvent[]) => {
    let out = "";
    for (const event of events) out += writer.write(event);
    if (out) controller.enqueue(encoder.encode(out));
  };
  const lines = (bytes: Uint8Array): ChatEvent[] =>
    text
      .decode(bytes, { stream: true })
      .split("\n")
      .map((line) => line.replace(/\r$/, ""))
      .filter((line) => line.length > 0)
      .flatMap((line) => decoder.line(line));
  const transform = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      const complete = framer.push(chunk);
      if (complete) emit(controller, lines(complete));
    },
    flush(controller) {
      const rest = framer.flush();
      emit(controller, [...(rest ? lines(rest) : []), ...decoder.end()]);
      const tail = writer.close();
      if (tail) controller.enqueue(encoder.encode(tail));
    },
  });
  return pipeFrom(body, transform);
}

/** Reads the whole body, then hands `map` its text; `map` returns the translated text. */
export function translateWhole(body: ReadableStream<Uint8Array> | null, map: (text: string) => string): ReadableStream<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  const transform = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk) {
      size += chunk.byteLength;
      if (size > maxWholeBytes) throw new Error("the backend's answer is too large to translate");
      parts.push(chunk);
    },
    flush(controller) {
      const text = new TextDecoder();
      let whole = "";
      for (const part of parts) whole += text.decode(part, { stream: true });
      controller.enqueue(encoder.encode(map(whole + text.decode())));
    },
  });
  return pipeFrom(body, transform);
}

function pipeFrom(body: ReadableStream<Uint8Array> | null, transform: TransformStream<Uint8Array, Uint8Array>): ReadableStream<Uint8Array> {
  // pipeThrough cancels `body` when the readable side is cancelled (the client left) and
  // errors the readable when `body` fails (the backend died): the relay sees both.
  return (body ?? new ReadableStream<Uint8Array>({ start: (controller) => controller.close() })).pipeThrough(transform);
}

export const isEventStream = (response: Response): boolean => /event-stream/i.test(response.headers.get("Content-Type") ?? "");
