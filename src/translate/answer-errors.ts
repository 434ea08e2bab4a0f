import type { BackendKind } from "../backends/types";
import type { Dialect } from "../inference/route-table";
import { get, isRecord, parseJsonText, str, type Json } from "./fields";
import { translateWhole } from "./streams";

/**
 * A backend's refusal (any non-2xx) in the route's error dialect, so each
 * client's library reads it (API.md "Errors"): Ollama's `{"error":"…"}`,
 * OpenAI's `{"error":{message,type,param,code}}`, Anthropic's
 * `{"type":"error","error":{type,message}}`. The backend's status is kept,
 * except that a backend refusing Gatehouse's own credential (401/403) is
 * Gatehouse's misconfiguration, not the client's: 502, with a message that
 * never repeats what the provider said about the key (providers echo part
 * of it).
 */

const maxMessage = 500;

/** Key-like tokens (sk-…, sk-ant-…, key_…) cut out of any message passed on. */
export function redact(message: string): string {
  return message.replace(/\b(sk|pk|rk|key|api|token)[-_][A-Za-z0-9_\-*.]{6,}/gi, "[redacted]").slice(0, maxMessage);
}

/** The message of an error body in any engine's shape; the body text itself when it is not JSON. */
export function messageOf(text: string): string {
  const body = parseJsonText(text);
  if (isRecord(body)) {
    const error = get(body, "error");
    if (typeof error === "string") return error;
    const nested = str(error, "message") ?? str(body, "message") ?? str(body, "detail");
    if (nested) return nested;
  }
  const plain = text.trim();
  return plain && !plain.startsWith("<") ? plain : "the backend refused the request";
}

function openAiType(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 429) return "rate_limit_error";
  return status >= 500 ? "api_error" : "invalid_request_error";
}

function anthropicType(status: number): string {
  if (status === 529 || status === 503) return "overloaded_error";
  return openAiType(status);
}

export function errorIn(dialect: Dialect, status: number, message: string): Json {
  if (dialect === "ollama") return { error: message };
  if (dialect === "anthropic") return { type: "error", error: { type: anthropicType(status), message } };
  return { error: { message, type: openAiType(status), param: null, code: null } };
}

/** The status a client sees for a backend's refusal. */
export function clientStatus(status: number): number {
  if (status === 401 || status === 403) return 502;
  // Anthropic's "overloaded": 503 in every other dialect.
  return status === 529 ? 503 : status;
}

/** `override` replaces the status and words the message (given the backend's, redacted). */
export function errorAnswer(upstream: Response, dialect: Dialect, kind: BackendKind, override?: { status: number; message: (said: string) => string }): Response {
  const status = override?.status ?? clientStatus(upstream.status);
  const body = translateWhole(upstream.body, (text) => {
    let message =
      upstream.status === 401 || upstream.status === 403 ? `The ${kind} backend refused Gatehouse's credentials (status ${upstream.status}); an administrator must fix the backend's credential.` : redact(messageOf(text));
    if (override) message = override.message(message);
    return JSON.stringify(errorIn(dialect, status, message));
  });
  return new Response(body, { status, headers: { "Content-Type": "application/json; charset=utf-8" } });
}
