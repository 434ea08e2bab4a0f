import { Hono } from "hono";
import type { AppEnv } from "../env";
import { seriesTotals, topModels, topUsers, type StatsFilter } from "../db/stats";
import { validated } from "../middleware/validate";
import { resolveRange, statsQuery, zeroFilled } from "./stats-range";

/**
 * GET /admin/api/stats?from=&to=&bucket=&user=&model=: how the box is used,
 * for the console's dashboard. app.ts lets only active admins reach
 * anything under /admin/api.
 *
 * Answer:
 *   {"from","to","bucket":"hour"|"day",
 *    "series":[{"t","requests","errors","promptTokens","completionTokens","avgLatencyMs","costUsd"}],
 *    "byUser":[{"userId","username","requests","errors","tokens","avgLatencyMs","costUsd"}],
 *    "byModel":[{"model","requests","errors","tokens","avgLatencyMs","costUsd"}]}
 * costUsd: US dollars at the answering backends' prices (0 where none had any).
 * series has every bucket of the range (zeros where nothing happened),
 * oldest first; byUser and byModel the top 50 by requests. Times are ISO
 * 8601 (UTC); `user` and `model` narrow all three.
 */

const topLimit = 50;

export function adminStatsRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get("/stats", async (c) => {
    const query = validated(statsQuery, c.req.query());
    const range = resolveRange(query, Date.now());
    const filter: StatsFilter = { from: range.from, to: range.to, userId: query.user, model: query.model };
    const [series, byUser, byModel] = await Promise.all([
      seriesTotals(c.env.DB, filter, range.bucket),
      topUsers(c.env.DB, filter, topLimit),
      topModels(c.env.DB, filter, topLimit),
    ]);
    return c.json({
      from: new Date(range.from).toISOString(),
      to: new Date(range.to).toISOString(),
      bucket: range.bucket,
      series: zeroFilled(range, series).map(({ t, ...totals }) => ({ t: new Date(t).toISOString(), ...totals })),
      // A deleted account's records stay under its id; its name is gone with it.
      byUser: byUser.map((row) => ({ ...row, username: row.username ?? "(deleted)" })),
      byModel,
    });
  });
  return routes;
}
