import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../env";
import { seriesTotals } from "../db/stats";
import { validated } from "../middleware/validate";
import { lastDays, maxRangeDays, zeroFilled } from "./stats-range";

/**
 * GET /account/api/usage?days=30: the caller's own inference requests and
 * tokens per UTC day, for the account page's chart. app.ts authenticates
 * (session or key) everything under /account/api; the user is always the
 * caller, never a parameter.
 *
 * Answer: {"days":[{"date":"YYYY-MM-DD","requests","tokens"}]}, one entry
 * per day (zeros where nothing happened), oldest first, ending today.
 */

const usageQuery = z.object({
  days: z.coerce.number().int().min(1).max(maxRangeDays).default(30),
});

export function accountUsageRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get("/usage", async (c) => {
    const { days } = validated(usageQuery, c.req.query());
    const range = lastDays(days, Date.now());
    const rows = await seriesTotals(c.env.DB, { from: range.from, to: range.to, userId: c.var.principal.userId }, "day");
    return c.json({
      days: zeroFilled(range, rows).map((day) => ({
        date: new Date(day.t).toISOString().slice(0, 10),
        requests: day.requests,
        tokens: day.promptTokens + day.completionTokens,
      })),
    });
  });
  return routes;
}
