import type { Context, MiddlewareHandler } from "hono";
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
   * credentials are in the body): unauthenticated work stays small. Without
   * `credentialsFirst`, a body over it is a 413; with it, this is the slice
   * the credentials must be found in before the rest is read.
   */
  unauthenticatedMaxBytes?: number;
  /**
   * Authenticates from the body's first slice (its text, `complete` when the
   * body ended within it) or throws; the rest, up to GATEHOUSE_MAX_BODY_BYTES,
   * is read only afterwards. A complete body is parsed and checked first, so
   * a short bad body is still a 400.
   */
  credentialsFirst?: (c: Context<AppEnv>, text: string, complete: boolean) => Promise<void>;
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
    const sliceBytes = Math.min(configuredMax, options.unauthenticatedMaxBytes ?? configuredMax);
    const credentialsFirst = anonymous ? options.credentialsFirst : undefined;
    const maxBytes = anonymous && !credentialsFirst ? sliceBytes : configuredMax;
    const declared = Number(c.req.header("Content-Length") ?? "0");
    if (declared > maxBytes) throw new GatehouseError("payload_too_large");

    // The limit counts decoded bytes: a compressed body cannot smuggle more than it.
    const stream = decodedBody(c.req.raw.body, c.req.header("Content-Encoding"));
    const firstSlice = credentialsFirst && { bytes: sliceBytes, check: (slice: Uint8Array) => credentialsFirst(c, decodePrefix(slice), false) };
    const { bytes, sliceChecked } = await readLimited(stream, maxBytes, timeoutSeconds * 1000, firstSlice);
    const text = decodeUtf8(bytes);
    const value = parseJson(text);
    assertSafeJson(value);
    const layout = foldedLayout(text);
    c.set("jsonBody", value);
    c.set("receivedBody", { bytes, text, value, layout });
    // A body that ended within the slice: its credentials are read from the whole, checked text.
    if (credentialsFirst && !sliceChecked) await credentialsFirst(c, text, true);
    await next();
  };
}

/** A first slice to hand to `check` (which throws to refuse) once that many bytes arrived, before reading on. */
interface FirstSlice {
  bytes: number;
  check(slice: Uint8Array): Promise<void>;
}

async function readLimited(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
  timeoutMs: number,
  firstSlice?: FirstSlice,
): Promise<{ bytes: Uint8Array; sliceChecked: boolean }> {
  if (!body) return { bytes: new Uint8Array(0), sliceChecked: false };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let sliceChecked = false;
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
      if (firstSlice && !sliceChecked && size >= firstSlice.bytes) {
        sliceChecked = true;
        await firstSlice.check(concat(chunks, size).subarray(0, firstSlice.bytes));
      }
    }
  } catch (error) {
    reader.cancel().catch(() => {});
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return { bytes: concat(chunks, size), sliceChecked };
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** The text of a body's first slice: a character cut at its end is left out, invalid UTF-8 is the 400 the whole body would get. */
function decodePrefix(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes, { stream: true });
  } catch {
    throw new GatehouseError("invalid_json", { message: "The request body is not valid UTF-8." });
  }
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
