/**
 * What a route asks of a backend. The request is built from parts we chose —
 * the path comes from the route table, the headers are a fresh set — and sent
 * by the one way out to any backend, src/backends/outbound.ts, so no client
 * Authorization, Cookie or X-Forwarded-* header and no client-built path can
 * reach an upstream.
 */

export interface UpstreamCall {
  method: "GET" | "POST" | "DELETE" | "HEAD";
  /** An allowlisted upstream path, e.g. "/api/chat". Never the client's path. */
  path: string;
  /** A JSON body, sent as these exact bytes. */
  body?: Uint8Array;
  /** A raw body streamed as it arrives (model blobs); sent instead of `body`. */
  rawBody?: ReadableStream<Uint8Array> | null;
  /**
   * Protocol headers the backend's dialect needs (a translator's `anthropic-version`, say): Gatehouse's
   * own, never a client's. A credential, Host or Cookie among them is dropped (src/backends/outbound.ts).
   */
  headers?: Record<string, string>;
  /** Aborts the upstream call, e.g. when the client goes away. */
  signal?: AbortSignal;
}

/** Asks Ollama whether it is up, within a short deadline. */
export async function probeOllama(target: { ollama: Fetcher; address: string }, timeoutMs: number): Promise<boolean> {
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
