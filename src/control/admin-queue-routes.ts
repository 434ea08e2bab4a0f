import { Hono } from "hono";
import type { AppEnv } from "../env";
import { GatehouseError } from "../errors";
import { admissionQueue } from "../governance/admission-queue";
import type { QueueSnapshot } from "../governance/queue-snapshot";

/**
 * GET /admin/api/queue: what holds the GPU and what waits for it, per user.
 * app.ts lets only active admins reach anything under /admin/api.
 *
 * Answer: {"maxInflight","maxQueue","inflight","waiting",
 *          "users":[{"userId","username","inflight","waiting","oldestWaitMs"}]}
 * with the busiest users first.
 */
export function adminQueueRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get("/queue", async (c) => {
    const queue = admissionQueue(c.env);
    let snapshot: QueueSnapshot;
    try {
      snapshot = await queue.snapshot();
    } catch {
      throw new GatehouseError("limiter_unavailable", { retryAfter: 5 });
    }
    return c.json(snapshot);
  });
  return routes;
}
