import type { Context } from "hono";
import { matchedRoutes } from "hono/route";

/**
 * The route a request was for, as its registered pattern ("/admin/api/users/:id",
 * "/api/chat"), never the raw path: label values must not grow with the
 * ids and names inside URLs. Middleware is registered for "ALL" methods; the
 * first matched route with a real method is the one that answers (or would
 * have, had a middleware refused first). "*" is the console's catch-all;
 * "unmatched" is a path no route knows (a 404 before any handler).
 */
export function routeLabel(c: Context): string {
  try {
    const route = matchedRoutes(c).find((candidate) => candidate.method !== "ALL");
    return route?.path ?? "unmatched";
  } catch {
    return "unmatched";
  }
}
