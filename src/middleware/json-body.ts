import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { GatehouseError } from "../errors";
import { foldedLayout } from "../body/received";
import { decodedBody } from "./content-encoding";
import { assertSafeJson } from "./json-safety";

/**
 * Reads a JSON request body under three limits before any route sees it:
 * its media type (415), its size (413, counted as bytes arrive, so a lying
 * Content-Length or a chunked body cannot get past it) and a deadline for the
 * whole body (408, so a client dribbling bytes cannot hold a slot). The parsed
 * value is left in c.var.jsonBody for the route's zod schema, and the body as
 * received (bytes, text, value, layout) in c.var.receivedBody, so the client's
 * bytes can be forwarded as they came. Objects that repeat a key under
 * Ollama's case folding are refused here (src/body/scan.ts).
 *
 * hono/body-limit covers the size alone; the deadline and the parse belong in
 * the same read, so this is written here.
 */
export interface JsonBodyOptions {
  /**
   * Also accept curl's default `application/x-www-form-urlencoded` (and no
   * Content-Type), as Ollama does: its documented examples are `curl -d '{…}'`.
   * Only for inference routes, which never authenticate with the console's
   * cookie; control-plane routes insist on application/json (CSRF defence).
   */
  acceptCurlDefault?: boolean;
  /**
   * The most bytes read while nobody is authenticated yet (POST /chat, whose
   * credentials are in the body): unauthenticated work stays small.
   */
  unauthenticatedMaxBytes?: number;
}

export function jsonBody(options: JsonBodyOptions = {}): MiddlewareHandler<AppEnv> {
  const accepted = options.acceptCurlDefault
    ? /^(application\/json|application\/x-www-form-urlencoded)\s*(;|$)/i
    : /^application\/json\s*(;|$)/i;
  return async function jsonBody(c, next) {
    const contentType = c.req.header("Content-Type");
    const missingAllowed = options.acceptCurlDefault === true && contentType === undefined;
    if (!missingAllowed && !accepted.test(contentType ?? "")) {
      throw new GatehouseError("unsupported_media_type");
    }
    const { GATEHOUSE_MAX_BODY_BYTES: configuredMax, GATEHOUSE_BODY_TIMEOUT: timeoutSeconds } = c.var.config;
    const anonymous = c.var.principal === undefined && options.unauthenticatedMaxBytes !== undefined;
    const maxBytes = anonymous ? Math.min(configuredMax, options.unauthenticatedMaxBytes ?? configuredMax) : configuredMax;
    const declared = Number(c.req.header("Content-Length") ?? "0");
    if (declared > maxBytes) throw new GatehouseError("payload_too_large");

    // The limit counts decoded bytes: a compressed body cannot smuggle more than it.
    const bytes = await readLimited(decodedBody(c.req.raw.body, c.req.header("Content-Encoding")), maxBytes, timeoutSeconds * 1000);
    const text = decodeUtf8(bytes);
    const value = parseJson(text);
    assertSafeJson(value);
    const layout = foldedLayout(text);
    c.set("jsonBody", value);
    c.set("receivedBody", { bytes, text, value, layout });
    await next();
  };
}

async function readLimited(body: ReadableStream<Uint8Array> | null, maxBytes: number, timeoutMs: number): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new GatehouseError("request_timeout")), timeoutMs);
  });
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), deadline]);
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) throw new GatehouseError("payload_too_large");
      chunks.push(value);
    }
  } catch (error) {
    reader.cancel().catch(() => {});
    throw error;
  } finally {
    clearTimeout(timer);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

function decodeUtf8(bytes: Uint8Array): string {
  if (bytes.byteLength === 0) throw new GatehouseError("invalid_json", { message: "The request body is empty." });
  try {
    // fatal: invalid UTF-8 is a client error, not something to forward mangled.
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new GatehouseError("invalid_json", { message: "The request body is not valid UTF-8." });
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new GatehouseError("invalid_json");
  }
}
