import type { Context } from "hono";
import type { AppEnv } from "../env";
import { estimatedUsage } from "../governance/reservation";
import { AnthropicReader, ResponsesReader } from "./agent-readers";
import { unanswered } from "./open-exchange";
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
 * Calls Ollama and relays its answer as it arrives. Once Ollama answers,
 * the exchange is handed over to the relay, which settles it (once) when the
 * stream ends, fails or the client goes away; the exchange keeps that work
 * alive after the client has gone.
 */
export async function forward(c: Context<AppEnv>, call: Omit<UpstreamCall, "signal">, dialect: Dialect): Promise<Response> {
  const { config, exchange } = c.var;
  // Without an exchange nothing would settle the answer: a wiring bug, refuse (500).
  if (!exchange) throw new Error("forward() must run after openExchange()");
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
    if (clientSignal.aborted) exchange.settleHere(unanswered(c, 499, "client_aborted", estimate?.(0) ?? null));
    throw error;
  }
  // From here the relay settles the exchange, once, when the stream ends, fails or the client goes away.
  const settle = exchange.handOver();
  const body = relay({
    upstream,
    reader: readers[dialect](c.var.requestId),
    receivedAt: c.var.receivedAt ?? Date.now(),
    clientSignal,
    dropLine: c.var.hideUsageChunk ? isUsageOnlyEvent : undefined,
    estimate,
    onEnd: settle,
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
