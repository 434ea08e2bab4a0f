import type { BodyEdits, BodyPath } from "../body/edits";
import { foldedKeyOf, isRecord } from "../body/fold";
import type { GatehouseConfig } from "../config";
import { GatehouseError } from "../errors";

/**
 * Options that would let one caller monopolise the GPU. A context window over
 * the ceiling is refused (silently shrinking it would change the model's
 * behaviour); the output length and keep_alive are clamped, since a shorter
 * cap or an earlier unload changes nothing about what the model answers.
 * An output length that is absent or null means "no limit" to the engine, so
 * it gets the ceiling too.
 *
 * Each body kind states where its engine reads these, one row per kind: a
 * new API (Anthropic's `max_tokens`, Responses' `max_output_tokens`) is one
 * more row. Fields are read as Ollama reads them (any case, Unicode folding)
 * and written under their exact name, so the engine reads the value
 * Gatehouse checked.
 */

type Body = Record<string, unknown>;

export interface CeilingRules {
  /** Where the engine reads the output length; others are clamped where present. */
  output?: { field: BodyPath; alsoClamped?: BodyPath[] };
  /** The context window: over GATEHOUSE_MAX_NUM_CTX is refused. */
  context?: BodyPath;
  /** How long the model stays loaded: longer than GATEHOUSE_MAX_KEEP_ALIVE, or forever, is clamped. */
  keepAlive?: BodyPath;
}

export const ceilingRules = {
  /** /api/chat, /api/generate, POST /chat. */
  "ollama-generate": { output: { field: ["options", "num_predict"] }, context: ["options", "num_ctx"], keepAlive: ["keep_alive"] },
  /** /api/embed, /api/embeddings: nothing is generated. */
  "ollama-embed": { context: ["options", "num_ctx"], keepAlive: ["keep_alive"] },
  /** Ollama's /v1/chat/completions reads max_tokens only; max_completion_tokens is kept within the ceiling for other engines. */
  "openai-chat": { output: { field: ["max_tokens"], alsoClamped: [["max_completion_tokens"]] } },
  "openai-completion": { output: { field: ["max_tokens"] } },
  /** Anthropic Messages (/v1/messages): Ollama requires max_tokens and generates up to it. */
  "anthropic-messages": { output: { field: ["max_tokens"] } },
  /** OpenAI Responses (/v1/responses). */
  responses: { output: { field: ["max_output_tokens"] } },
} satisfies Record<string, CeilingRules>;

export type CeilingKind = keyof typeof ceilingRules;

/** Top-level fields that would name another upstream; nothing here may redirect Gatehouse. */
const redirectFields = ["base_url", "baseURL", "baseUrl", "api_base", "host", "url", "endpoint", "upstream", "proxy"];

export function rejectRedirectFields(body: Body): void {
  for (const field of redirectFields) {
    const key = foldedKeyOf(body, field);
    if (key !== undefined) {
      throw new GatehouseError("invalid_request", { message: `${key.slice(0, 64)}: not accepted; Gatehouse chooses the upstream` });
    }
  }
}

/** The value at `path` as the engine reads it, and whether every key on the way is spelled exactly. */
export function readPath(body: Body, path: BodyPath): { value: unknown; exact: boolean } | undefined {
  let record: Body = body;
  let exact = true;
  for (let i = 0; i < path.length; i++) {
    const key = foldedKeyOf(record, path[i]!);
    if (key === undefined) return undefined;
    exact &&= key === path[i];
    const value = record[key];
    if (i === path.length - 1) return { value, exact };
    if (!isRecord(value)) return undefined;
    record = value;
  }
  return undefined;
}

/**
 * Checks `body` (as received) against the rules, recording the changes it
 * needs in `edits`. Returns the output limit the engine will work to (for
 * kinds that generate), or null.
 */
export function applyCeilings(rules: CeilingRules, body: Body, edits: BodyEdits, config: GatehouseConfig): number | null {
  if (rules.context) {
    const numCtx = readPath(body, rules.context)?.value;
    if (typeof numCtx === "number" && numCtx > config.GATEHOUSE_MAX_NUM_CTX) {
      throw new GatehouseError("invalid_request", { message: `${rules.context.join(".")}: at most ${config.GATEHOUSE_MAX_NUM_CTX} on this gateway` });
    }
  }
  const outputLimit = rules.output ? clampOutput(rules.output, body, edits, config.GATEHOUSE_MAX_NUM_PREDICT) : null;
  if (rules.keepAlive) {
    const found = readPath(body, rules.keepAlive);
    if (found && found.value !== null) {
      const clamped = clampKeepAlive(found.value, config.GATEHOUSE_MAX_KEEP_ALIVE);
      if (clamped !== found.value || !found.exact) edits.set(rules.keepAlive, clamped);
    }
  }
  return outputLimit;
}

function clampOutput(output: NonNullable<CeilingRules["output"]>, body: Body, edits: BodyEdits, max: number): number {
  const within = (value: unknown): value is number => typeof value === "number" && value >= 0 && value <= max;
  const found = readPath(body, output.field);
  let limit = within(found?.value) ? found.value : null;
  for (const path of output.alsoClamped ?? []) {
    const other = readPath(body, path)?.value;
    if (typeof other === "number" && !within(other)) edits.set(path, max);
    // The engine reads only `field`: a limit the client gave under another name must reach it there.
    if (limit === null && (found?.value ?? null) === null && within(other)) limit = other;
  }
  if (found && within(found.value) && found.exact) return found.value;
  edits.set(output.field, limit ?? max);
  return limit ?? max;
}

/**
 * keep_alive is seconds (a number) or a Go duration string ("5m", "1h30m",
 * "-1s"); negative means forever. A string Go cannot parse is refused by
 * Ollama itself, so it is passed on unchanged.
 */
export function clampKeepAlive(value: unknown, maxSeconds: number): unknown {
  const seconds = keepAliveSeconds(value);
  if (seconds === null) return value;
  return seconds < 0 || seconds > maxSeconds ? maxSeconds : value;
}

const unitSeconds: Record<string, number> = { ns: 1e-9, us: 1e-6, "µs": 1e-6, "μs": 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

function keepAliveSeconds(value: unknown): number | null {
  if (typeof value === "number") return value;
  if (typeof value !== "string") return null;
  const text = value.trim();
  if (/^[-+]?\d+(\.\d+)?$/.test(text)) return Number(text);
  const match = /^([-+]?)((?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/.exec(text);
  if (!match) return null;
  let total = 0;
  for (const part of match[2]!.matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) total += Number(part[1]) * unitSeconds[part[2]!]!;
  return match[1] === "-" ? -total : total;
}
