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
  /** The most output tokens this request may generate (its ceiling, c.var.outputLimit); 0 for embeddings. */
  output: number;
}

const bytesPerToken = 4;

/** Prompt tokens estimated from the forwarded body's size in bytes. */
export function promptEstimate(bodyBytes: number): number {
  return Math.ceil(bodyBytes / bytesPerToken);
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
