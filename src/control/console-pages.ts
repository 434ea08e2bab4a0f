import type { Context } from "hono";
import type { AppEnv } from "../env";
import { GatehouseError } from "../errors";

/** Prefixes that belong to the APIs: an unknown path there is a JSON 404, never a page. */
const apiPrefixes = ["/api/", "/v1/", "/auth/", "/admin/api/", "/account/api/"];

/**
 * Serves the console's static files from public/ for every other GET.
 *
 * Clean URLs come from the assets service's default html_handling
 * ("auto-trailing-slash"): /account serves public/account.html, /admin
 * serves public/admin.html, and /account.html redirects (307) to /account.
 * Pages are never cached (they are the gate to the session; a stale one
 * after an upgrade would talk to a changed API); scripts, styles and the
 * vendored chart library keep the assets service's own caching headers.
 */
export async function consolePages(c: Context<AppEnv>): Promise<Response> {
  const path = c.req.path;
  if (apiPrefixes.some((prefix) => path.startsWith(prefix)) || path === "/chat") {
    throw new GatehouseError("not_found");
  }
  const asset = await c.env.ASSETS.fetch(c.req.raw);
  if (asset.status === 404) {
    await asset.body?.cancel();
    throw new GatehouseError("not_found");
  }
  // The assets service's Response has immutable headers: copy it to add ours.
  const response = new Response(asset.body, asset);
  response.headers.set("X-Request-Id", c.var.requestId);
  if (response.headers.get("Content-Type")?.startsWith("text/html")) response.headers.set("Cache-Control", "no-store");
  return response;
}
