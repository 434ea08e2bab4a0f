import type { GatehouseConfig } from "../config";
import { GatehouseError } from "../errors";

/**
 * Options that would let one caller monopolise the GPU. A context window over
 * the ceiling is refused (silently shrinking it would change the model's
 * behaviour); the output length and keep_alive are clamped, since a shorter
 * cap or an earlier unload changes nothing about what the model answers.
 */

type Body = Record<string, unknown>;

/** Top-level fields that would name another upstream; nothing here may redirect Gatehouse. */
const redirectFields = ["base_url", "baseURL", "baseUrl", "api_base", "host", "url", "endpoint", "upstream", "proxy"];

export function rejectRedirectFields(body: Body): void {
  for (const field of redirectFields) {
    if (Object.hasOwn(body, field)) {
      throw new GatehouseError("invalid_request", { message: `${field}: not accepted; Gatehouse chooses the upstream` });
    }
  }
}

/** Ollama-native bodies: options.num_ctx, options.num_predict, keep_alive. */
export function applyOllamaCeilings(body: Body, config: GatehouseConfig): Body {
  const options = isRecord(body.options) ? { ...body.options } : undefined;
  if (options) {
    const numCtx = options.num_ctx;
    if (typeof numCtx === "number" && numCtx > config.GATEHOUSE_MAX_NUM_CTX) {
      throw new GatehouseError("invalid_request", {
        message: `options.num_ctx: at most ${config.GATEHOUSE_MAX_NUM_CTX} on this gateway`,
      });
    }
    const predict = options.num_predict;
    if (typeof predict === "number" && (predict < 0 || predict > config.GATEHOUSE_MAX_NUM_PREDICT)) {
      options.num_predict = config.GATEHOUSE_MAX_NUM_PREDICT;
    }
  }
  const result: Body = options ? { ...body, options } : { ...body };
  if (body.keep_alive !== undefined) result.keep_alive = clampKeepAlive(body.keep_alive, config.GATEHOUSE_MAX_KEEP_ALIVE);
  return result;
}

/** OpenAI-compatible bodies: max_tokens / max_completion_tokens. */
export function applyOpenAiCeilings(body: Body, config: GatehouseConfig): Body {
  const result: Body = { ...body };
  for (const field of ["max_tokens", "max_completion_tokens"]) {
    const value = result[field];
    if (typeof value === "number" && (value < 0 || value > config.GATEHOUSE_MAX_NUM_PREDICT)) {
      result[field] = config.GATEHOUSE_MAX_NUM_PREDICT;
    }
  }
  return result;
}

/** keep_alive is seconds (number) or a duration string ("5m", "1h", "-1"); negative means forever. */
export function clampKeepAlive(value: unknown, maxSeconds: number): unknown {
  const seconds = keepAliveSeconds(value);
  if (seconds === null) return value;
  return seconds < 0 || seconds > maxSeconds ? maxSeconds : value;
}

function keepAliveSeconds(value: unknown): number | null {
  if (typeof value === "number") return value;
  if (typeof value !== "string") return null;
  const match = /^(-?\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!match) return null;
  const amount = Number(match[1]);
  const unit = { ms: 0.001, s: 1, m: 60, h: 3600 }[(match[2] ?? "s") as "ms" | "s" | "m" | "h"];
  return amount * unit;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
