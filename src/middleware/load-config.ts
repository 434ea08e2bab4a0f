import type { MiddlewareHandler } from "hono";
import { configFrom } from "../config";
import type { AppEnv } from "../env";
import { resolveClientAddress } from "../auth/client-address";

/**
 * Parses the settings once per isolate and records where the request came
 * from. A bad setting throws here, before any route runs: fail closed.
 */
export function loadConfig(): MiddlewareHandler<AppEnv> {
  return async function loadConfig(c, next) {
    c.set("config", configFrom(c.env));
    // workerd sets CF-Connecting-IP from the accepted socket and overwrites any
    // client-sent value.
    // X-Forwarded-For counts only when the socket is a configured trusted proxy.
    const config = c.var.config;
    c.set("clientAddress", resolveClientAddress(c.req.header("CF-Connecting-IP"), c.req.header("X-Forwarded-For"), config.GATEHOUSE_TRUSTED_PROXIES));
    await next();
  };
}
