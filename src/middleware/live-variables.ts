import type { MiddlewareHandler } from "hono";
import type { AppEnv, Variables } from "../env";

/**
 * Makes `c.var` read through to `c.get()`. Hono's own `c.var` builds a new
 * object from every variable on each access (Object.fromEntries of the
 * request's map); the pipeline reads it dozens of times per request, which
 * showed in the gateway's CPU profile (~2.5% self time, plus the garbage).
 * This view copies nothing and always shows the current values, so every
 * `c.var.x` keeps its meaning and its type. Registered first in src/app.ts.
 */
export function liveVariables(): MiddlewareHandler<AppEnv> {
  return async function liveVariables(c, next) {
    const read = (key: string | symbol) => (typeof key === "string" ? c.get(key as keyof Variables) : undefined);
    const view = new Proxy({} as Variables, {
      get: (_target, key) => read(key),
      has: (_target, key) => read(key) !== undefined,
    });
    Object.defineProperty(c, "var", { value: view, configurable: true });
    await next();
  };
}
