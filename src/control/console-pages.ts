import type { Context } from "hono";
import type { AppEnv } from "../env";
import { GatehouseError } from "../errors";

/** Prefixes that belong to the APIs: an unknown path there is a JSON 404, never a page. */
const apiPrefixes = ["/api/", "/v1/", "/auth/", "/admin/api/", "/account/api/"];

/** Serves the console's static files from public/ for every other GET. */
export async function consolePages(c: Context<AppEnv>): Promise<Response> {
  const path = c.req.path;
  if (apiPrefixes.some((prefix) => path.startsWith(prefix)) || path === "/chat") {
    throw new GatehouseError("not_found");
  }
  const response = await c.env.ASSETS.fetch(c.req.raw);
  if (response.status === 404) throw new GatehouseError("not_found");
  return response;
}
