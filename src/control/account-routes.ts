import { Hono, type Context } from "hono";
import type { AppEnv } from "../env";
import { userUsage } from "../governance/usage";
import { GatehouseError } from "../errors";
import { listApiKeys, revokeApiKey } from "../db/api-keys";
import { getUser } from "../db/users";
import { configuredDefaultLimits } from "../governance/limits";
import { jsonBody } from "../middleware/json-body";
import { createKey } from "./key-creation";
import { keyView, userView } from "./views";

/**
 * /account/api/*: the caller's own account and keys. app.ts authenticates
 * (session or key) and authorizes (active, no pending password change)
 * everything under this prefix before these handlers run.
 */
export function accountRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get("/me", me);
  routes.get("/keys", async (c) => c.json({ keys: (await listApiKeys(c.env.DB, c.var.principal.userId)).map((key) => keyView(key)) }));
  routes.post("/keys", jsonBody(), (c) => createKey(c, c.var.principal.userId));
  routes.delete("/keys/:id", async (c) => {
    if (!(await revokeApiKey(c.env.DB, c.var.principal.userId, c.req.param("id")))) throw new GatehouseError("not_found");
    return c.body(null, 204);
  });
  return routes;
}

async function me(c: Context<AppEnv>): Promise<Response> {
  const principal = c.var.principal;
  const user = await getUser(c.env.DB, principal.userId);
  if (!user) throw new GatehouseError("unauthenticated");
  // `limits` and `boundaries` here are the effective ones for this credential (a key's scope narrows them).
  // Usage comes from the user's own limiter; null when it cannot answer (display only, never a gate).
  const usage = await userUsage(c.env, principal.userId, principal.limits);
  return c.json({ user: userView(user, configuredDefaultLimits(c.var.config)), limits: principal.limits, boundaries: principal.boundaries, usage, via: principal.via, keyId: principal.keyId });
}
