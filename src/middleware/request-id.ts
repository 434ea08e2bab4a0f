import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";

/**
 * Gives every request a fresh id and every response an X-Request-Id header.
 * Unlike hono/request-id we never adopt a client-sent id: the id is the audit
 * record's key, and a client must not be able to collide with another's.
 */
export function requestId(): MiddlewareHandler<AppEnv> {
  return async function requestId(c, next) {
    const id = crypto.randomUUID();
    c.set("requestId", id);
    c.header("X-Request-Id", id);
    await next();
  };
}
