import type { Context } from "hono";
import type { AppEnv } from "../env";
import { estimatedUsage } from "../governance/reservation";
import { AnthropicReader, ResponsesReader } from "./agent-readers";
import { relay } from "./relay";
import type { Dialect } from "./route-table";
import { OllamaReader, OpenAiReader, isUsageOnlyEvent, type ResponseReader } from "./translators";
import { callOllama, type UpstreamCall } from "./upstream";

export type { Dialect } from "./route-table";

/** One reader per wire format; the request id goes into Ollama's abort line. */
const readers: Record<Dialect, (requestId: string) => ResponseReader> = {
  ollama: (requestId) => new OllamaReader(requestId),
  openai: () => new OpenAiReader(),
  anthropic: () => new AnthropicReader(),
  responses: () => new ResponsesReader(),
};

/** Response headers worth passing back; everything else from upstream is dropped. */
const passedHeaders = ["Content-Type"];

/**
 * Calls Ollama and relays its answer as it arrives. From here on the relay
 * owns the exchange: it settles it (once) when the stream ends, fails or the
 * client goes away, and waitUntil keeps that work alive after the client has
 * gone.
 */
export async function forward(c: Context<AppEnv>, call: Omit<UpstreamCall, "signal">, dialect: Dialect): Promise<Response> {
  const config = c.var.config;
  const clientSignal = c.req.raw.signal;
  const reservation = c.var.reservation;
  // Admitted requests are charged even when the engine never counts them.
  const estimate = c.var.admission ? (chunks: number) => estimatedUsage(reservation, chunks) : undefined;
  let upstream: Response;
  try {
    upstream = await callOllama(
      { ollama: c.env.OLLAMA, address: config.GATEHOUSE_OLLAMA, firstByteTimeoutMs: config.GATEHOUSE_FIRST_BYTE_TIMEOUT * 1000 },
      { ...call, signal: clientSignal },
    );
  } catch (error) {
    // Gone before the first byte: the engine call is aborted (signal), the slots freed now,
    // and the prompt it had started on charged as an estimate.
    if (clientSignal.aborted) settleAbandoned(c, estimate?.(0) ?? null);
    throw error;
  }
  const settlement = c.var.settlement;
  settlement.claimed = true;
  let settled!: () => void;
  c.executionCtx.waitUntil(new Promise<void>((resolve) => (settled = resolve)));
  const body = relay({
    upstream,
    reader: readers[dialect](c.var.requestId),
    receivedAt: c.var.receivedAt,
    clientSignal,
    dropLine: c.var.hideUsageChunk ? isUsageOnlyEvent : undefined,
    estimate,
    onEnd: (result) => void settlement.settle(result).finally(settled),
  });
  const headers = new Headers();
  for (const name of passedHeaders) {
    const value = upstream.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  headers.set("X-Request-Id", c.var.requestId);
  for (const [name, value] of c.res.headers) {
    // Headers earlier steps set on the context (RateLimit-*, say) go out too.
    if (/^ratelimit-/i.test(name)) headers.set(name, value);
  }
  return new Response(body, { status: upstream.status, headers });
}

/** Settles a request whose client left while Ollama had not answered yet. */
function settleAbandoned(c: Context<AppEnv>, usage: ReturnType<typeof estimatedUsage> | null): void {
  const settlement = c.var.settlement;
  if (settlement.claimed) return;
  settlement.claimed = true;
  const done = settlement.settle({
    status: 499,
    outcome: "client_aborted",
    usage,
    bytesOut: 0,
    ttfbMs: null,
    latencyMs: Date.now() - c.var.receivedAt,
    responseText: "",
  });
  c.executionCtx.waitUntil(done);
}
