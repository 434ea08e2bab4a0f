import type { TokenUsage } from "../inference/exchange";
import type { QuotaRule, Usage } from "./quota-window";
import { rollUsage } from "./quota-window";

/**
 * Quotas that hold when clients hang up and when requests race.
 *
 * At admission a request holds (reserves) its prompt estimate plus its
 * output ceiling against the user's daily and monthly quota, in the user's
 * Durable Object, so requests running at once cannot together spend more
 * than is left: the output each is allowed is cut to what remains after the
 * others' reservations. When it ends the reservation is dropped and the
 * actual count charged.
 *
 * The actual count is the engine's own (Ollama's final chunk, OpenAI's
 * usage). When none came — the stream was cut before the final chunk, or the
 * client left before the first byte — Gatehouse charges its estimate and the
 * audit record says so (tokens_estimated): one token per generated chunk
 * relayed (Ollama and OpenAI-compatible servers stream one token per chunk)
 * and, for the prompt, one token per four bytes of the forwarded body (a
 * generous bound: English runs about four characters to a token, and the
 * body's JSON punctuation only adds to it).
 */

export interface Reservation {
  /** Estimated prompt tokens (the forwarded body's bytes / 4). */
  prompt: number;
  /** The most output tokens this request may generate (its ceiling); 0 for embeddings. */
  output: number;
}

const bytesPerToken = 4;

export function promptEstimate(body: unknown): number {
  if (body === undefined) return 0;
  return Math.ceil(new TextEncoder().encode(JSON.stringify(body)).byteLength / bytesPerToken);
}

/**
 * The output ceiling of a forwarded body: the request's own smaller limit
 * (options.num_predict on Ollama routes, max_tokens / max_completion_tokens on
 * OpenAI routes) or the gateway's GATEHOUSE_MAX_NUM_PREDICT. Read from the
 * body inspect leaves for forwarding, so it is the limit the engine will see.
 */
export function outputCeiling(body: Record<string, unknown> | undefined, dialect: "ollama" | "openai", max: number): number {
  const asked: unknown[] = [];
  if (dialect === "ollama") {
    const options = body?.options;
    if (typeof options === "object" && options !== null) asked.push((options as Record<string, unknown>).num_predict);
  } else {
    asked.push(body?.max_tokens, body?.max_completion_tokens);
  }
  let ceiling = max;
  for (const value of asked) {
    if (typeof value === "number" && Number.isInteger(value) && value >= 0) ceiling = Math.min(ceiling, value);
  }
  return ceiling;
}

/** Rewrites the forwarded body so the engine generates at most `output` tokens. */
export function capOutput(body: Record<string, unknown>, dialect: "ollama" | "openai", output: number): Record<string, unknown> {
  if (dialect === "ollama") {
    const options = typeof body.options === "object" && body.options !== null ? (body.options as Record<string, unknown>) : {};
    return { ...body, options: { ...options, num_predict: output } };
  }
  const capped: Record<string, unknown> = { ...body, max_tokens: output };
  if (body.max_completion_tokens !== undefined) capped.max_completion_tokens = output;
  return capped;
}

/** What is charged when the engine sent no count: the prompt estimate and one token per generated chunk relayed. */
export function estimatedUsage(reservation: Reservation | undefined, generatedChunks: number): TokenUsage {
  return { promptTokens: reservation?.prompt ?? 0, completionTokens: generatedChunks, estimated: true };
}

/**
 * Tokens still free in the tighter of the two windows after what is used and
 * what running requests hold; null when neither window has a quota.
 */
export function quotaFree(usage: Usage | null, held: number, rule: QuotaRule, now: number): number | null {
  const current = rollUsage(usage, now);
  const free: number[] = [];
  if (rule.dailyTokens !== null) free.push(rule.dailyTokens - current.dayTokens - held);
  if (rule.monthlyTokens !== null) free.push(rule.monthlyTokens - current.monthTokens - held);
  return free.length === 0 ? null : Math.min(...free);
}
