import { Hono } from "hono";
import type { AppEnv } from "../env";
import { recordAdminAction } from "../audit/admin-actions";
import { aliasesBody, loadAliases, saveAliases } from "../inference/aliases";
import { jsonBody } from "../middleware/json-body";
import { validated } from "../middleware/validate";

/**
 * GET|PUT /admin/api/aliases: `{"aliases":[{"pattern":"claude-*","model":"qwen3-coder:30b"}]}`.
 * PUT replaces the list (order matters: the first match wins) and is on the
 * audit trail as an admin action. app.ts lets only active admins reach it.
 */
export function adminAliasesRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get("/aliases", async (c) => c.json({ aliases: await loadAliases(c.env.DB, 0) }));
  routes.put("/aliases", jsonBody(), async (c) => {
    const { aliases } = validated(aliasesBody, c.var.jsonBody);
    await saveAliases(c.env.DB, aliases);
    await recordAdminAction(c, { action: "aliases.set", targetUserId: null, detail: { count: aliases.length } });
    return c.json({ aliases });
  });
  return routes;
}
