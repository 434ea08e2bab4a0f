import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "../env";
import { ConfigError } from "../config";
import { GatehouseError, errorDialectFor, errorResponse } from "../errors";

/**
 * The one onError. Expected failures (GatehouseError) are rendered as they
 * are; anything else is a bug: logged with the request id, answered with a
 * generic 500 that never carries the exception's message.
 */
export async function renderError(error: Error, c: Context<AppEnv>): Promise<Response> {
  const requestId = c.var.requestId ?? crypto.randomUUID();
  const dialect = errorDialectFor(c.req.path);
  if (error instanceof GatehouseError) {
    return errorResponse(error, requestId, dialect);
  }
  if (error instanceof HTTPException && error.status < 500) {
    const code = error.status === 404 ? "not_found" : error.status === 413 ? "payload_too_large" : "invalid_request";
    return errorResponse(new GatehouseError(code), requestId, dialect);
  }
  // A ConfigError names the variable, never its value; other messages stay out of logs
  // too, since an exception can carry request data.
  const detail = error instanceof ConfigError ? error.message : error.name;
  console.error(JSON.stringify({ level: "error", event: "unhandled_error", request_id: requestId, detail }));
  return errorResponse(new GatehouseError("internal_error"), requestId, dialect);
}
