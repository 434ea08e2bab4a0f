import { GatehouseError } from "../errors";

/**
 * Request bodies sent compressed (`Content-Encoding: gzip`; Codex and other
 * agents can compress their long conversations). The decoded stream is what
 * json-body reads, so its size limit applies to the decompressed bytes: a
 * small compression bomb is cut off at GATEHOUSE_MAX_BODY_BYTES (413) without
 * ever being held whole. Codings the runtime cannot decode are a 415 that
 * says so: workerd's DecompressionStream knows gzip, deflate and deflate-raw,
 * not zstd or br (checked on workerd 2026-07-30), so zstd is refused here
 * rather than forwarded for Ollama to decode.
 */

const runtimeFormats: Record<string, "gzip" | "deflate"> = { gzip: "gzip", "x-gzip": "gzip", deflate: "deflate" };

export function decodedBody(body: ReadableStream<Uint8Array> | null, contentEncoding: string | undefined): ReadableStream<Uint8Array> | null {
  const coding = (contentEncoding ?? "").trim().toLowerCase();
  if (coding === "" || coding === "identity" || body === null) return body;
  const format = runtimeFormats[coding];
  if (!format) {
    throw new GatehouseError("unsupported_media_type", {
      message: `Content-Encoding "${coding.slice(0, 32)}" is not supported here; send the body uncompressed or with gzip.`,
    });
  }
  const reader = body.pipeThrough(new DecompressionStream(format)).getReader();
  // A corrupt stream is the client's mistake: a 400 naming the coding, never a 500.
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch {
        throw new GatehouseError("invalid_request", { message: `body: not valid ${coding} data` });
      }
      if (chunk.done) controller.close();
      else controller.enqueue(chunk.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}
