import { and, desc, eq, inArray, isNull, or } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { Hono, type Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../env";
import { recordAdminAction } from "../audit/admin-actions";
import { adminActions, users } from "../db/schema";
import { validated } from "../middleware/validate";

/**
 * Reads of captured text are themselves on the record. An admin who opens a
 * record's prompt and answer (GET /admin/api/audit/:id), exports CSV or the
 * guard's labelled set gives a reason (`?reason=`, required: 400 without
 * one; the console asks for it), and the read is sealed in the hash chain as
 * an admin action — who, whose record, which, why — before the text is
 * sent. A user sees who read their records: GET /account/api/audit/reads.
 */

const reasonQuery = z.object({ reason: z.string({ error: "required: why you read captured text (it is recorded, and the user sees it)" }).trim().min(1).max(500) });

/** The reason given with this read of captured text. Missing, empty or too long: a 400 naming `reason`. */
export function readReason(c: Context<AppEnv>): string {
  return validated(reasonQuery, { reason: c.req.query("reason") }).reason;
}

export async function recordContentRead(c: Context<AppEnv>, event: { id: string; userId: string | null }, reason: string): Promise<void> {
  await recordAdminAction(c, { action: "audit.read", targetUserId: event.userId, detail: { record: event.id, reason } });
}

const readsQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });

/** GET /account/api/audit/reads: reads of my records — one record, an export of mine, or an export of everyone's. */
export function accountReadRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get("/audit/reads", async (c) => {
    const { limit } = validated(readsQuery, c.req.query());
    const me = c.var.principal.userId;
    const rows = await drizzle(c.env.DB)
      .select({ at: adminActions.at, action: adminActions.action, detail: adminActions.detail, actor: users.username })
      .from(adminActions)
      .leftJoin(users, eq(users.id, adminActions.actorUserId))
      .where(
        or(
          and(eq(adminActions.targetUserId, me), inArray(adminActions.action, ["audit.read", "audit.export"])),
          and(isNull(adminActions.targetUserId), eq(adminActions.action, "audit.export")),
        ),
      )
      .orderBy(desc(adminActions.seq))
      .limit(limit)
      .all();
    return c.json({
      reads: rows.map((row) => {
        const detail = parseDetail(row.detail);
        return {
          at: new Date(row.at).toISOString(),
          by: row.actor ?? "(deleted account)",
          what: row.action === "audit.read" ? "record" : "export",
          record: typeof detail.record === "string" ? detail.record : null,
          reason: typeof detail.reason === "string" ? detail.reason : null,
        };
      }),
    });
  });
  return routes;
}

function parseDetail(text: string | null): Record<string, unknown> {
  if (!text) return {};
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
