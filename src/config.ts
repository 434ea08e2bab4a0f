import { z } from "zod";
import { parseCidrList } from "./auth/cidr";
import { captureModes } from "./vocabulary";

/**
 * Every setting Gatehouse reads, parsed once with zod. The same schema is used
 * by scripts/serve.ts before workerd starts (so a bad value stops startup with
 * the variable's name) and by the worker on its first request (fail closed).
 */

const positiveInt = (fallback: number) =>
  z.coerce.number().int().positive().default(fallback);

const optionalPositiveInt = z
  .union([z.literal(""), z.coerce.number().int().positive()])
  .optional()
  .transform((v) => (v === "" || v === undefined ? null : v));

const hostPort = z
  .string()
  .regex(/^[A-Za-z0-9.\-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/, "must be host:port");

export const configSchema = z.object({
  GATEHOUSE_OLLAMA: hostPort.default("127.0.0.1:11434"),
  GATEHOUSE_MAX_INFLIGHT: positiveInt(4),
  GATEHOUSE_MAX_QUEUE: positiveInt(256),
  GATEHOUSE_QUEUE_TIMEOUT: positiveInt(120),
  /** Backend health (src/backends/health.ts): consecutive failures that open a backend's breaker. */
  GATEHOUSE_BREAKER_FAILURES: positiveInt(3),
  /** Seconds an open breaker keeps traffic away before one trial request or probe. */
  GATEHOUSE_BREAKER_COOLDOWN: positiveInt(30),
  /** Seconds between probes of a backend (/api/version, /v1/models; never a generation). */
  GATEHOUSE_PROBE_INTERVAL: positiveInt(15),
  /** Limits of users whose own were never set by an admin (src/governance/limits.ts). */
  GATEHOUSE_DEFAULT_RPM: positiveInt(10),
  GATEHOUSE_DEFAULT_BURST: positiveInt(10),
  GATEHOUSE_DEFAULT_CONCURRENCY: positiveInt(2),
  /** Tokens per UTC day / month for such users; unset = no quota. */
  GATEHOUSE_DEFAULT_DAILY_TOKENS: optionalPositiveInt,
  GATEHOUSE_DEFAULT_MONTHLY_TOKENS: optionalPositiveInt,
  GATEHOUSE_RETENTION_DAYS: optionalPositiveInt,
  /** Audit capture of prompts and responses: full (text), hash (SHA-256 and length), metadata (neither). users.capture_mode overrides it. */
  GATEHOUSE_CAPTURE_MODE: z.enum(captureModes).default("full"),
  /** Largest request body accepted, in bytes (images make chat bodies big). */
  GATEHOUSE_MAX_BODY_BYTES: positiveInt(8 * 1024 * 1024),
  /** Seconds allowed for a client to send its whole request body. */
  GATEHOUSE_BODY_TIMEOUT: positiveInt(30),
  /** Seconds to wait for Ollama's first byte (a cold model load can be slow). */
  GATEHOUSE_FIRST_BYTE_TIMEOUT: positiveInt(300),
  /** Seconds to wait for Ollama to accept the connection and answer a probe. */
  GATEHOUSE_CONNECT_TIMEOUT: positiveInt(5),
  GATEHOUSE_DEFAULT_MODEL: z.string().min(1).default("llama3.2:latest"),
  /** 1: refuse inference (503) while Ollama's cloud features are on (GET /api/status), or while it cannot say. */
  GATEHOUSE_REQUIRE_NO_CLOUD: z.enum(["0", "1"]).default("0").transform((value) => value === "1"),
  /** Largest options.num_ctx a caller may ask for; more is refused (400). */
  GATEHOUSE_MAX_NUM_CTX: positiveInt(32768),
  /** Largest num_predict / max_tokens; more (or -1, unbounded) is clamped to this. */
  GATEHOUSE_MAX_NUM_PREDICT: positiveInt(8192),
  /** Longest keep_alive in seconds; more (or negative, forever) is clamped to this. */
  GATEHOUSE_MAX_KEEP_ALIVE: positiveInt(1800),
  /** PBKDF2-SHA256 iterations for new password hashes (Cloudflare's hosted runtime caps it at 100,000). */
  GATEHOUSE_PBKDF2_ITERATIONS: z.coerce.number().int().min(1000).max(1_000_000).default(600_000),
  /**
   * Credentials checked once are remembered in the isolate until any credential
   * changes (src/auth/credential-cache.ts). "off" reads D1 on every request: for a
   * runtime with more than one isolate, where a change made in one is not seen by the others.
   */
  GATEHOUSE_CREDENTIAL_CACHE: z.enum(["on", "off"]).default("on"),
  /** Sensitive data (src/sensitive/): detection on every inference route; off stores text as sent. */
  GATEHOUSE_SENSITIVE_DETECTION: z.enum(["on", "off"]).default("on"),
  /** Toward a cloud destination, placeholders of redacted values the model echoes are put back in what the client receives (src/sensitive/restore.ts). */
  GATEHOUSE_SENSITIVE_RESTORE: z.enum(["on", "off"]).default("on"),
  /** 1: no client IP in audit records or log lines (throttling still sees it, in memory). */
  GATEHOUSE_OMIT_CLIENT_ADDRESS: z.enum(["0", "1"]).default("0"),
  /** Comma-separated CIDRs of reverse proxies whose X-Forwarded-For / -Proto are believed; none by default. */
  GATEHOUSE_TRUSTED_PROXIES: z
    .string()
    .default("")
    .transform((text, ctx) => {
      try {
        return parseCidrList(text);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: (error as Error).message });
        return z.NEVER;
      }
    }),
});

export type GatehouseConfig = z.infer<typeof configSchema>;
export type ConfigVariable = keyof GatehouseConfig;

export class ConfigError extends Error {
  constructor(readonly variable: string, detail: string) {
    super(`${variable}: ${detail}`);
    this.name = "ConfigError";
  }
}

/** Parses the GATEHOUSE_* variables; throws ConfigError naming the first bad one. */
export function parseConfig(source: Record<string, unknown>): GatehouseConfig {
  return parseVariables(configSchema, source);
}

/**
 * Picks a schema's variables out of an environment and parses them; an empty
 * string means "not set". Throws ConfigError naming the first bad variable.
 * Shared with scripts/lib/settings.ts for the process-level settings.
 */
export function parseVariables<T extends z.ZodObject>(schema: T, source: Record<string, unknown>): z.infer<T> {
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = source[key];
    if (value !== undefined && value !== "") picked[key] = value;
  }
  const result = schema.safeParse(picked);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ConfigError(String(issue?.path[0] ?? "config"), issue?.message ?? "invalid");
  }
  return result.data;
}

const cache = new WeakMap<object, GatehouseConfig>();

/** The worker's config, parsed once per env object (once per isolate). */
export function configFrom(env: object): GatehouseConfig {
  let config = cache.get(env);
  if (!config) {
    config = parseConfig(env as Record<string, unknown>);
    cache.set(env, config);
  }
  return config;
}
