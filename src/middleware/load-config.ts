import type { MiddlewareHandler } from "hono";
import { configFrom } from "../config";
import type { AppEnv } from "../env";
import { resolveClientAddress, socketAddressOf } from "../auth/client-address";

/**
 * Parses the settings once per isolate and records where the request came
 * from. A bad setting throws here, before any route runs: fail closed.
 */
export function loadConfig(): MiddlewareHandler<AppEnv> {
  return async function loadConfig(c, next) {
    c.set("config", configFrom(c.env));
    // The socket's address as workerd saw the connection (request.cf.clientIp);
    // no client header counts, but X-Forwarded-For from a configured trusted proxy.
    const config = c.var.config;
    c.set("clientAddress", resolveClientAddress(socketAddressOf(c.req.raw), c.req.header("X-Forwarded-For"), config.GATEHOUSE_TRUSTED_PROXIES));
    await next();
  };
}
