import { Hono, type MiddlewareHandler } from "hono";
import { every } from "hono/combine";
import type { AppEnv } from "../env";
import { addressInAny } from "../auth/cidr";
import { authenticate } from "../auth/authenticate";
import { authorize } from "../auth/authorize";
import { scrape } from "../observability/scrape";

/**
 * GET /metrics: Prometheus text exposition (format 0.0.4).
 *
 * Who may read it: a client on this box (loopback: a Prometheus or node
 * exporter next to Ollama scrapes without credentials), or an active admin
 * with the same credentials as /admin/api (an API key as a Bearer token, or
 * the console's session). Anyone else gets 401 (no or bad credentials) or
 * 403 (not an admin) in the one error shape.
 *
 * Trust boundary: "loopback" is c.var.clientAddress — the socket's address
 * as workerd saw it, or, only when the socket is a configured trusted proxy
 * (GATEHOUSE_TRUSTED_PROXIES), the address that proxy reports. A client's
 * own X-Forwarded-For is never believed. A reverse proxy on this box that is
 * not listed as trusted makes every client look like loopback: list it.
 */

const loopback = ["127.0.0.0/8", "::1/128"];

export const metricsContentType = "text/plain; version=0.0.4; charset=utf-8";

export function metricsRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get("/metrics", loopbackOrAdmin(), async (c) => {
    const body = await scrape(c.env, c.var.config);
    return c.body(body, 200, { "Content-Type": metricsContentType, "Cache-Control": "no-store" });
  });
  return routes;
}

function loopbackOrAdmin(): MiddlewareHandler<AppEnv> {
  const asAdmin = every(authenticate({ accept: ["session", "key"] }), authorize({ group: "control", roles: ["admin"] }));
  return async function loopbackOrAdmin(c, next) {
    if (addressInAny(c.var.clientAddress, loopback)) return next();
    return asAdmin(c, next);
  };
}
