/**
 * The one error vocabulary. Every failure a client can see is one of these
 * codes, mapped to its HTTP status here and nowhere else, and rendered in one
 * JSON shape per route dialect by src/app.ts's onError (errorDialectFor).
 */

export const errorStatus = {
  invalid_json: 400,
  invalid_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  password_change_required: 403,
  account_disabled: 403,
  account_pending: 403,
  model_not_allowed: 403,
  boundary_not_allowed: 403,
  not_found: 404,
  method_not_allowed: 405,
  export_required: 409,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  sensitive_data_blocked: 422,
  request_timeout: 408,
  rate_limited: 429,
  quota_exceeded: 429,
  too_many_concurrent: 429,
  too_many_attempts: 429,
  budget_exceeded: 429,
  internal_error: 500,
  upstream_unavailable: 502,
  overloaded: 503,
  audit_unavailable: 503,
  limiter_unavailable: 503,
  engine_cloud_enabled: 503,
  upstream_timeout: 504,
} as const;

export type ErrorCode = keyof typeof errorStatus;
export type ErrorStatus = (typeof errorStatus)[ErrorCode];

/** The message a client sees when the thrower gave none; never an exception's text. */
const defaultMessage: Record<ErrorCode, string> = {
  invalid_json: "The request body is not valid JSON.",
  invalid_request: "The request is invalid.",
  unauthenticated: "Authentication is required.",
  forbidden: "You are not allowed to do this.",
  password_change_required: "Change your password before doing anything else.",
  account_disabled: "This account is disabled.",
  account_pending: "This account is waiting for an administrator's approval.",
  model_not_allowed: "This model is not allowed for you.",
  boundary_not_allowed: "This model is served only beyond the data boundaries you may cross.",
  not_found: "Not found.",
  method_not_allowed: "Method not allowed.",
  export_required: "Export this user's audit trail before deleting them.",
  conflict: "This conflicts with the current state.",
  payload_too_large: "The request body is too large.",
  unsupported_media_type: "The request body must be application/json.",
  sensitive_data_blocked: "The request contains data the policy does not let through.",
  request_timeout: "The request was not received in time.",
  rate_limited: "Too many requests; slow down.",
  quota_exceeded: "Your token quota is used up.",
  too_many_concurrent: "Too many requests in flight at once.",
  too_many_attempts: "Too many failed attempts; try again later.",
  budget_exceeded: "Your monthly spending limit for cloud models is reached.",
  internal_error: "Internal error.",
  upstream_unavailable: "The model server is unavailable.",
  overloaded: "The model server is busy; try again later.",
  audit_unavailable: "The audit log cannot be written; request refused.",
  limiter_unavailable: "The rate limiter cannot answer; request refused.",
  engine_cloud_enabled: "Ollama's cloud features are on (or it cannot say); this gateway requires them off (GATEHOUSE_REQUIRE_NO_CLOUD).",
  upstream_timeout: "The model server did not answer in time.",
};

export interface GatehouseErrorOptions {
  message?: string;
  /** Seconds, sent as Retry-After. */
  retryAfter?: number;
  headers?: Record<string, string>;
}

/** An expected failure. Thrown anywhere in the pipeline, rendered by onError. */
export class GatehouseError extends Error {
  readonly code: ErrorCode;
  readonly status: ErrorStatus;
  readonly retryAfter: number | undefined;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, options: GatehouseErrorOptions = {}) {
    super(options.message ?? defaultMessage[code]);
    this.name = "GatehouseError";
    this.code = code;
    this.status = errorStatus[code];
    this.retryAfter = options.retryAfter;
    this.headers = options.headers ?? {};
  }
}

/** OpenAI's error `type` for each status, so SDKs raise the matching exception. */
function openAiType(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return "api_error";
  return "invalid_request_error";
}

/** Anthropic's error `type` for each status (what @anthropic-ai/sdk maps to its error classes). */
function anthropicType(status: number): string {
  if (status === 413) return "request_too_large";
  if (status === 503) return "overloaded_error";
  if (status >= 500) return "api_error";
  if (status === 400 || status === 408 || status === 409 || status === 415) return "invalid_request_error";
  return openAiType(status);
}

/**
 * The error shape each kind of client reads (API.md "Errors"); the code is
 * the same in every dialect. One renderer per dialect: a new API is one entry.
 */
const dialects = {
  /** The control plane: `{"error":{"code","message","request_id"}}`. */
  gatehouse: (error: GatehouseError, requestId: string) => ({ error: { code: error.code, message: error.message, request_id: requestId } }),
  /** OpenAI's shape, so its SDKs raise the matching exception. */
  openai: (error: GatehouseError) => ({ error: { message: error.message, type: openAiType(error.status), param: null, code: error.code } }),
  /** Ollama's shape: `error` is the message string, which every Ollama client shows as it is. */
  ollama: (error: GatehouseError, requestId: string) => ({ error: error.message, code: error.code, request_id: requestId }),
  /** Anthropic's shape on /v1/messages, so @anthropic-ai/sdk and Claude Code read it. */
  anthropic: (error: GatehouseError, requestId: string) => ({ type: "error", error: { type: anthropicType(error.status), message: error.message }, request_id: requestId }),
} satisfies Record<string, (error: GatehouseError, requestId: string) => unknown>;

export type ErrorDialect = keyof typeof dialects;

export function errorBody(error: GatehouseError, requestId: string, dialect: ErrorDialect): unknown {
  return dialects[dialect](error, requestId);
}

/** Which dialect a path answers errors in; the first matching rule wins. */
const dialectRules: [(path: string) => boolean, ErrorDialect][] = [
  [(path) => path === "/v1/messages" || path.startsWith("/v1/messages/"), "anthropic"],
  [(path) => path.startsWith("/v1/"), "openai"],
  [(path) => path.startsWith("/api/") || path === "/chat", "ollama"],
];

export function errorDialectFor(path: string): ErrorDialect {
  return dialectRules.find(([matches]) => matches(path))?.[1] ?? "gatehouse";
}

/** Builds the Response for an error; used by onError and by code outside Hono. */
export function errorResponse(error: GatehouseError, requestId: string, dialect: ErrorDialect): Response {
  const headers = new Headers(error.headers);
  headers.set("Content-Type", "application/json; charset=utf-8");
  headers.set("X-Request-Id", requestId);
  if (error.retryAfter !== undefined) headers.set("Retry-After", String(Math.max(1, Math.ceil(error.retryAfter))));
  if (error.status === 401 && !headers.has("WWW-Authenticate")) {
    headers.set("WWW-Authenticate", 'Bearer realm="gatehouse", Basic realm="gatehouse", charset="UTF-8"');
  }
  return new Response(JSON.stringify(errorBody(error, requestId, dialect)), { status: error.status, headers });
}
