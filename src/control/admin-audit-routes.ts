import { Hono, type Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../env";
import { GatehouseError } from "../errors";
import { recordAdminAction } from "../audit/admin-actions";
import { checkCheckpoints, checkpointsBody } from "../audit/checkpoints";
import { csvExport } from "../audit/export";
import { jsonBody } from "../middleware/json-body";
import { auditLedger } from "../audit/ledger";
import { verifyChain } from "../audit/verify";
import { adminActionView, eventView } from "../audit/views";
import { listAdminActions } from "../db/admin-actions";
import { contentOf, type EventText } from "../db/audit-content";
import { openTexts } from "../sensitive/erasure";
import { getEvent, listEvents, type EventFilter } from "../db/audit-events";
import { markExported } from "../db/user-exports";
import { sameOriginRead } from "../middleware/same-origin";
import { getUser } from "../db/users";
import { validated } from "../middleware/validate";
import { readReason, recordContentRead } from "./content-reads";

/**
 * /admin/api/audit…: search, verify and export the audit trail, and
 * /account/api/audit…: one's own. app.ts puts these behind the admin (or
 * account) authentication and authorization of their prefix.
 */

/** ms since the epoch, or an ISO 8601 date/time. */
const instant = z
  .string()
  .transform((text, ctx) => {
    const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: "custom", message: "expected ms since the epoch or an ISO 8601 time" });
      return z.NEVER;
    }
    return ms;
  })
  .optional();

const listQuery = z.object({
  user: z.string().min(1).max(100).optional(),
  model: z.string().min(1).max(300).optional(),
  outcome: z.string().min(1).max(40).optional(),
  from: instant,
  to: instant,
  cursor: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const rangeQuery = z.object({ from: instant, to: instant });

export function adminAuditRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get("/audit", (c) => listPage(c, {}));
  routes.get("/audit/verify", verify);
  // Proves D1 against checkpoint lines from the log (gatehouse audit verify --checkpoints).
  routes.post("/audit/checkpoints", jsonBody(), async (c) => {
    const { checkpoints } = validated(checkpointsBody, c.var.jsonBody);
    return c.json(await checkCheckpoints(c.env.DB, checkpoints));
  });
  routes.get("/audit/actions", async (c) => {
    const { user, cursor, limit } = validated(listQuery, c.req.query());
    const rows = await listAdminActions(c.env.DB, user ?? null, cursor ?? null, limit);
    return c.json({ actions: rows.map(adminActionView), next: rows.length === limit ? rows[rows.length - 1]!.seq : null });
  });
  routes.get("/audit.csv", sameOriginRead(), async (c) => {
    const { from, to } = validated(rangeQuery, c.req.query());
    const reason = readReason(c);
    const whole = from === undefined && to === undefined;
    await recordAdminAction(c, { action: "audit.export", targetUserId: null, detail: { from: from ?? null, to: to ?? null, reason } });
    // Only an export of everything, read to the end, covers every user for deletion.
    return csv(c, "audit", { from, to }, whole ? (at) => markExported(c.env.DB, null, at) : undefined);
  });
  routes.get("/audit/:id", async (c) => {
    const reason = readReason(c);
    const event = await getEvent(c.env.DB, c.req.param("id"));
    if (!event) throw new GatehouseError("not_found");
    const user = event.userId === null ? null : await getUser(c.env.DB, event.userId);
    await recordContentRead(c, event, reason); // who read whose prompt and answer, and why, sealed in the chain before the text leaves
    const texts = await contentOf(c.env.DB, [event.id]);
    await openTexts(c.env.DB, c.env.SESSION_SECRET, [event], texts); // per-user decryption; an erased user's text is null
    const text = texts.get(event.id);
    return c.json({ event: { ...eventView({ ...event, username: user?.username ?? null }), promptText: text?.prompt ?? null, responseText: text?.response ?? null } });
  });
  routes.get("/users/:id/audit.csv", sameOriginRead(), async (c) => {
    const reason = readReason(c);
    const user = await getUser(c.env.DB, c.req.param("id"));
    if (!user) throw new GatehouseError("not_found");
    await recordAdminAction(c, { action: "audit.export", targetUserId: user.id, detail: { reason } });
    return csv(c, `audit-${user.username}`, { userId: user.id }, (at) => markExported(c.env.DB, user.id, at));
  });
  return routes;
}

export function accountAuditRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get("/audit", (c) => listPage(c, { userId: c.var.principal.userId }));
  routes.get("/audit.csv", (c) => csv(c, "my-audit", { userId: c.var.principal.userId }));
  return routes;
}

async function listPage(c: Context<AppEnv>, forced: EventFilter): Promise<Response> {
  const query = validated(listQuery, c.req.query());
  const filter: EventFilter = { userId: query.user, model: query.model, outcome: query.outcome, from: query.from, to: query.to, ...forced };
  const rows = await listEvents(c.env.DB, filter, query.cursor ?? null, query.limit);
  return c.json({ events: rows.map(eventView), next: rows.length === query.limit ? rows[rows.length - 1]!.seq : null });
}

/**
 * Checks what is there, as it is: nothing is sealed first (sealing pending
 * records would write a new head over a rolled-back chain). The ledger's own
 * "chain broken" state (src/audit/integrity.ts) fails it whatever D1 says.
 */
async function verify(c: Context<AppEnv>): Promise<Response> {
  const ledger = auditLedger(c.env);
  let anchor;
  let broken;
  try {
    [anchor, broken] = await Promise.all([ledger.anchor(), ledger.integrity()]);
  } catch {
    throw new GatehouseError("audit_unavailable", { retryAfter: 5 });
  }
  const report = await verifyChain(c.env.DB, anchor);
  if (!broken) return c.json({ ...report, broken: null });
  const firstBad = report.firstBad ?? { seq: broken.expected.seq, kind: null, id: null, reason: broken.reason };
  return c.json({ ok: false, checked: report.checked, firstBad, broken });
}

/** Streams a CSV export of the rows that exist now; `covered` runs once it was read to the end. */
function csv(c: Context<AppEnv>, name: string, filter: EventFilter, covered?: (at: number) => Promise<void>): Response {
  const at = Date.now();
  const open = (events: readonly { id: string; userId: string | null }[], texts: Map<string, EventText>) => openTexts(c.env.DB, c.env.SESSION_SECRET, events, texts);
  const body = csvExport(c.env.DB, { filter: { ...filter, startedAtMost: at }, onComplete: covered && (() => covered(at)), open });
  const filename = `${name.replace(/[^A-Za-z0-9._-]/g, "_")}-${new Date(at).toISOString().slice(0, 10)}.csv`;
  return new Response(body, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8; header=present",
      "Content-Disposition": `attachment; filename="${filename}"`,
      "Cache-Control": "no-store",
      "X-Request-Id": c.var.requestId,
    },
  });
}
