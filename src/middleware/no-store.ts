import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";

/**
 * `Cache-Control: no-store` on every answer under a prefix: the control
 * plane's JSON carries prompts (/admin/api/audit/:id), users, keys, one's own
 * account, audit lists; no browser or proxy cache may keep a copy.
 */
export function noStore(): MiddlewareHandler<AppEnv> {
  return async function noStore(c, next) {
    await next();
    c.res.headers.set("Cache-Control", "no-store");
  };
}
