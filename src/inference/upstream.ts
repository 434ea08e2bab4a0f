import { GatehouseError } from "../errors";

/**
 * The one way out to Ollama: the OLLAMA service binding. The request is built
 * here from parts we chose — the path comes from the route table, the headers
 * are a fresh set — so no client Authorization, Cookie or X-Forwarded-* header
 * and no client-built path can reach the upstream.
 */

export interface UpstreamCall {
  method: "GET" | "POST" | "DELETE" | "HEAD";
  /** An allowlisted upstream path, e.g. "/api/chat". Never the client's path. */
  path: string;
  /** A JSON body, sent as these exact bytes. */
  body?: Uint8Array;
  /** A raw body streamed as it arrives (model blobs); sent instead of `body`. */
  rawBody?: ReadableStream<Uint8Array> | null;
  /** Aborts the upstream call, e.g. when the client goes away. */
  signal?: AbortSignal;
}

export interface UpstreamTarget {
  ollama: Fetcher;
  /** host:port of Ollama; sent as the Host Ollama expects (it refuses non-loopback hosts). */
  address: string;
  firstByteTimeoutMs: number;
}

/**
 * A send that fails this soon, with no response byte, went out on a
 * connection that was already dead (llama.cpp's server closes keep-alive
 * connections after a stream without saying so) or was refused: the engine
 * never had the request, so it is sent again. workerd's fetch picks the
 * connection, and its pool may hold several dead ones, so each fast failure
 * drops one and the next try takes another or a fresh one — up to
 * maxStaleRetries. A slower failure may come from an engine that read the
 * request and then died: never retried, so an answer is never generated twice.
 */
export const staleConnectionMs = 250;
const maxStaleRetries = 8;

export async function callOllama(target: UpstreamTarget, call: UpstreamCall): Promise<Response> {
  for (let retries = 0; ; retries++) {
    const sentAt = Date.now();
    try {
      return await attempt(target, call);
    } catch (error) {
      const dead = error instanceof GatehouseError && error.code === "upstream_unavailable" && Date.now() - sentAt <= staleConnectionMs;
      // A streamed body (model blobs) is gone once sent: it cannot go again.
      if (!dead || call.rawBody || call.signal?.aborted || retries >= maxStaleRetries) throw error;
    }
  }
}

async function attempt(target: UpstreamTarget, call: UpstreamCall): Promise<Response> {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), target.firstByteTimeoutMs);
  const signal = call.signal ? AbortSignal.any([call.signal, timeout.signal]) : timeout.signal;
  const headers = new Headers({ Accept: "application/json, application/x-ndjson, text/event-stream" });
  let body: Uint8Array | ReadableStream<Uint8Array> | undefined;
  if (call.rawBody) {
    headers.set("Content-Type", "application/octet-stream");
    body = call.rawBody;
  } else if (call.body !== undefined) {
    headers.set("Content-Type", "application/json");
    body = call.body;
  }
  try {
    // fetch resolves once Ollama sends its headers, which it does with its
    // first streamed chunk (or the whole answer when not streaming).
    return await target.ollama.fetch(`http://${target.address}${call.path}`, {
      method: call.method,
      headers,
      body,
      signal,
    });
  } catch (error) {
    if (timeout.signal.aborted) throw new GatehouseError("upstream_timeout");
    if (call.signal?.aborted) throw error;
    throw new GatehouseError("upstream_unavailable", { retryAfter: 5 });
  } finally {
    clearTimeout(timer);
  }
}

/** Asks Ollama whether it is up, within a short deadline. */
export async function probeOllama(target: Omit<UpstreamTarget, "firstByteTimeoutMs">, timeoutMs: number): Promise<boolean> {
  try {
    const response = await target.ollama.fetch(`http://${target.address}/api/version`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}
