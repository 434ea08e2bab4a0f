import { and, desc, eq, isNotNull } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../env";
import { GatehouseError } from "../errors";
import { recordAdminAction } from "../audit/admin-actions";
import { contentOf } from "../db/audit-content";
import { guardSettingsOf } from "../db/sensitive";
import { guardVerdicts } from "../db/sensitive-schema";
import { getSetting, putSetting } from "../db/settings";
import { jsonBody } from "../middleware/json-body";
import { validated } from "../middleware/validate";
import { openTexts } from "../sensitive/erasure";
import { guardSettingKey, guardSettingsSchema } from "../sensitive/guard-verdict";
import { readReason } from "./content-reads";

/**
 * /admin/api/sensitive/guard/…: the shadow guard model's settings, its
 * verdicts (disagreements with the regex detectors first to label), labels,
 * and the labelled set exported for fine-tuning in Llama Guard's format
 * (llama-recipes' TrainingExample: prompt, response, violated_category_codes,
 * label, explanation), one JSON object per line. The exported text is the
 * stored text: placeholders, never the values.
 */

const listQuery = z.object({ disagreements: z.enum(["0", "1"]).default("0"), limit: z.coerce.number().int().min(1).max(500).default(100) });
const labelBody = z.object({ label: z.enum(["safe", "unsafe"]), categories: z.array(z.string().regex(/^S\d{1,2}$/)).max(20).default([]) });

export function adminGuardRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get("/sensitive/guard/settings", async (c) => c.json({ guard: guardSettingsOf(await getSetting(c.env.DB, guardSettingKey)) }));
  routes.put("/sensitive/guard/settings", jsonBody(), async (c) => {
    const settings = validated(guardSettingsSchema, c.var.jsonBody);
    await recordAdminAction(c, { action: "sensitive.guard", targetUserId: null, detail: { model: settings.model, timeoutMs: settings.timeoutMs } });
    await putSetting(c.env.DB, guardSettingKey, JSON.stringify(settings));
    return c.json({ guard: settings });
  });
  routes.get("/sensitive/guard/verdicts", async (c) => {
    const { disagreements, limit } = validated(listQuery, c.req.query());
    const d = drizzle(c.env.DB);
    const rows = await d.select().from(guardVerdicts).where(disagreements === "1" ? eq(guardVerdicts.disagreement, true) : undefined).orderBy(desc(guardVerdicts.at)).limit(limit).all();
    return c.json({ verdicts: rows });
  });
  routes.put("/sensitive/guard/verdicts/:requestId/label", jsonBody(), async (c) => {
    const { label, categories } = validated(labelBody, c.var.jsonBody);
    const requestId = c.req.param("requestId");
    const changes = { label, labelCategories: categories.join(",") || null, labelledBy: c.var.principal.userId, labelledAt: Date.now() };
    const result = await drizzle(c.env.DB).update(guardVerdicts).set(changes).where(eq(guardVerdicts.requestId, requestId)).run();
    if ((result.meta.changes ?? 0) === 0) throw new GatehouseError("not_found");
    return c.json({ requestId, label, categories });
  });
  routes.get("/sensitive/guard/export.jsonl", async (c) => {
    await recordAdminAction(c, { action: "audit.export", targetUserId: null, detail: { kind: "guard-training-set", reason: readReason(c) } });
    const rows = await drizzle(c.env.DB).select().from(guardVerdicts).where(and(isNotNull(guardVerdicts.label))).orderBy(guardVerdicts.at).limit(10_000).all();
    const texts = await contentOf(c.env.DB, rows.map((r) => r.requestId));
    await openTexts(c.env.DB, c.env.SESSION_SECRET, rows.map((r) => ({ id: r.requestId, userId: r.userId })), texts);
    const lines = rows.flatMap((row) => {
      const text = texts.get(row.requestId);
      if (!text?.prompt) return []; // no stored text (capture mode, retention, erased): nothing to train on
      return [JSON.stringify({
        prompt: text.prompt,
        response: text.response ?? "N/A",
        violated_category_codes: row.label === "unsafe" ? (row.labelCategories?.split(",").filter(Boolean) ?? []) : [],
        label: row.label,
        explanation: `labelled by an admin; guard ${row.model} said ${row.verdict}${row.disagreement ? " (disagreed with the regex detectors)" : ""}`,
      })];
    });
    return new Response(lines.map((line) => `${line}\n`).join(""), {
      headers: { "Content-Type": "application/x-ndjson; charset=utf-8", "Content-Disposition": 'attachment; filename="guard-training.jsonl"', "Cache-Control": "no-store", "X-Request-Id": c.var.requestId },
    });
  });
  return routes;
}
