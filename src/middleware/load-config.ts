import type { MiddlewareHandler } from "hono";
import { configFrom } from "../config";
import type { AppEnv } from "../env";

/**
 * Parses the settings once per isolate and records where the request came
 * from. A bad setting throws here, before any route runs: fail closed.
 */
export function loadConfig(): MiddlewareHandler<AppEnv> {
  return async function loadConfig(c, next) {
    c.set("config", configFrom(c.env));
    // workerd sets CF-Connecting-IP from the accepted socket and overwrites any
    // client-sent value; X-Forwarded-For is never trusted.
    c.set("clientAddress", c.req.header("CF-Connecting-IP") ?? "unknown");
    await next();
  };
}
