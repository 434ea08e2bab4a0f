import { Hono } from "hono";
import type { AppEnv } from "../env";
import { GatehouseError } from "../errors";
import { admissionQueue } from "../governance/admission-queue";
import type { QueueSnapshot } from "../governance/queue-snapshot";
import { catalogSlots, probeBackendsWhenDue } from "../backends/probe-round";

/**
 * GET /admin/api/queue: what holds the GPU and what waits for it, per user.
 * app.ts lets only active admins reach anything under /admin/api.
 *
 * Answer: {"maxInflight","maxQueue","inflight","waiting",
 *          "users":[{"userId","username","inflight","waiting","oldestWaitMs"}],
 *          "backends":[{"name","slots","inflight","waiting","breaker","consecutiveFailures",
 *                       "retryAt","health","probedAt"}]}
 * with the busiest users first and backends by name (every backend of the
 * catalog, idle ones too). A probe round runs first when one is due.
 */
export function adminQueueRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get("/queue", async (c) => {
    const queue = admissionQueue(c.env);
    let snapshot: QueueSnapshot;
    try {
      await probeBackendsWhenDue(c.env, c.var.config);
      snapshot = await queue.snapshot(await catalogSlots(c.env, c.var.config));
    } catch {
      throw new GatehouseError("limiter_unavailable", { retryAfter: 5 });
    }
    return c.json(snapshot);
  });
  return routes;
}
