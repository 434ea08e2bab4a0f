import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../env";
import { GatehouseError } from "../errors";
import { recordAdminAction } from "../audit/admin-actions";
import { deletePattern, findingsOf, findingTotals, listPatterns, listPolicies, putPattern, putPolicies } from "../db/sensitive";
import { policyScopes } from "../db/sensitive-schema";
import { jsonBody } from "../middleware/json-body";
import { validated } from "../middleware/validate";
import { builtinCategories, injectionSignals, policyActions, secretCategories, personalCategories } from "../sensitive/categories";
import { customPatternName, customPatternSchema } from "../sensitive/custom-patterns";
import { defaultAction } from "../sensitive/policy";

/**
 * /admin/api/sensitive/…: policies (global, per user, per key), admin-defined
 * patterns, and the findings the console charts. Changes are admin actions
 * sealed in the audit chain.
 */

const category = z.union([z.enum(builtinCategories), z.string().regex(/^custom:[a-z][a-z0-9_]{0,39}$/, "a built-in category or custom:<name>")]);
const scopeQuery = z.object({ scope: z.enum(policyScopes).default("global"), subject: z.string().min(1).max(100).optional() });
const policyBody = z.object({
  scope: z.enum(policyScopes),
  subject: z.string().min(1).max(100).optional(),
  actions: z.record(category, z.enum(policyActions)),
});
const patternBody = customPatternSchema.omit({ name: true });
const rangeQuery = z.object({
  from: z.coerce.number().int().nonnegative().optional(),
  to: z.coerce.number().int().positive().optional(),
});

function subjectOf(scope: (typeof policyScopes)[number], subject: string | undefined): string {
  if (scope === "global") return "";
  if (!subject) throw new GatehouseError("invalid_request", { message: `subject: required for scope ${scope}` });
  return subject;
}

export function adminSensitiveRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get("/sensitive/policy", async (c) => {
    const { scope, subject } = validated(scopeQuery, c.req.query());
    const actions = await listPolicies(c.env.DB, scope, subjectOf(scope, subject));
    return c.json({
      scope, subject: subject ?? null, actions,
      categories: { personal: personalCategories, secret: secretCategories, signals: injectionSignals },
      defaults: {
        local: Object.fromEntries(builtinCategories.map((k) => [k, defaultAction(k, "local")])),
        cloud: Object.fromEntries(builtinCategories.map((k) => [k, defaultAction(k, "cloud")])),
      },
    });
  });
  routes.put("/sensitive/policy", jsonBody(), async (c) => {
    const { scope, subject, actions } = validated(policyBody, c.var.jsonBody);
    const subjectId = subjectOf(scope, subject);
    await recordAdminAction(c, { action: "sensitive.policy", targetUserId: scope === "user" ? subjectId : null, detail: { scope, subject: subjectId, actions: JSON.stringify(actions) } });
    await putPolicies(c.env.DB, scope, subjectId, actions);
    return c.json({ scope, subject: subject ?? null, actions });
  });
  routes.get("/sensitive/patterns", async (c) => c.json({ patterns: await listPatterns(c.env.DB) }));
  routes.put("/sensitive/patterns/:name", jsonBody(), async (c) => {
    const name = validated(customPatternName, c.req.param("name"));
    const body = validated(patternBody, c.var.jsonBody);
    await recordAdminAction(c, { action: "sensitive.pattern", targetUserId: null, detail: { name, source: body.source } });
    await putPattern(c.env.DB, { name, ...body });
    return c.json({ pattern: { name, ...body } });
  });
  routes.delete("/sensitive/patterns/:name", async (c) => {
    const name = validated(customPatternName, c.req.param("name"));
    await recordAdminAction(c, { action: "sensitive.pattern", targetUserId: null, detail: { name, deleted: true } });
    if (!(await deletePattern(c.env.DB, name))) throw new GatehouseError("not_found");
    return c.body(null, 204);
  });
  routes.get("/sensitive/findings", async (c) => {
    const { from, to } = validated(rangeQuery, c.req.query());
    const until = to ?? Date.now() + 1;
    const since = from ?? until - 30 * 24 * 3600 * 1000;
    return c.json({ from: since, to: until, totals: await findingTotals(c.env.DB, since, until) });
  });
  routes.get("/sensitive/findings/:requestId", async (c) => {
    const rows = await findingsOf(c.env.DB, c.req.param("requestId"));
    return c.json({ findings: rows.map(({ id: _id, ...row }) => row) });
  });
  return routes;
}
